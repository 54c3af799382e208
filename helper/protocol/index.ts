// The helper's public contract: D-Bus names, methods, signals, properties, error names and the
// shapes of the dictionaries methods return. Pure TypeScript (no node:, no electron, no DOM): the
// one part of helper/ that electron/ and renderer/ may import. The service, the client and the
// frozen introspection XML are all derived from the tables below, so they cannot drift apart.

export const BUS_NAME = 'org.croissant2ban.Daemon';
export const OBJECT_PATH = '/org/croissant2ban/Daemon';
export const INTERFACE = 'org.croissant2ban.Daemon1';
/** polkit action that authorises every mutating method. */
export const MANAGE_ACTION = 'org.croissant2ban.manage';

/** Named errors (`org.croissant2ban.Daemon1.Error.<Name>`). */
export const ErrorName = {
  InvalidAddress: `${INTERFACE}.Error.InvalidAddress`,
  InvalidArgument: `${INTERFACE}.Error.InvalidArgument`,
  NotAuthorized: `${INTERFACE}.Error.NotAuthorized`,
  Whitelisted: `${INTERFACE}.Error.Whitelisted`,
  NotFound: `${INTERFACE}.Error.NotFound`,
  Failed: `${INTERFACE}.Error.Failed`,
} as const;
export type ErrorKind = keyof typeof ErrorName;

/** The error kind of a D-Bus error name of this interface, or null. */
export function errorKindOf(name: string): ErrorKind | null {
  for (const [kind, full] of Object.entries(ErrorName)) if (full === name) return kind as ErrorKind;
  return null;
}

// --- the D-Bus types used here and what they are in TypeScript ------------------------------------

/** Every D-Bus signature this protocol uses, with its TypeScript type. 64-bit values are numbers (epoch seconds and counts stay far below 2^53). */
export interface SignatureTypes {
  s: string;
  b: boolean;
  u: number;
  t: number;
  d: number;
  as: string[];
  au: number[];
  'a{st}': Record<string, number>;
  'a{ss}': Record<string, string>;
}
export type Signature = keyof SignatureTypes;

/** A dictionary's fields and their signatures: sent as a{sv}, each value a variant of that signature. */
export type FieldTable = Readonly<Record<string, Signature>>;
export type Fields<T extends FieldTable> = { -readonly [K in keyof T]: SignatureTypes[T[K]] };

/** One active ban (GetBans). Times are epoch seconds; expires_at 0 = permanent. */
export const BAN_FIELDS = {
  ip: 's',
  /** Service whose detector banned it; empty for manual bans. */
  service: 's',
  reason: 's',
  /** detector, manual, firewall (adopted at start-up). */
  source: 's',
  banned_at: 't',
  expires_at: 't',
  failures: 'u',
} as const satisfies FieldTable;
export type BanInfo = Fields<typeof BAN_FIELDS>;

/** One whitelist entry of the database (GetWhitelist). */
export const WHITELIST_FIELDS = {
  /** Canonical address or CIDR network. */
  network: 's',
  comment: 's',
  added_at: 't',
  /** uid of the caller who added it; 4294967295 (uint32 -1) when unknown. */
  added_by: 'u',
} as const satisfies FieldTable;
export type WhitelistInfo = Fields<typeof WHITELIST_FIELDS>;
/** added_by of an entry whose author is unknown. */
export const UNKNOWN_UID = 0xffff_ffff;

/** One failed attempt seen in a log (GetEvents), newest first. */
export const EVENT_FIELDS = {
  time: 't',
  service: 's',
  ip: 's',
  event_type: 's',
  pattern: 's',
} as const satisfies FieldTable;
export type EventInfo = Fields<typeof EVENT_FIELDS>;

/** One entry of the admin activity log (GetActivity), newest first. */
export const ACTIVITY_FIELDS = {
  time: 't',
  /** uid of the caller; 4294967295 for the helper itself. */
  uid: 'u',
  action: 's',
  target: 's',
  detail: 's',
} as const satisfies FieldTable;
export type ActivityInfo = Fields<typeof ACTIVITY_FIELDS>;

