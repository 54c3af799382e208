// The tray menu as data: what it shows for a given state, and what each item does. index.ts turns
// it into Electron's Menu; here it is plain, so it is tested without Electron.
import type { TrayState } from './tray-state.js';

export type TrayAction =
  | { readonly kind: 'open-window' }
  | { readonly kind: 'show-address'; readonly ip: string }
  | { readonly kind: 'unban'; readonly ip: string }
  | { readonly kind: 'whitelist'; readonly ip: string }
  | { readonly kind: 'pause-notifications' }
  | { readonly kind: 'resume-notifications' }
  | { readonly kind: 'start-at-login'; readonly enabled: boolean }
  | { readonly kind: 'attack-notifications'; readonly enabled: boolean }
  | { readonly kind: 'start-helper' }
  | { readonly kind: 'quit' };

export type TrayItem =
  | { readonly type: 'normal'; readonly label: string; readonly action?: TrayAction; readonly enabled?: boolean }
  | { readonly type: 'checkbox'; readonly label: string; readonly checked: boolean; readonly action: TrayAction }
  | { readonly type: 'submenu'; readonly label: string; readonly items: readonly TrayItem[] }
  | { readonly type: 'separator' };

export interface RecentBan {
  readonly ip: string;
  /** Epoch ms it arrived. */
  readonly at: number;
  readonly service?: string | undefined;
}

export interface TrayModel {
  readonly state: TrayState;
  /** Whether the helper is stopped (rather than the bus unreachable): then it can be started. */
  readonly helperStopped: boolean;
  readonly recentBans: readonly RecentBan[];
  readonly pausedUntil: number | null;
  readonly startAtLogin: boolean;
  readonly attackNotifications: boolean;
  readonly now: number;
}

/** How many recent bans the menu lists. */
export const RECENT_BANS_SHOWN = 5;

const STATE_WORDS: Record<TrayState, string> = {
  protected: 'Protected',
  'under-attack': 'Under attack: bans in the last few minutes',
  unreachable: 'The helper cannot be reached',
};

function clock(epochMs: number): string {
  const time = new Date(epochMs);
  return `${String(time.getHours()).padStart(2, '0')}:${String(time.getMinutes()).padStart(2, '0')}`;
}

export function trayTooltip(model: Pick<TrayModel, 'state' | 'helperStopped'>): string {
  return `Croissant2Ban: ${model.helperStopped ? 'the helper is not running' : STATE_WORDS[model.state]}`;
}

export function trayMenu(model: TrayModel): TrayItem[] {
  const items: TrayItem[] = [{ type: 'normal', label: model.helperStopped ? 'The helper is not running' : STATE_WORDS[model.state], enabled: false }];
  if (model.helperStopped) items.push({ type: 'normal', label: 'Start the helper…', action: { kind: 'start-helper' } });
  items.push({ type: 'separator' });
  if (model.recentBans.length === 0) items.push({ type: 'normal', label: 'No active bans', enabled: false });
  else {
    items.push({ type: 'normal', label: 'Last bans', enabled: false });
    for (const ban of model.recentBans.slice(0, RECENT_BANS_SHOWN)) {
      items.push({
        type: 'submenu',
        label: `${ban.ip}${ban.service ? ` (${ban.service})` : ''} at ${clock(ban.at)}`,
        items: [
          { type: 'normal', label: 'Details…', action: { kind: 'show-address', ip: ban.ip } },
          { type: 'normal', label: 'Unban', action: { kind: 'unban', ip: ban.ip } },
          { type: 'normal', label: 'Whitelist', action: { kind: 'whitelist', ip: ban.ip } },
        ],
      });
    }
  }
  items.push({ type: 'separator' });
  if (model.pausedUntil !== null && model.pausedUntil > model.now) {
    items.push({ type: 'normal', label: `Resume notifications (paused until ${clock(model.pausedUntil)})`, action: { kind: 'resume-notifications' } });
  } else items.push({ type: 'normal', label: 'Pause notifications for an hour', action: { kind: 'pause-notifications' } });
  items.push(
    { type: 'checkbox', label: 'Notify on every failed attempt', checked: model.attackNotifications, action: { kind: 'attack-notifications', enabled: !model.attackNotifications } },
    { type: 'checkbox', label: 'Start at login', checked: model.startAtLogin, action: { kind: 'start-at-login', enabled: !model.startAtLogin } },
    { type: 'separator' },
    { type: 'normal', label: 'Open Croissant2Ban', action: { kind: 'open-window' } },
    { type: 'normal', label: 'Quit', action: { kind: 'quit' } },
  );
  return items;
}
