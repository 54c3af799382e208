// The contract between the window (renderer/) and the Electron main process: one function per
// operation, nothing generic. The preload implements it over IPC (type-checked against Bridge), the
// main process validates every call's sender and arguments before it reaches the helper, and the
// renderer sees only `window.croissant2ban`. The renderer imports this file, so it must stay free of
// node:, electron and the DOM.
import type {
  ActivityInfo,
  BanInfo,
  ErrorKind,
  EventInfo,
  IntelInfo,
  ServiceInfo,
  StatsInfo,
  StatusInfo,
  WhitelistInfo,
} from '../helper/protocol/index.js';

/** The name under which the preload exposes the bridge on `window`. */
export const BRIDGE_NAME = 'croissant2ban';

/**
 * Why an operation failed: the helper's named errors, the client's (the helper cannot be reached,
 * polkit wants a password, the call timed out, ...), InvalidRequest when the main process refused
 * the arguments, NotInstalled when systemd has no unit for the helper.
 */
export type BridgeErrorKind =
  | ErrorKind
  | 'Unreachable'
  | 'InteractionRequired'
  | 'AccessDenied'
  | 'BadReply'
  | 'Timeout'
  | 'InvalidRequest'
  | 'NotInstalled';

export interface BridgeError {
  readonly kind: BridgeErrorKind;
  /** The technical message (the helper's own words); the renderer shows a sentence of its own first. */
  readonly message: string;
}

/** What each failed operation means, in a sentence a person can act on (the tray and the window show it). */
const ERROR_SENTENCES: Record<BridgeErrorKind, string> = {
  NotAuthorized:
    'You are not allowed to change bans or the whitelist. Ask an administrator to add you to the croissant2ban group (or to allow you in polkit), or use an account that is.',
  InvalidAddress: 'That is not a valid IP address or network.',
  InvalidArgument: 'The helper refused a value as out of range or malformed. Check what you typed and try again.',
  Whitelisted: 'That address is whitelisted, so it cannot be banned.',
  NotFound: 'That address is not banned (any more).',
  Failed: 'The helper tried but could not do it. Its log (journalctl -u croissant2ban) says why.',
  Unreachable: 'The helper is not running, so nothing can be read or changed right now. Start it, then try again.',
  Timeout: 'The helper did not answer in time. It may be busy; try again in a moment.',
  InteractionRequired:
    'This needs an administrator password, but no password prompt (polkit agent) is running in your session. Log in to a desktop session with one, or join the croissant2ban group.',
  AccessDenied: 'The system bus refused the call: its policy does not let your account talk to the helper this way.',
  BadReply: 'The helper answered with something this app does not understand. The app and the helper may be different versions.',
  InvalidRequest: 'The app refused to send that request because a value was not valid.',
  NotInstalled: 'The helper is not installed on this machine (no croissant2ban.service).',
};

/** The sentence for an error; the technical message goes beside it, smaller. */
export function describeError(error: BridgeError): string {
  return ERROR_SENTENCES[error.kind] ?? `Something went wrong (${error.kind}).`;
}

/** Starting the helper fails for other reasons than a call to it: systemd and polkit answer. */
const START_SENTENCES: Partial<Record<BridgeErrorKind, string>> = {
  AccessDenied: 'You are not allowed to start it: the administrator password was refused or not given.',
  NotAuthorized: 'You are not allowed to start it: the administrator password was refused or not given.',
  InteractionRequired: 'Starting it needs an administrator password, but no password prompt (polkit agent) runs in your session. Run "sudo systemctl start croissant2ban" instead.',
  Failed: 'systemd could not start it. "systemctl status croissant2ban" says why.',
  Timeout: 'systemd did not answer in time. Try again, or run "sudo systemctl start croissant2ban".',
};

/** The sentence for a failure to start the helper through systemd. */
export function describeStartError(error: BridgeError): string {
  return START_SENTENCES[error.kind] ?? describeError(error);
}