/** One configured service (GetServices). */
export const SERVICE_FIELDS = {
  name: 's',
  enabled: 'b',
  filter: 's',
  log_paths: 'as',
  journal_units: 'as',
  max_retry: 'u',
  find_time_secs: 'u',
  ban_time_secs: 'u',
  active_bans: 'u',
  events_24h: 'u',
} as const satisfies FieldTable;
export type ServiceInfo = Fields<typeof SERVICE_FIELDS>;

/** Status: what runs and how. */
export const STATUS_FIELDS = {
  version: 's',
  running: 'b',
  pid: 'u',
  started_at: 't',
  uptime_secs: 't',
  active_bans: 't',
  events_processed: 't',
  services: 'as',
  firewall_backend: 's',
  dry_run: 'b',
  config_path: 's',
  database_path: 's',
  /** How mutating calls are authorised right now: "polkit" or "group:<name>". */
  authorization: 's',
} as const satisfies FieldTable;
export type StatusInfo = Fields<typeof STATUS_FIELDS>;

/** GetStats: counts from the database. */
export const STATS_FIELDS = {
  active_bans: 't',
  permanent_bans: 't',
  bans_total: 't',
  bans_24h: 't',
  events_total: 't',
  events_24h: 't',
  unique_attackers_24h: 't',
  /** Failures per service in the last 24 hours. */
  events_by_service_24h: 'a{st}',
  /** Active bans per source (detector, manual, firewall). */
  bans_by_source: 'a{st}',
  /** Failed attempts per hour, 24 counts oldest first: count i covers [now-(24-i)*3600, now-(23-i)*3600) seconds. */
  events_per_hour_24h: 'au',
  /** Bans started per hour, in the same 24 windows as events_per_hour_24h. */
  bans_per_hour_24h: 'au',
} as const satisfies FieldTable;
export type StatsInfo = Fields<typeof STATS_FIELDS>;

/**
 * GetIntel: what is known about an address. Every field is optional: present when a source knew
 * it. Clients ignore fields they do not know, so sources can add fields later.
 */
export const INTEL_FIELDS = {
  address: 's',
  /** "public", or the special range: private, loopback, link-local, shared, documentation, ... */
  scope: 's',
  /** Epoch seconds of the newest remote answer. */
  gathered_at: 't',
  // Location (local GeoIP database)
  country_code: 's',
  country: 's',
  region: 's',
  city: 's',
  latitude: 'd',
  longitude: 'd',
  time_zone: 's',
  // Network
  asn: 'u',
  as_organization: 's',
  isp: 's',
  reverse_dns: 's',
  /** The reverse name resolves back to the address. */
  reverse_dns_confirmed: 'b',
  // WHOIS (RDAP or port 43)
  organization: 's',
  network_name: 's',
  network_range: 's',
  /** ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC. */
  registry: 's',
  abuse_contact: 's',
  // Shodan
  open_ports: 'au',
  hostnames: 'as',
  vulnerabilities: 'as',
  shodan_tags: 'as',
  // AbuseIPDB
  /** 0-100. */
  abuse_confidence: 'u',
  abuse_reports: 'u',
  abuse_reporters: 'u',
  /** Epoch seconds. */
  abuse_last_reported: 't',
  usage_type: 's',
  domain: 's',
  tor: 'b',
  // Flags
  hosting: 'b',
  /** What says it is hosting, one line per source. */
  hosting_reasons: 'as',
  // Sources
  /** The local databases used, with their build dates. */
  local_databases: 'as',
  /** Remote source -> epoch seconds of its answer (rdns, whois, shodan, abuseipdb). */
  gathered: 'a{st}',
  /** Remote source -> why its last attempt failed; retried later. */
  errors: 'a{ss}',
  /** Remote sources with no answer yet (queued, or the caller may not start lookups). */
  pending: 'as',
} as const satisfies FieldTable;
export type IntelInfo = Partial<Fields<typeof INTEL_FIELDS>>;

