// The configuration document: every section and key with its check and default, and how a checked document becomes a Config.
//
// The TOML file is read straight through this schema; the simple JSON format is translated into
// the same shape first, so both formats share every default and every cross-check.

import { isLoopback, parseAddress, parseNetwork } from '../core/address.js';
import { BUILT_IN_FILTERS, SERVICE_DEFAULTS, isBuiltInFilter } from './defaults.js';
import {
  INVALID,
  absolutePath,
  boolean,
  childKey,
  describe,
  elementKey,
  integer,
  list,
  namedTables,
  nullable,
  numberAbove,
  oneOf,
  oneOrMany,
  refine,
  report,
  required,
  section,
  table,
  tagged,
  text,
  withDefault,
  type Check,
  type CheckValue,
  type ReadContext,
  type Result,
} from './schema.js';
import type { BanTimePolicy, Config, ServiceConfig, ZoneConfig } from './types.js';

const MINUTE = 60;
const DAY = 86_400;
const YEAR = 365 * DAY;
/** Longest ban time we accept; beyond this, 0 (permanent) says it better. */
export const LONGEST_BAN = 10 * YEAR;

// ---- value checks shared by several keys ----

/** Names that end up inside nft commands: nft's own identifier rules, kept short. */
export const NFT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
const nftName = text({
  pattern: NFT_NAME,
  expected: 'a name of 1 to 32 letters, digits or _, starting with a letter (it is used in nft commands)',
});

/** Service names key the database, D-Bus signals and log lines, so they stay plain. */
export const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const networkExpected = 'an IPv4 or IPv6 address or network in CIDR notation (e.g. "10.0.0.0/8", "2001:db8::/32")';
export const network: Check<string> = refine(text({ expected: networkExpected }), (value, reject) => {
  const parsed = parseNetwork(value);
  return parsed === null ? reject(`must be ${networkExpected}, got ${JSON.stringify(value)}`) : parsed.text;
});
const networks = list(network, { minimum: 1 });

/** Ports, informational for now: "22", "80,443", "1000-2000", or service names such as "ssh"; an integer is accepted too. */
const PORT_PART = /^(?:\d{1,5}(?:[-:]\d{1,5})?|[a-z][a-z0-9-]{0,31})$/;
const portExpected = 'a port, a range or a comma-separated list of them (e.g. "22", "80,443", "1000-2000")';
export const port: Check<string> = {
  expected: portExpected,
  read(value, key, context) {
    const textValue = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
    if (typeof textValue !== 'string') return report(context, key, `must be ${portExpected}, got ${describe(value, context)}`);
    const parts = textValue.split(',').map((part) => part.trim());
    const valid = parts.every((part) => {
      if (!PORT_PART.test(part)) return false;
      return part
        .split(/[-:]/)
        .filter((piece) => /^\d+$/.test(piece))
        .every((piece) => Number(piece) >= 1 && Number(piece) <= 65_535);
    });
    return valid ? parts.join(',') : report(context, key, `must be ${portExpected} with ports from 1 to 65535, got ${JSON.stringify(textValue)}`);
  },
};

/** Regexes stay source text here: the filter engine compiles and vets them (and accepts (?P<ip>...)). */
export const regexSource = text({ expected: 'a non-empty string holding a regular expression' });

const seconds = (minimum: number, maximum: number): Check<number> => integer(minimum, maximum);

// ---- the sections ----

const general = table({
  db_path: withDefault(absolutePath(), '/var/lib/croissant2ban/croissant2ban.db'),
  pid_file: withDefault(absolutePath(), '/run/croissant2ban.pid'),
  log_level: withDefault(oneOf(['trace', 'debug', 'info', 'warn', 'error']), 'info'),
  auto_intel: withDefault(boolean(), true),
  default_ban_duration: withDefault(seconds(0, LONGEST_BAN), 3600),
  max_tracked_addresses: withDefault(integer(1, 10_000_000), 100_000),
  ban_time: withDefault(seconds(0, LONGEST_BAN), SERVICE_DEFAULTS.banTime),
  ban_time_increment: withDefault(boolean(), false),
  ban_time_factor: withDefault(numberAbove(1, 1000), 2),
  ban_time_max: withDefault(seconds(1, LONGEST_BAN), 7 * DAY),
});

const firewall = table({
  backend: withDefault(oneOf(['nftables', 'iptables', 'null']), 'nftables'),
});

