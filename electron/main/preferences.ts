// The app's own settings, kept in a small JSON file in its user data folder. A missing or broken
// file means the defaults (and a warning), never a refusal to start. Start at login lives in the
// autostart entry itself, so the file and the desktop cannot disagree about it.
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Preferences } from '../bridge.js';
import type { Autostart } from './autostart.js';

export const DEFAULT_PREFERENCES: Preferences = { startAtLogin: false, attackNotifications: false, notificationsPausedUntil: 0 };

export interface PreferenceStore {
  get(): Preferences;
  update(changes: Partial<Preferences>): Promise<Preferences>;
}

function read(file: string, warn: (message: string) => void): Omit<Preferences, 'startAtLogin'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') warn(`${file}: ${(error as Error).message}; using the default preferences`);
    return DEFAULT_PREFERENCES;
  }
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  return {
    attackNotifications: typeof record.attackNotifications === 'boolean' ? record.attackNotifications : DEFAULT_PREFERENCES.attackNotifications,
    notificationsPausedUntil:
      typeof record.notificationsPausedUntil === 'number' && Number.isFinite(record.notificationsPausedUntil) ? record.notificationsPausedUntil : 0,
  };
}

export function createPreferenceStore(options: {
  readonly file: string;
  readonly autostart: Autostart;
  readonly now: () => number;
  readonly warn: (message: string) => void;
  /** Called after every change (to apply it and tell the window). */
  readonly changed: (preferences: Preferences) => void;
}): PreferenceStore {
  let stored = read(options.file, options.warn);
  const current = (): Preferences => ({
    startAtLogin: options.autostart.enabled(),
    attackNotifications: stored.attackNotifications,
    // A pause that has run out is no pause.
    notificationsPausedUntil: stored.notificationsPausedUntil > options.now() ? stored.notificationsPausedUntil : 0,
  });
  return {
    get: current,
    async update(changes) {
      if (changes.startAtLogin !== undefined && changes.startAtLogin !== options.autostart.enabled()) options.autostart.set(changes.startAtLogin);
      const next = {
        attackNotifications: changes.attackNotifications ?? stored.attackNotifications,
        notificationsPausedUntil: changes.notificationsPausedUntil ?? stored.notificationsPausedUntil,
      };
      mkdirSync(dirname(options.file), { recursive: true });
      const temporary = `${options.file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`);
      renameSync(temporary, options.file);
      stored = next;
      const preferences = current();
      options.changed(preferences);
      return preferences;
    },
  };
}
