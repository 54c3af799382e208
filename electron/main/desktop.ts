// What the tray app does with the helper's events and the user's clicks, without Electron: the
// tray's state and menu, ban (and, when asked for, attack) notifications with the address's origin,
// the recent bans, and the tray menu's actions. index.ts gives it a shell (the Tray, Notification
// and window calls); tests give it a recording one.
import { describeError, describeStartError, type HelperEvent, type Preferences, type Result } from '../bridge.js';
import { createBanNotifier, type Notice } from './ban-notifications.js';
import type { HelperLink } from './helper-link.js';
import { attackNotificationText, banNotificationText, type NotificationText } from './notification-text.js';
import type { Operations } from './operations.js';
import type { PreferenceStore } from './preferences.js';
import { createRecentBans, RECENT_BANS_KEPT } from './recent-bans.js';
import type { Scheduler } from './scheduler.js';
import { trayMenu, trayTooltip, type TrayAction, type TrayItem } from './tray-menu.js';
import { createTrayState, type TrayState } from './tray-state.js';

/** The Electron side, as the desktop logic needs it. */
export interface DesktopShell {
  /** Shows a desktop notification; `onClick` runs if the user clicks it. */
  notify(text: NotificationText, onClick: () => void): void;
  /** Shows the tray's icon, tooltip and menu; called only when one of them changed. */
  showTray(view: TrayView): void;
  /** Passes an event to the window, if there is one. */
  sendToWindow(event: HelperEvent): void;
  openWindow(): void;
  /** Opens the window on what is known about `ip`. */
  showAddress(ip: string): void;
  quit(): void;
}

export interface TrayView {
  readonly icon: TrayState;
  readonly tooltip: string;
  readonly menu: readonly TrayItem[];
}

export interface Desktop {
  onHelperEvent(event: HelperEvent): void;
  /** The preferences changed (from the window or the tray). */
  preferencesChanged(preferences: Preferences): void;
  /** Runs what a tray menu item asks for; failures become a notification, never an exception. */
  run(action: TrayAction): Promise<void>;
  dispose(): void;
}

export const NOTIFICATION_PAUSE_MS = 3_600_000;
/** A ban notification waits at most this long for the address's country and network. */
export const INTEL_WAIT_MS = 1_500;