const nftables = table({
  table_name: withDefault(nftName, 'croissant2ban'),
  chain_name: withDefault(nftName, 'input'),
  forward_chain_name: withDefault(nftName, 'forward'),
  set_v4: withDefault(nftName, 'blocked_v4'),
  set_v6: withDefault(nftName, 'blocked_v6'),
  allow_set_v4: withDefault(nftName, 'allow_v4'),
  allow_set_v6: withDefault(nftName, 'allow_v6'),
  priority: withDefault(integer(-1000, 1000), -100),
  forward: withDefault(boolean(), true),
});

const httpUrl = refine(text({ expected: 'an http:// or https:// URL' }), (value, reject) => {
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = '';
  }
  return protocol === 'http:' || protocol === 'https:' ? value : reject(`must be an http:// or https:// URL, got ${JSON.stringify(value)}`);
});

/** An API endpoint the root helper sends keys to: HTTPS, or plain HTTP to loopback only. */
const apiUrl = refine(httpUrl, (value, reject) => {
  const url = new URL(value);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const address = parseAddress(host);
  const loopback = host === 'localhost' || (address !== null && isLoopback(address));
  return url.protocol === 'https:' || loopback ? value : reject(`must be https:// (plain http:// only to loopback), got ${JSON.stringify(value)}`);
});

/** "host" or "host:port" of a WHOIS server; IPv6 in brackets ("[2001:db8::43]:43"). */
const serverAddress = text({
  pattern: /^(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/,
  expected: 'a host name or address, optionally with ":port" (IPv6 in brackets: "[2001:db8::43]:43")',
});

/** A resolver: an address, optionally with a port ("192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:53"). */
const resolverAddress = refine(text({ expected: 'an IP address, optionally with ":port" (IPv6 with a port in brackets)' }), (value, reject) => {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  const plain = /^([^:]+)(?::(\d{1,5}))?$/.exec(value);
  const [host, port] = bracketed !== null ? [bracketed[1]!, bracketed[2]] : plain !== null ? [plain[1]!, plain[2]] : [value, undefined];
  const validPort = port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
  return parseAddress(host) !== null && validPort ? value : reject(`must be an IP address (resolvers are not looked up by name), optionally with a port, got ${JSON.stringify(value)}`);
});

const intel = table({
  geoip_enabled: withDefault(boolean(), true),
  rdns_enabled: withDefault(boolean(), true),
  whois_enabled: withDefault(boolean(), true),
  timeout_secs: withDefault(seconds(1, 5 * MINUTE), 10),
  shodan_api_key: nullable(text({ pattern: /^\S+$/, expected: 'a non-empty string without spaces' })),
  abuseipdb_api_key: nullable(text({ pattern: /^\S+$/, expected: 'a non-empty string without spaces' })),
  geoip_city_database: nullable(absolutePath()),
  geoip_asn_database: nullable(absolutePath()),
  dns_servers: withDefault(list(resolverAddress), []),
  rdap_bootstrap_dir: nullable(absolutePath()),
  whois_server: withDefault(serverAddress, 'whois.iana.org'),
  shodan_url: withDefault(apiUrl, 'https://api.shodan.io'),
  abuseipdb_url: withDefault(apiUrl, 'https://api.abuseipdb.com'),
  cache_hours: withDefault(integer(1, 24 * 365), 24),
  whois_cache_days: withDefault(integer(1, 365), 7),
  retry_minutes: withDefault(integer(1, 24 * 60), 15),
  max_concurrent: withDefault(integer(1, 64), 4),
  queue_size: withDefault(integer(1, 1_000_000), 1000),
});

const pattern = table({
  name: required(text({ pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, expected: 'a name of letters, digits, _, . or - (at most 128)' })),
  regex: required(regexSource),
  event_type: withDefault(
    text({ pattern: /^[a-z][a-z0-9_]{0,63}$/, expected: 'a lower-case word such as "failed_auth", "invalid_user" or "rate_limit"' }),
    'failed_auth',
  ),
});

const service = table({
  enabled: withDefault(boolean(), true),
  log_path: withDefault(oneOrMany(absolutePath('an absolute path or glob (starting with /)')), []),
  journal_units: withDefault(
    list(text({ pattern: /^[A-Za-z0-9:_.\\@-]{1,255}$/, expected: 'a systemd unit name (e.g. "ssh.service")' })),
    [],
  ),
  filter: nullable(oneOf(BUILT_IN_FILTERS, `one of the built-in filters ${BUILT_IN_FILTERS.map((name) => JSON.stringify(name)).join(', ')}`)),
  patterns: withDefault(list(pattern), []),
  max_failures: withDefault(integer(1, 1_000_000), SERVICE_DEFAULTS.maxFailures),
  find_time: withDefault(seconds(1, YEAR), SERVICE_DEFAULTS.findTime),
  // Absent ban keys inherit from [general]; null keeps "absent" visible to the builder.
  ban_time: nullable(seconds(0, LONGEST_BAN)),
  ban_time_increment: nullable(boolean()),
  ban_time_factor: nullable(numberAbove(1, 1000)),
  ban_time_max: nullable(seconds(1, LONGEST_BAN)),
  port: nullable(port),
});

function serviceNameProblem(name: string): string | null {
  return SERVICE_NAME.test(name)
    ? null
    : 'is not a valid service name: use 1 to 64 letters, digits, _ or -, starting with a letter';
}

const dbus = table({
  enabled: withDefault(boolean(), true),
  system_bus: withDefault(boolean(), true),
  admin_group: withDefault(
    text({ pattern: /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, expected: 'a Unix group name' }),
    'croissant2ban',
  ),
});

const zone = table({
  name: required(text({ maximumLength: 64 })),
  trust_level: withDefault(integer(0, 100), 0),
  networks: required(networks),
  // Absent: whitelisted when trust_level reaches zones.whitelist_threshold.
  implicit_whitelist: nullable(boolean()),
});

const zones = table({
  enabled: withDefault(boolean(), true),
  config_file: nullable(absolutePath()),
  whitelist_threshold: withDefault(integer(0, 100), 80),
  zones: withDefault(list(zone), []),
});

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerExpected = 'a pair ["Header-Name", "value"]';
const header: Check<readonly [string, string]> = {
  expected: headerExpected,
  read(value, key, context) {
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') {
      return report(context, key, `must be ${headerExpected}, got ${describe(value, context)}`);
    }
    const [name, headerValue] = value as [string, string];
    if (!HEADER_NAME.test(name)) return report(context, key, `must start with an HTTP header name, got ${JSON.stringify(name)}`);
    // A line break in a header value would let the file inject headers or a whole request.
    if (/[\r\n\0]/.test(headerValue)) return report(context, key, 'must not hold a line break in the header value');
    return [name, headerValue] as const;
  },
};


