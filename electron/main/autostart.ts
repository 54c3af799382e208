// Start at login on Linux: an XDG autostart entry (~/.config/autostart/croissant2ban.desktop).
// Electron's setLoginItemSettings does nothing on Linux, so the app writes the entry itself.
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const AUTOSTART_FILE = 'croissant2ban.desktop';

/** One Exec argument, quoted and escaped as the Desktop Entry specification asks. */
function execArgument(argument: string): string {
  if (/[\n\r\0]/.test(argument)) throw new Error('an autostart command may not contain line breaks or NUL');
  // Inside the quotes, " ` $ \ get a backslash; then the value itself escapes \ again and % as %%.
  const quoted = `"${argument.replace(/[\\"`$]/g, (character) => `\\${character}`)}"`;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

export function desktopEntry(command: readonly string[]): string {
  if (command.length === 0) throw new Error('an autostart entry needs a command');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Croissant2Ban',
    'Comment=Intrusion prevention: tray icon and notifications',
    `Exec=${command.map(execArgument).join(' ')}`,
    'Icon=croissant2ban',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export interface Autostart {
  enabled(): boolean;
  set(enabled: boolean): void;
}

/** `configHome`: $XDG_CONFIG_HOME, else ~/.config. `command`: what starts the app. */
export function createAutostart(options: { readonly configHome: string; readonly command: readonly string[] }): Autostart {
  const folder = join(options.configHome, 'autostart');
  const file = join(folder, AUTOSTART_FILE);
  return {
    enabled: () => existsSync(file),
    set(enabled) {
      if (!enabled) {
        rmSync(file, { force: true });
        return;
      }
      mkdirSync(folder, { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, desktopEntry(options.command), { mode: 0o644 });
      renameSync(temporary, file);
    },
  };
}
