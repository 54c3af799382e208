// The contract between the window (renderer/) and the Electron main process: one function per
// operation, nothing generic. The preload implements it over IPC (type-checked against Bridge), the
// main process validates every call's sender and arguments before it reaches the helper, and the
// renderer sees only `window.croissant2ban`. Types only: the renderer imports this file, so it must
// stay free of node:, electron and the DOM.
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