const siem = table({
  enabled: withDefault(boolean(), false),
  format: withDefault(oneOf(['cef', 'leef', 'syslog', 'json']), 'cef'),
  targets: withDefault(
    list(
      tagged({
        file: { path: required(absolutePath()) },
        syslog: { socket: withDefault(absolutePath(), '/dev/log') },
        webhook: { url: required(httpUrl), headers: withDefault(list(header), []) },
      }),
    ),
    [],
  ),
});

const ebpf = table({
  enabled: withDefault(boolean(), false),
  method: withDefault(oneOf(['mapfile', 'disabled']), 'mapfile'),
  sync_interval_secs: withDefault(seconds(1, DAY), 60),
  max_entries: withDefault(integer(1, 10_000_000), 10_000),
  method_options: section(table({ path: withDefault(absolutePath(), '/sys/fs/bpf/croissant2ban_blacklist') })),
});

const whitelist = table({
  enabled: withDefault(boolean(), true),
  cache_ttl_secs: withDefault(seconds(0, DAY), 300),
  sources: withDefault(
    list(
      tagged({
        database: {},
        zones: {},
        networks: { networks: required(networks) },
        file: { path: required(absolutePath()), watch: withDefault(boolean(), true) },
      }),
    ),
    // Absent: entries added with `c2b whitelist add` and trusted zones count; an explicit list replaces this.
    [{ type: 'database' as const }, { type: 'zones' as const }],
  ),
});

export const DOCUMENT = table({
  general: section(general),
  firewall: section(firewall),
  nftables: section(nftables),
  intel: section(intel),
  services: withDefault(namedTables(service, serviceNameProblem), []),
  dbus: section(dbus),
  zones: section(zones),
  siem: section(siem),
  ebpf: section(ebpf),
  whitelist: section(whitelist),
});