// --- members ---------------------------------------------------------------------------------------

/** An argument or a result: its name in the introspection XML and its signature. */
export type Argument = readonly [name: string, signature: string];

export interface MethodSpec {
  readonly in: readonly Argument[];
  readonly out: readonly Argument[];
  /** Mutating methods need authorisation; read methods are open to local users. */
  readonly mutating: boolean;
  readonly doc: string;
}

export const METHODS = {
  Status: { in: [], out: [['status', 'a{sv}']], mutating: false, doc: 'what runs and how (STATUS_FIELDS)' },
  Ban: {
    in: [['ip', 's'], ['duration_secs', 'u'], ['reason', 's']],
    out: [['banned', 'b']],
    mutating: true,
    doc: 'bans an address; duration 0 = permanent; replaces a running ban of it',
  },
  Unban: { in: [['ip', 's']], out: [['unbanned', 'b']], mutating: true, doc: 'lifts the ban of an address; NotFound when it has none' },
  ExtendBan: {
    in: [['ip', 's'], ['duration_secs', 'u']],
    out: [['extended', 'b']],
    mutating: true,
    doc: 'makes the running ban of an address end duration_secs from now (0 = permanent), keeping its record; no BanAdded; NotFound when it has none',
  },
  GetBans: { in: [], out: [['bans', 'aa{sv}']], mutating: false, doc: 'every active ban (BAN_FIELDS)' },
  IsBanned: { in: [['ip', 's']], out: [['banned', 'b']], mutating: false, doc: 'whether an address is banned now' },
  WhitelistAdd: {
    in: [['address', 's'], ['comment', 's']],
    out: [['unbanned', 'as']],
    mutating: true,
    doc: 'adds an address or CIDR network to the whitelist; bans inside it are lifted and returned',
  },
  WhitelistRemove: { in: [['address', 's']], out: [['removed', 'b']], mutating: true, doc: 'removes a whitelist entry; NotFound when absent' },
  GetWhitelist: { in: [], out: [['entries', 'aa{sv}']], mutating: false, doc: 'the database whitelist (WHITELIST_FIELDS)' },
  GetEvents: {
    in: [['limit', 'u'], ['since', 't']],
    out: [['events', 'aa{sv}']],
    mutating: false,
    doc: 'failed attempts at or after since (epoch seconds), newest first, at most limit (EVENT_FIELDS)',
  },
  GetActivity: { in: [['limit', 'u']], out: [['entries', 'aa{sv}']], mutating: false, doc: 'the admin activity log, newest first (ACTIVITY_FIELDS)' },
  GetStats: { in: [], out: [['stats', 'a{sv}']], mutating: false, doc: 'counts (STATS_FIELDS)' },
  GetServices: { in: [], out: [['services', 'aa{sv}']], mutating: false, doc: 'configured services (SERVICE_FIELDS)' },
  GetIntel: { in: [['ip', 's'], ['refresh', 'b']], out: [['intel', 'a{sv}']], mutating: false, doc: 'what is known about an address' },
  Flush: { in: [], out: [['count', 'u']], mutating: true, doc: 'ends every ban; returns how many' },
  Reload: { in: [], out: [], mutating: true, doc: 'reads the configuration again; a bad one is refused and the running one stays' },
} as const satisfies Record<string, MethodSpec>;
export type MethodName = keyof typeof METHODS;

export const SIGNALS = {
  BanAdded: [['ip', 's'], ['reason', 's'], ['source', 's'], ['duration_secs', 'u']],
  BanRemoved: [['ip', 's'], ['reason', 's']],
  /** A running ban got a new end (ExtendBan): expires_at in epoch seconds, 0 = permanent. */
  BanExtended: [['ip', 's'], ['expires_at', 't']],
  AttackDetected: [['ip', 's'], ['service', 's'], ['event_type', 's']],
  DaemonStarted: [],
  DaemonStopping: [],
} as const satisfies Record<string, readonly Argument[]>;
export type SignalName = keyof typeof SIGNALS;

