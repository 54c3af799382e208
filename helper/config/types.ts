// The validated, typed configuration every part of the helper reads. Produced by config/load.ts
// from the TOML format (conf/croissant2ban.toml) or the simple JSON format (conf/croissant.json).

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type FirewallBackendName = 'nftables' | 'iptables' | 'null';
export type SiemFormat = 'cef' | 'leef' | 'syslog' | 'json';

export interface BanTimePolicy {
  /** Seconds an address stays banned; 0 = permanent. */
  readonly banTime: number;
  /** Longer bans for repeat offenders; off when the keys are absent. */
  readonly increment: boolean;
  /** Each earlier ban multiplies the ban time by this factor. */
  readonly factor: number;
  /** Cap in seconds for incremented bans. */
  readonly maximum: number;
}

export interface UserPattern {
  readonly name: string;
  /** Source text of the regex; the address is the group named ip, or group 1. */
  readonly regex: string;
  readonly eventType: string;
}

export interface ServiceConfig {
  readonly name: string;
  readonly enabled: boolean;
  /** Paths or globs of log files. */
  readonly logPaths: readonly string[];
  /** systemd units to follow through journald (used where no log file exists). */
  readonly journalUnits: readonly string[];
  /** Built-in filter to use (conf/filters/<name>.toml); null when only user patterns apply. */
  readonly filter: string | null;
  /** Extra patterns from the config; when present for a built-in service they replace its patterns. */
  readonly patterns: readonly UserPattern[];
  readonly maxFailures: number;
  /** Seconds. */
  readonly findTime: number;
  readonly banPolicy: BanTimePolicy;
  /** Ports, informational for now (e.g. "22" or "80,443"). */
  readonly port: string | null;
}

export interface ZoneConfig {
  readonly name: string;
  readonly trustLevel: number;
  readonly networks: readonly string[];
  readonly implicitWhitelist: boolean;
}

export type WhitelistSource =
  | { readonly type: 'database' }
  | { readonly type: 'zones' }
  | { readonly type: 'networks'; readonly networks: readonly string[] }
  | { readonly type: 'file'; readonly path: string; readonly watch: boolean };

export type SiemTarget =
  | { readonly type: 'file'; readonly path: string }
  | { readonly type: 'syslog'; readonly socket: string }
  | { readonly type: 'webhook'; readonly url: string; readonly headers: readonly (readonly [string, string])[] };

export interface Config {
  /** The file this configuration was read from (null for built-in defaults). */
  readonly file: string | null;
  readonly format: 'toml' | 'json' | 'defaults';
  readonly general: {
    readonly dbPath: string;
    readonly pidFile: string;
    readonly logLevel: LogLevel;
    readonly autoIntel: boolean;
    /** Seconds, for manual bans without a duration. */
    readonly defaultBanDuration: number;
    /** Detector memory bound: oldest tracked addresses are evicted past this count. */
    readonly maxTrackedAddresses: number;
    /** Defaults for services that do not set their own. */
    readonly banPolicy: BanTimePolicy;
  };
  readonly firewall: { readonly backend: FirewallBackendName };
  readonly nftables: {
    readonly tableName: string;
    readonly chainName: string;
    readonly forwardChainName: string;
    readonly setV4: string;
    readonly setV6: string;
    readonly allowSetV4: string;
    readonly allowSetV6: string;
    readonly priority: number;
    readonly forward: boolean;
  };
  readonly intel: {
    readonly geoipEnabled: boolean;
    readonly rdnsEnabled: boolean;
    readonly whoisEnabled: boolean;
    readonly timeoutSecs: number;
    readonly shodanApiKey: string | null;
    readonly abuseipdbApiKey: string | null;
    /** Null: /usr/share/GeoIP (or /var/lib/GeoIP) when geoipupdate filled it, else the shipped data. */
    readonly cityDatabase: string | null;
    readonly asnDatabase: string | null;
    /** Resolvers for reverse DNS; empty: the system's (/etc/resolv.conf). */
    readonly dnsServers: readonly string[];
    /** Folder with IANA's rdap-ipv4.json and rdap-ipv6.json; null: the shipped conf/intel. */
    readonly rdapBootstrapDirectory: string | null;
    readonly whoisServer: string;
    readonly shodanUrl: string;
    readonly abuseipdbUrl: string;
    readonly cacheHours: number;
    readonly whoisCacheDays: number;
    readonly retryMinutes: number;
    readonly maxConcurrent: number;
    readonly queueSize: number;
  };
  readonly services: readonly ServiceConfig[];
  readonly dbus: { readonly enabled: boolean; readonly systemBus: boolean; readonly adminGroup: string };
  readonly zones: {
    readonly enabled: boolean;
    readonly configFile: string | null;
    readonly whitelistThreshold: number;
    readonly zones: readonly ZoneConfig[];
  };
  readonly siem: { readonly enabled: boolean; readonly format: SiemFormat; readonly targets: readonly SiemTarget[] };
  readonly ebpf: {
    readonly enabled: boolean;
    readonly method: 'mapfile' | 'disabled';
    readonly syncIntervalSecs: number;
    readonly maxEntries: number;
    readonly methodOptions: { readonly path: string | null };
  };
  readonly whitelist: {
    readonly enabled: boolean;
    readonly cacheTtlSecs: number;
    readonly sources: readonly WhitelistSource[];
  };
}