export type Document = CheckValue<typeof DOCUMENT>;
type GeneralSection = Document['general'];
type ServiceSection = CheckValue<typeof service>;

// ---- from a checked document to a Config, with the checks that span several keys ----

export interface DocumentSource {
  readonly file: string | null;
  readonly format: Config['format'];
}

/** Reads a parsed document (TOML tables, or the JSON format already translated) into a Config. */
export function readDocument(document: unknown, source: DocumentSource, context: ReadContext): Result<Config> {
  const checked = DOCUMENT.read(document, '', context);
  if (checked === INVALID) return INVALID;
  const before = context.issues.length;
  const config = buildConfig(checked, source, context);
  return context.issues.length > before ? INVALID : config;
}

function buildConfig(document: Document, source: DocumentSource, context: ReadContext): Config {
  const { general: generalSection, nftables: nft, intel: intelSection, zones: zonesSection, siem: siemSection } = document;

  const generalPolicy: BanTimePolicy = {
    banTime: generalSection.ban_time,
    increment: generalSection.ban_time_increment,
    factor: generalSection.ban_time_factor,
    maximum: generalSection.ban_time_max,
  };
  checkBanCap(generalPolicy, 'general.ban_time_max', '', context);

  requireDistinct(['set_v4', 'set_v6', 'allow_set_v4', 'allow_set_v6'], nft, 'nftables', 'set', context);
  requireDistinct(['chain_name', 'forward_chain_name'], nft, 'nftables', 'chain', context);

  const services = buildServices(document.services, generalSection, context);

  const zoneNames = new Map<string, number>();
  const zoneList: ZoneConfig[] = zonesSection.zones.map((zone, index) => {
    const earlier = zoneNames.get(zone.name);
    if (earlier !== undefined) {
      report(context, `${elementKey('zones.zones', index)}.name`, `duplicate zone name ${JSON.stringify(zone.name)} (also zones.zones[${earlier + 1}])`);
    } else zoneNames.set(zone.name, index);
    return {
      name: zone.name,
      trustLevel: zone.trust_level,
      networks: zone.networks,
      implicitWhitelist: zone.implicit_whitelist ?? zone.trust_level >= zonesSection.whitelist_threshold,
    };
  });

  if (siemSection.enabled && siemSection.targets.length === 0) {
    report(context, 'siem.targets', 'siem is enabled but has no targets: add a [[siem.targets]] block or set siem.enabled = false');
  }

  return {
    file: source.file,
    format: source.format,
    general: {
      dbPath: generalSection.db_path,
      pidFile: generalSection.pid_file,
      logLevel: generalSection.log_level,
      autoIntel: generalSection.auto_intel,
      defaultBanDuration: generalSection.default_ban_duration,
      maxTrackedAddresses: generalSection.max_tracked_addresses,
      banPolicy: generalPolicy,
    },
    firewall: { backend: document.firewall.backend },
    nftables: {
      tableName: nft.table_name,
      chainName: nft.chain_name,
      forwardChainName: nft.forward_chain_name,
      setV4: nft.set_v4,
      setV6: nft.set_v6,
      allowSetV4: nft.allow_set_v4,
      allowSetV6: nft.allow_set_v6,
      priority: nft.priority,
      forward: nft.forward,
    },
    intel: {
      geoipEnabled: intelSection.geoip_enabled,
      rdnsEnabled: intelSection.rdns_enabled,
      whoisEnabled: intelSection.whois_enabled,
      timeoutSecs: intelSection.timeout_secs,
      shodanApiKey: intelSection.shodan_api_key,
      abuseipdbApiKey: intelSection.abuseipdb_api_key,
      cityDatabase: intelSection.geoip_city_database,
      asnDatabase: intelSection.geoip_asn_database,
      dnsServers: intelSection.dns_servers,
      rdapBootstrapDirectory: intelSection.rdap_bootstrap_dir,
      whoisServer: intelSection.whois_server,
      shodanUrl: intelSection.shodan_url,
      abuseipdbUrl: intelSection.abuseipdb_url,
      cacheHours: intelSection.cache_hours,
      whoisCacheDays: intelSection.whois_cache_days,
      retryMinutes: intelSection.retry_minutes,
      maxConcurrent: intelSection.max_concurrent,
      queueSize: intelSection.queue_size,
    },
    services,
    dbus: { enabled: document.dbus.enabled, systemBus: document.dbus.system_bus, adminGroup: document.dbus.admin_group },
    zones: {
      enabled: zonesSection.enabled,
      configFile: zonesSection.config_file,
      whitelistThreshold: zonesSection.whitelist_threshold,
      zones: zoneList,
    },
    siem: { enabled: siemSection.enabled, format: siemSection.format, targets: siemSection.targets },
    ebpf: {
      enabled: document.ebpf.enabled,
      method: document.ebpf.method,
      syncIntervalSecs: document.ebpf.sync_interval_secs,
      maxEntries: document.ebpf.max_entries,
      methodOptions: { path: document.ebpf.method_options.path },
    },
    whitelist: {
      enabled: document.whitelist.enabled,
      cacheTtlSecs: document.whitelist.cache_ttl_secs,
      sources: document.whitelist.sources,
    },
  };
}