/** Properties are read-only. UptimeSeconds changes every second and does not signal its changes. */
export const PROPERTIES = {
  Running: { signature: 'b', emitsChanged: true },
  ActiveBanCount: { signature: 't', emitsChanged: true },
  UptimeSeconds: { signature: 't', emitsChanged: false },
  EventsProcessed: { signature: 't', emitsChanged: true },
} as const satisfies Record<string, { signature: Signature; emitsChanged: boolean }>;
export type PropertyName = keyof typeof PROPERTIES;
export interface PropertyValues {
  Running: boolean;
  ActiveBanCount: number;
  UptimeSeconds: number;
  EventsProcessed: number;
}

/** Signal arguments, typed. */
export interface SignalArguments {
  BanAdded: [ip: string, reason: string, source: string, durationSecs: number];
  BanRemoved: [ip: string, reason: string];
  BanExtended: [ip: string, expiresAt: number];
  AttackDetected: [ip: string, service: string, eventType: string];
  DaemonStarted: [];
  DaemonStopping: [];
}

/** The typed API, as a client sees it (helper/client implements it over the bus). */
export interface DaemonApi {
  status(): Promise<StatusInfo>;
  ban(ip: string, durationSecs: number, reason: string): Promise<boolean>;
  unban(ip: string): Promise<boolean>;
  extendBan(ip: string, durationSecs: number): Promise<boolean>;
  getBans(): Promise<BanInfo[]>;
  isBanned(ip: string): Promise<boolean>;
  whitelistAdd(address: string, comment: string): Promise<string[]>;
  whitelistRemove(address: string): Promise<boolean>;
  getWhitelist(): Promise<WhitelistInfo[]>;
  getEvents(limit: number, since: number): Promise<EventInfo[]>;
  getActivity(limit: number): Promise<ActivityInfo[]>;
  getStats(): Promise<StatsInfo>;
  getServices(): Promise<ServiceInfo[]>;
  getIntel(ip: string, refresh: boolean): Promise<IntelInfo>;
  flush(): Promise<number>;
  reload(): Promise<void>;
}

// --- introspection ------------------------------------------------------------------------------

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The interface element of the introspection XML (frozen by a test, shipped in conf/dbus/). */
export function interfaceXml(indent = '  '): string {
  const lines = [`${indent}<interface name="${INTERFACE}">`];
  const inner = `${indent}  `;
  for (const [name, spec] of Object.entries(METHODS) as [string, MethodSpec][]) {
    lines.push(`${inner}<method name="${name}">`);
    for (const [argument, signature] of spec.in) lines.push(`${inner}  <arg name="${argument}" type="${escapeXml(signature)}" direction="in"/>`);
    for (const [argument, signature] of spec.out) lines.push(`${inner}  <arg name="${argument}" type="${escapeXml(signature)}" direction="out"/>`);
    lines.push(`${inner}</method>`);
  }
  for (const [name, args] of Object.entries(SIGNALS) as [string, readonly Argument[]][]) {
    if (args.length === 0) {
      lines.push(`${inner}<signal name="${name}"/>`);
      continue;
    }
    lines.push(`${inner}<signal name="${name}">`);
    for (const [argument, signature] of args) lines.push(`${inner}  <arg name="${argument}" type="${escapeXml(signature)}"/>`);
    lines.push(`${inner}</signal>`);
  }
  for (const [name, spec] of Object.entries(PROPERTIES)) {
    if (spec.emitsChanged) {
      lines.push(`${inner}<property name="${name}" type="${spec.signature}" access="read"/>`);
    } else {
      lines.push(`${inner}<property name="${name}" type="${spec.signature}" access="read">`);
      lines.push(`${inner}  <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="false"/>`);
      lines.push(`${inner}</property>`);
    }
  }
  lines.push(`${indent}</interface>`);
  return lines.join('\n');
}