export function createDesktop(options: {
  readonly shell: DesktopShell;
  readonly link: Pick<HelperLink, 'client' | 'connection'>;
  readonly operations: Operations;
  readonly preferences: PreferenceStore;
  readonly now: () => number;
  readonly scheduler: Scheduler;
}): Desktop {
  const { shell, link, operations, preferences, now, scheduler } = options;
  const trayState = createTrayState({ now });
  const recentBans = createRecentBans();
  let disposed = false;

  // --- notifications ------------------------------------------------------------------------------
  const banNotifier = createBanNotifier({ now, scheduler, show: (notice) => void showBan(notice) });
  const attackNotifier = createBanNotifier({ now, scheduler, show: (notice) => shell.notify(attackNotificationText(notice), () => shell.openWindow()) });

  async function showBan(notice: Notice) {
    if (notice.kind === 'burst') {
      shell.notify(banNotificationText(notice), () => shell.openWindow());
      return;
    }
    const ip = notice.ban.address;
    let cancel: (() => void) | null = null;
    const intel = await Promise.race([
      link.client()?.getIntel(ip, false).catch(() => undefined),
      new Promise<undefined>((resolve) => (cancel = scheduler.after(INTEL_WAIT_MS, () => resolve(undefined)))),
    ]);
    (cancel as (() => void) | null)?.();
    if (!disposed) shell.notify(banNotificationText(notice, { service: recentBans.serviceOf(ip), intel }), () => shell.showAddress(ip));
  }

  function applyPause(current: Preferences) {
    for (const notifier of [banNotifier, attackNotifier]) {
      if (current.notificationsPausedUntil > now()) notifier.pauseUntil(current.notificationsPausedUntil);
      else notifier.resume();
    }
  }

  // --- the tray -----------------------------------------------------------------------------------
  let shownTray = '';
  let cancelTrayTimer: (() => void) | null = null;

  function refreshTray() {
    if (disposed) return;
    const current = preferences.get();
    const model = {
      state: trayState.state(),
      helperStopped: link.connection().state === 'stopped',
      recentBans: recentBans.list(),
      pausedUntil: current.notificationsPausedUntil || null,
      startAtLogin: current.startAtLogin,
      attackNotifications: current.attackNotifications,
      now: now(),
    };
    const view: TrayView = { icon: model.state, tooltip: trayTooltip(model), menu: trayMenu(model) };
    // Every failed attempt is an event; the tray is redrawn only when what it shows changed.
    const key = JSON.stringify(view);
    if (key !== shownTray) {
      shownTray = key;
      shell.showTray(view);
    }
    // The tray changes by itself when the attack window or a pause ends.
    cancelTrayTimer?.();
    const changes = [trayState.nextChange(), current.notificationsPausedUntil > model.now ? current.notificationsPausedUntil : null].filter((at): at is number => at !== null);
    cancelTrayTimer = changes.length === 0 ? null : scheduler.after(Math.min(...changes) - model.now + 50, refreshTray);
  }

  /** After a (re)connection, the menu lists the newest bans the helper has. */
  async function loadRecentBans() {
    const bans = await link.client()?.getBans().catch(() => null);
    if (!bans || disposed) return;
    bans.sort((left, right) => right.banned_at - left.banned_at);
    recentBans.reset(bans.slice(0, RECENT_BANS_KEPT).map((ban) => ({ ip: ban.ip, at: ban.banned_at * 1000, service: ban.service || undefined })));
    refreshTray();
  }

  // --- actions from the tray menu -----------------------------------------------------------------
  const failed = (what: string, message: string) => shell.notify({ title: `Croissant2Ban could not ${what}`, body: message }, () => shell.openWindow());

  async function change(what: string, done: string, request: () => Promise<unknown>) {
    const result = (await request()) as Result<unknown>;
    if (result.ok) shell.notify({ title: done, body: '' }, () => shell.openWindow());
    else failed(what, describeError(result.error));
  }

  async function run(action: TrayAction) {
    try {
      switch (action.kind) {
        case 'open-window':
          shell.openWindow();
          return;
        case 'show-address':
          shell.showAddress(action.ip);
          return;
        case 'unban':
          await change(`unban ${action.ip}`, `${action.ip} unbanned`, () => operations.invoke('unban', [action.ip]));
          return;
        case 'whitelist':
          await change(`whitelist ${action.ip}`, `${action.ip} whitelisted`, () => operations.invoke('whitelistAdd', [action.ip, 'whitelisted from the tray']));
          return;
        case 'start-helper': {
          const result = (await operations.invoke('startHelper', [])) as Result<void>;
          if (!result.ok) failed('start the helper', describeStartError(result.error));
          return;
        }
        case 'pause-notifications':
          await preferences.update({ notificationsPausedUntil: now() + NOTIFICATION_PAUSE_MS });
          return;
        case 'resume-notifications':
          await preferences.update({ notificationsPausedUntil: 0 });
          return;
        case 'start-at-login':
          await preferences.update({ startAtLogin: action.enabled });
          return;
        case 'attack-notifications':
          await preferences.update({ attackNotifications: action.enabled });
          return;
        case 'quit':
          shell.quit();
          return;
      }
    } catch (error) {
      // A preference that cannot be saved (a full disk, a read-only home): say so, and show the truth.
      failed('save the setting', error instanceof Error ? error.message : String(error));
      // Electron ticked the checkbox itself on the click; draw the menu again to untick it.
      shownTray = '';
      refreshTray();
    }
  }

  applyPause(preferences.get());
  refreshTray();

  return {
    onHelperEvent(event) {
      switch (event.type) {
        case 'connection':
          trayState.helperReachable(event.connection.state === 'running');
          if (event.connection.state === 'running') void loadRecentBans();
          break;
        case 'attack':
          recentBans.attack(event.ip, event.service);
          if (preferences.get().attackNotifications) attackNotifier.banAdded({ address: event.ip, reason: `${event.service}: ${event.eventType}`, seconds: 0 });
          break;
        case 'ban-added':
          trayState.banAdded(event.at);
          recentBans.banAdded(event.ip, event.at);
          banNotifier.banAdded({ address: event.ip, reason: event.reason, seconds: event.durationSecs });
          break;
        case 'ban-removed':
          recentBans.banRemoved(event.ip);
          break;
        default:
          break;
      }
      shell.sendToWindow(event);
      refreshTray();
    },
    preferencesChanged(current) {
      applyPause(current);
      shell.sendToWindow({ type: 'preferences', preferences: current });
      refreshTray();
    },
    run,
    dispose() {
      disposed = true;
      cancelTrayTimer?.();
      banNotifier.dispose();
      attackNotifier.dispose();
    },
  };
}