function buildServices(
  entries: readonly { readonly name: string; readonly value: ServiceSection }[],
  generalSection: GeneralSection,
  context: ReadContext,
): ServiceConfig[] {
  // Names differing only in case would be one service to an admin reading a list of bans.
  const seen = new Map<string, string>();
  return entries.map(({ name, value }) => {
    const key = childKey('services', name);
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) report(context, key, `duplicate service name: same as ${childKey('services', earlier)} (case does not count)`);
    else seen.set(name.toLowerCase(), name);
    return buildService(name, key, value, generalSection, context);
  });
}

function buildService(name: string, key: string, value: ServiceSection, generalSection: GeneralSection, context: ReadContext): ServiceConfig {
  const filter = value.filter ?? (isBuiltInFilter(name) ? name : null);
  if (filter === null && value.patterns.length === 0) {
    report(
      context,
      key,
      `needs patterns: ${JSON.stringify(name)} is not a built-in filter (${BUILT_IN_FILTERS.join(', ')}); ` +
        `add [[${key}.patterns]] blocks or set filter = "<one of those>"`,
    );
  }
  if (value.enabled && value.log_path.length === 0 && value.journal_units.length === 0) {
    report(context, `${key}.log_path`, 'is required for an enabled service unless journal_units is set: where should its log be read?');
  }

  const patternNames = new Map<string, number>();
  value.patterns.forEach((userPattern, index) => {
    const earlier = patternNames.get(userPattern.name);
    if (earlier !== undefined) {
      report(context, `${elementKey(`${key}.patterns`, index)}.name`, `duplicate pattern name ${JSON.stringify(userPattern.name)} (also patterns[${earlier + 1}])`);
    } else patternNames.set(userPattern.name, index);
  });

  const banPolicy: BanTimePolicy = {
    banTime: value.ban_time ?? generalSection.ban_time,
    increment: value.ban_time_increment ?? generalSection.ban_time_increment,
    factor: value.ban_time_factor ?? generalSection.ban_time_factor,
    maximum: value.ban_time_max ?? generalSection.ban_time_max,
  };
  checkBanCap(banPolicy, `${key}.ban_time_max`, value.ban_time_max === null ? ' (from general.ban_time_max)' : '', context);

  return {
    name,
    enabled: value.enabled,
    logPaths: value.log_path,
    journalUnits: value.journal_units,
    filter,
    patterns: value.patterns.map((userPattern) => ({ name: userPattern.name, regex: userPattern.regex, eventType: userPattern.event_type })),
    maxFailures: value.max_failures,
    findTime: value.find_time,
    banPolicy,
    port: value.port,
  };
}

/** An incremented ban is capped at the maximum; a cap below the first ban would shorten it instead. */
function checkBanCap(policy: BanTimePolicy, key: string, origin: string, context: ReadContext): void {
  if (!policy.increment || policy.banTime === 0 || policy.maximum >= policy.banTime) return;
  report(context, key, `must be at least the ban time it caps (${policy.banTime} seconds), got ${policy.maximum}${origin}`);
}

function requireDistinct<K extends string>(
  keys: readonly K[],
  values: Readonly<Record<K, string>>,
  sectionName: string,
  what: string,
  context: ReadContext,
): void {
  keys.forEach((keyName, index) => {
    const earlier = keys.slice(0, index).find((other) => values[other] === values[keyName]);
    if (earlier === undefined) return;
    report(context, `${sectionName}.${keyName}`, `must differ from ${sectionName}.${earlier}: both name the ${what} ${JSON.stringify(values[keyName])}`);
  });
}