/** Operations answer with a value or an error, never by throwing: errors cross IPC as data. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: BridgeError };

/** Where the app stands with the helper. */
export type HelperConnection =
  | { readonly state: 'connecting' }
  /** Connected; the helper owns its name on the bus. */
  | { readonly state: 'running' }
  /** The bus answers but no helper is on it (stopped, crashed, not installed). */
  | { readonly state: 'stopped' }
  /** The system bus itself cannot be reached; retried by itself. */
  | { readonly state: 'unreachable'; readonly detail: string };

/** The app's own settings (kept by the main process, not the helper). */
export interface Preferences {
  /** Start the tray app when the user logs in. */
  readonly startAtLogin: boolean;
  /** A notification for every failed attempt (AttackDetected), not only bans. Off by default. */
  readonly attackNotifications: boolean;
  /** Epoch ms until which notifications are paused, or 0. */
  readonly notificationsPausedUntil: number;
}

/** What the main process pushes to the window. Times are epoch ms of arrival. */
export type HelperEvent =
  | { readonly type: 'connection'; readonly connection: HelperConnection }
  | { readonly type: 'ban-added'; readonly at: number; readonly ip: string; readonly reason: string; readonly source: string; readonly durationSecs: number }
  | { readonly type: 'ban-removed'; readonly at: number; readonly ip: string; readonly reason: string }
  /** A running ban got a new end (epoch seconds, 0 = permanent); the same ban otherwise. */
  | { readonly type: 'ban-extended'; readonly at: number; readonly ip: string; readonly expiresAt: number }
  | { readonly type: 'attack'; readonly at: number; readonly ip: string; readonly service: string; readonly eventType: string }
  | { readonly type: 'counters'; readonly activeBans?: number; readonly eventsProcessed?: number }
  /** The user asked (notification or tray menu) to see what is known about an address. */
  | { readonly type: 'show-address'; readonly ip: string }
  | { readonly type: 'preferences'; readonly preferences: Preferences };

export interface Bridge {
  status(): Promise<Result<StatusInfo>>;
  getBans(): Promise<Result<BanInfo[]>>;
  getWhitelist(): Promise<Result<WhitelistInfo[]>>;
  /** Failed attempts at or after `sinceSecs` (epoch seconds), newest first, at most `limit`. */
  getEvents(limit: number, sinceSecs: number): Promise<Result<EventInfo[]>>;
  getActivity(limit: number): Promise<Result<ActivityInfo[]>>;
  getStats(): Promise<Result<StatsInfo>>;
  getServices(): Promise<Result<ServiceInfo[]>>;
  /** `refresh` asks the helper to look again (needs authorisation). */
  getIntel(ip: string, refresh: boolean): Promise<Result<IntelInfo>>;
  /** Bans (or re-bans, replacing the running ban) for `durationSecs`; 0 = permanent. */
  ban(ip: string, durationSecs: number, reason: string): Promise<Result<boolean>>;
  unban(ip: string): Promise<Result<boolean>>;
  /** Makes a running ban end `durationSecs` from now (0 = permanent), keeping its record. */
  extendBan(ip: string, durationSecs: number): Promise<Result<boolean>>;
  /** Returns the addresses whose bans the new entry lifted. */
  whitelistAdd(address: string, comment: string): Promise<Result<string[]>>;
  whitelistRemove(address: string): Promise<Result<boolean>>;
  /** Asks systemd to start the helper's unit (polkit asks for a password when it must). */
  startHelper(): Promise<Result<void>>;
  connection(): Promise<HelperConnection>;
  getPreferences(): Promise<Preferences>;
  setPreferences(changes: Partial<Preferences>): Promise<Result<Preferences>>;
  /** Calls `listener` for every event until the returned function is called. */
  onEvent(listener: (event: HelperEvent) => void): () => void;
}

/** Operations that go to the main process as one IPC request each (everything but onEvent). */
export type BridgeOperation = Exclude<keyof Bridge, 'onEvent'>;

/** The IPC channel of an operation, and the one channel events come back on. */
export const channelOf = (operation: BridgeOperation): string => `croissant2ban:${operation}`;
export const EVENT_CHANNEL = 'croissant2ban:event';
