// The helper's public contract: D-Bus names, error names and the shapes of what methods return.
// Pure TypeScript (no node:, no electron, no DOM): the one part of helper/ that electron/ and
// renderer/ may import.

export const BUS_NAME = 'org.croissant2ban.Daemon';
export const OBJECT_PATH = '/org/croissant2ban/Daemon';
export const INTERFACE = 'org.croissant2ban.Daemon1';
/** polkit action that authorises every mutating method. */
export const MANAGE_ACTION = 'org.croissant2ban.manage';

/** Named errors (`org.croissant2ban.Daemon1.Error.<Name>`). */
export const ErrorName = {
  InvalidAddress: `${INTERFACE}.Error.InvalidAddress`,
  NotAuthorized: `${INTERFACE}.Error.NotAuthorized`,
  Whitelisted: `${INTERFACE}.Error.Whitelisted`,
  NotFound: `${INTERFACE}.Error.NotFound`,
  Failed: `${INTERFACE}.Error.Failed`,
} as const;
export type ErrorKind = keyof typeof ErrorName;

/** One active ban, as GetBans returns it (a{sv} on the bus). */
export interface BanInfo {
  readonly ip: string;
  /** Service whose detector banned it; empty for manual bans. */
  readonly service: string;
  readonly reason: string;
  /** detector, manual, api, firewall (adopted at start-up). */
  readonly source: string;
  /** Epoch seconds. */
  readonly banned_at: number;
  /** Epoch seconds; 0 = permanent. */
  readonly expires_at: number;
  readonly failures: number;
}

/** One whitelist entry of the database (GetWhitelist). */
export interface WhitelistInfo {
  /** Canonical address or CIDR. */
  readonly network: string;
  readonly comment: string;
  /** Epoch seconds. */
  readonly added_at: number;
  /** uid of the caller who added it; -1 when unknown. */
  readonly added_by: number;
}
