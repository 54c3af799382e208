// A bridge that lives in the page: deterministic made-up bans, stats, services, whitelist, activity and
// intel, and a trickle of live events, so the window can be developed, screenshot and benchmarked
// without Electron or a helper. createDemoBridgeScript returns source for Playwright's addInitScript.
import type { Bridge, BridgeErrorKind, HelperConnection, HelperEvent, Preferences, Result } from '../../electron/bridge.js';
import type { ActivityInfo, BanInfo, EventInfo, IntelInfo, ServiceInfo, StatsInfo, StatusInfo, WhitelistInfo } from '../../helper/protocol/index.js';

export interface DemoBridgeOptions {
  /** How many active bans to make up. */
  readonly bans: number;
  /** Same seed, same data (default 1). */
  readonly seed?: number;
  /** Where the helper stands at first (default running). */
  readonly connection?: 'running' | 'stopped' | 'unreachable';
  /** Attacks, bans and expiries every second or two while the page runs (default true). */
  readonly liveEvents?: boolean;
  /** Milliseconds each call takes (default 5). */
  readonly latencyMs?: number;
  /** Leave events_per_hour_24h out of GetStats, as older helpers do (default false). */
  readonly statsWithoutHourly?: boolean;
  /** Make startHelper fail with this error instead of starting (e.g. NotInstalled). */
  readonly startHelperError?: BridgeErrorKind;
}

/** What the page can call on `window.__demo` (screenshots, benchmarks). */
export interface DemoControl {
  setConnection(state: 'running' | 'stopped' | 'unreachable'): void;
  emit(event: HelperEvent): void;
  /** The ban list as the demo helper holds it. */
  bans(): BanInfo[];
}

/** Runs in the page: everything it needs is inside (it is sent as source text). */
function installDemoBridge(options: DemoBridgeOptions): void {
  let state = (options.seed ?? 1) >>> 0 || 1;
  const random = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const integer = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const weighted = <T,>(items: readonly (readonly [T, number])[]): T => {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = random() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll <= 0) return item;
    }
    return items[items.length - 1]![0];
  };

  const nowSecs = (): number => Math.floor(Date.now() / 1000);
  const startSecs = nowSecs();

  interface Origin {
    readonly code: string;
    readonly country: string;
    readonly region: string;
    readonly city: string;
    readonly latitude: number;
    readonly longitude: number;
    readonly zone: string;
    readonly registry: string;
    readonly prefixes: readonly (readonly [number, number])[];
    readonly weight: number;
  }
  const ORIGINS: readonly Origin[] = [
    { code: 'CN', country: 'China', region: 'Beijing', city: 'Beijing', latitude: 39.91, longitude: 116.39, zone: 'Asia/Shanghai', registry: 'APNIC', prefixes: [[39, 96], [111, 200], [123, 57]], weight: 14 },
    { code: 'CN', country: 'China', region: 'Guangdong', city: 'Shenzhen', latitude: 22.54, longitude: 114.06, zone: 'Asia/Shanghai', registry: 'APNIC', prefixes: [[119, 29], [183, 236], [14, 116]], weight: 9 },
    { code: 'CN', country: 'China', region: 'Shanghai', city: 'Shanghai', latitude: 31.22, longitude: 121.46, zone: 'Asia/Shanghai', registry: 'APNIC', prefixes: [[101, 132], [180, 163]], weight: 7 },
    { code: 'US', country: 'United States', region: 'Virginia', city: 'Ashburn', latitude: 39.04, longitude: -77.49, zone: 'America/New_York', registry: 'ARIN', prefixes: [[44, 201], [54, 173], [3, 91]], weight: 9 },
    { code: 'US', country: 'United States', region: 'California', city: 'Santa Clara', latitude: 37.35, longitude: -121.95, zone: 'America/Los_Angeles', registry: 'ARIN', prefixes: [[104, 248], [165, 227], [143, 198]], weight: 6 },
    { code: 'US', country: 'United States', region: 'Texas', city: 'Dallas', latitude: 32.78, longitude: -96.8, zone: 'America/Chicago', registry: 'ARIN', prefixes: [[192, 227], [172, 93]], weight: 3 },
    { code: 'RU', country: 'Russia', region: 'Moscow', city: 'Moscow', latitude: 55.75, longitude: 37.62, zone: 'Europe/Moscow', registry: 'RIPE NCC', prefixes: [[45, 141], [91, 240], [185, 220]], weight: 7 },
    { code: 'RU', country: 'Russia', region: 'Saint Petersburg', city: 'Saint Petersburg', latitude: 59.94, longitude: 30.31, zone: 'Europe/Moscow', registry: 'RIPE NCC', prefixes: [[95, 165], [178, 62]], weight: 3 },
    { code: 'NL', country: 'Netherlands', region: 'North Holland', city: 'Amsterdam', latitude: 52.37, longitude: 4.89, zone: 'Europe/Amsterdam', registry: 'RIPE NCC', prefixes: [[80, 94], [89, 248], [193, 32]], weight: 5 },
    { code: 'DE', country: 'Germany', region: 'Hesse', city: 'Frankfurt am Main', latitude: 50.11, longitude: 8.68, zone: 'Europe/Berlin', registry: 'RIPE NCC', prefixes: [[78, 46], [159, 69], [167, 235]], weight: 5 },
    { code: 'GB', country: 'United Kingdom', region: 'England', city: 'London', latitude: 51.51, longitude: -0.13, zone: 'Europe/London', registry: 'RIPE NCC', prefixes: [[51, 89], [178, 128]], weight: 3 },
    { code: 'FR', country: 'France', region: 'Île-de-France', city: 'Paris', latitude: 48.86, longitude: 2.35, zone: 'Europe/Paris', registry: 'RIPE NCC', prefixes: [[51, 158], [163, 172]], weight: 3 },
    { code: 'RO', country: 'Romania', region: 'Bucharest', city: 'Bucharest', latitude: 44.43, longitude: 26.1, zone: 'Europe/Bucharest', registry: 'RIPE NCC', prefixes: [[86, 105], [5, 2]], weight: 2 },
    { code: 'UA', country: 'Ukraine', region: 'Kyiv City', city: 'Kyiv', latitude: 50.45, longitude: 30.52, zone: 'Europe/Kyiv', registry: 'RIPE NCC', prefixes: [[176, 36], [91, 196]], weight: 2 },
    { code: 'TR', country: 'Türkiye', region: 'Istanbul', city: 'Istanbul', latitude: 41.01, longitude: 28.95, zone: 'Europe/Istanbul', registry: 'RIPE NCC', prefixes: [[78, 188], [88, 247]], weight: 2 },
    { code: 'IR', country: 'Iran', region: 'Tehran', city: 'Tehran', latitude: 35.69, longitude: 51.39, zone: 'Asia/Tehran', registry: 'RIPE NCC', prefixes: [[5, 160], [37, 156]], weight: 2 },
    { code: 'IN', country: 'India', region: 'Maharashtra', city: 'Mumbai', latitude: 19.08, longitude: 72.88, zone: 'Asia/Kolkata', registry: 'APNIC', prefixes: [[103, 21], [117, 239], [49, 36]], weight: 6 },
    { code: 'SG', country: 'Singapore', region: 'Singapore', city: 'Singapore', latitude: 1.29, longitude: 103.85, zone: 'Asia/Singapore', registry: 'APNIC', prefixes: [[128, 199], [139, 59]], weight: 4 },
    { code: 'VN', country: 'Vietnam', region: 'Hanoi', city: 'Hanoi', latitude: 21.03, longitude: 105.85, zone: 'Asia/Bangkok', registry: 'APNIC', prefixes: [[113, 160], [14, 177]], weight: 4 },
    { code: 'KR', country: 'South Korea', region: 'Seoul', city: 'Seoul', latitude: 37.57, longitude: 126.98, zone: 'Asia/Seoul', registry: 'APNIC', prefixes: [[211, 234], [121, 141]], weight: 4 },
    { code: 'JP', country: 'Japan', region: 'Tokyo', city: 'Tokyo', latitude: 35.69, longitude: 139.69, zone: 'Asia/Tokyo', registry: 'APNIC', prefixes: [[133, 18], [150, 95]], weight: 2 },
    { code: 'HK', country: 'Hong Kong', region: 'Hong Kong', city: 'Hong Kong', latitude: 22.32, longitude: 114.17, zone: 'Asia/Hong_Kong', registry: 'APNIC', prefixes: [[103, 97], [45, 207]], weight: 3 },
    { code: 'ID', country: 'Indonesia', region: 'Jakarta', city: 'Jakarta', latitude: -6.21, longitude: 106.85, zone: 'Asia/Jakarta', registry: 'APNIC', prefixes: [[36, 88], [114, 125]], weight: 3 },
    { code: 'TH', country: 'Thailand', region: 'Bangkok', city: 'Bangkok', latitude: 13.75, longitude: 100.5, zone: 'Asia/Bangkok', registry: 'APNIC', prefixes: [[171, 96]], weight: 1 },
    { code: 'BR', country: 'Brazil', region: 'São Paulo', city: 'São Paulo', latitude: -23.55, longitude: -46.63, zone: 'America/Sao_Paulo', registry: 'LACNIC', prefixes: [[177, 54], [187, 19], [201, 16]], weight: 5 },
    { code: 'AR', country: 'Argentina', region: 'Buenos Aires', city: 'Buenos Aires', latitude: -34.6, longitude: -58.38, zone: 'America/Argentina/Buenos_Aires', registry: 'LACNIC', prefixes: [[181, 47]], weight: 1 },
    { code: 'CO', country: 'Colombia', region: 'Bogota D.C.', city: 'Bogotá', latitude: 4.71, longitude: -74.07, zone: 'America/Bogota', registry: 'LACNIC', prefixes: [[186, 29]], weight: 1 },
    { code: 'NG', country: 'Nigeria', region: 'Lagos', city: 'Lagos', latitude: 6.45, longitude: 3.39, zone: 'Africa/Lagos', registry: 'AFRINIC', prefixes: [[105, 112], [197, 210]], weight: 1 },
    { code: 'ZA', country: 'South Africa', region: 'Gauteng', city: 'Johannesburg', latitude: -26.2, longitude: 28.05, zone: 'Africa/Johannesburg', registry: 'AFRINIC', prefixes: [[41, 76]], weight: 1 },
    { code: 'CA', country: 'Canada', region: 'Ontario', city: 'Toronto', latitude: 43.65, longitude: -79.38, zone: 'America/Toronto', registry: 'ARIN', prefixes: [[142, 93]], weight: 1 },
    { code: 'AU', country: 'Australia', region: 'New South Wales', city: 'Sydney', latitude: -33.87, longitude: 151.21, zone: 'Australia/Sydney', registry: 'APNIC', prefixes: [[139, 99]], weight: 1 },
  ];
  // Documentation AS numbers (RFC 5398) with made-up operators: plausible, and nobody's real network.
  const NETWORKS = [
    { asn: 64496, org: 'Northwind Hosting', domain: 'northwind-hosting.example', hosting: true },
    { asn: 64497, org: 'Contoso Cloud Services', domain: 'contoso-cloud.example', hosting: true },
    { asn: 64498, org: 'Fabrikam Telecom', domain: 'fabrikam-telecom.example', hosting: false },
    { asn: 64499, org: 'Tailspin Datacenters', domain: 'tailspin-dc.example', hosting: true },
    { asn: 64500, org: 'Litware Broadband', domain: 'litware.example', hosting: false },
    { asn: 64501, org: 'Adatum VPS', domain: 'adatum-vps.example', hosting: true },
    { asn: 64502, org: 'Wingtip Mobile', domain: 'wingtip-mobile.example', hosting: false },
    { asn: 64503, org: 'Proseware Colocation', domain: 'proseware.example', hosting: true },
  ] as const;

  type PatternPair = readonly [pattern: string, eventType: string];
  const SERVICES: readonly { name: string; weight: number; patterns: readonly PatternPair[] }[] = [
    { name: 'ssh', weight: 55, patterns: [['failed_password', 'failed_auth'], ['invalid_user', 'invalid_user'], ['pam_authentication_failure', 'failed_auth']] },
    { name: 'nginx', weight: 15, patterns: [['password_mismatch', 'failed_auth'], ['user_not_found', 'invalid_user'], ['limiting_requests', 'rate_limit']] },
    { name: 'postfix', weight: 12, patterns: [['sasl_authentication_failed', 'failed_auth']] },
    { name: 'dovecot', weight: 10, patterns: [['login_auth_failed', 'failed_auth'], ['auth_request_failure', 'failed_auth']] },
    { name: 'apache', weight: 8, patterns: [['password_mismatch', 'failed_auth'], ['user_not_found', 'invalid_user'], ['authorization_failure', 'access_denied']] },
  ];
  const serviceWeights = SERVICES.map((service) => [service, service.weight] as const);
  const originWeights = ORIGINS.map((origin, index) => [index, origin.weight] as const);

  // --- addresses ---------------------------------------------------------------------------------

  const originOf = new Map<string, number>();
  const addresses: string[] = [];
  const taken = new Set<string>();
  const hex = () => integer(0, 0xffff).toString(16);
  function newAddress(): string {
    for (;;) {
      let ip: string;
      let origin = -1;
      const roll = random();
      if (roll < 0.03) ip = `2001:db8:${hex()}:${hex()}::${hex()}`;
      else if (roll < 0.035) ip = `${pick(['192.0.2', '198.51.100', '203.0.113'])}.${integer(1, 254)}`;
      else {
        origin = weighted(originWeights);
        const [a, b] = pick(ORIGINS[origin]!.prefixes);
        ip = `${a}.${b}.${integer(0, 255)}.${integer(1, 254)}`;
      }
      if (taken.has(ip)) continue;
      taken.add(ip);
      originOf.set(ip, origin);
      addresses.push(ip);
      return ip;
    }
  }

  // --- bans --------------------------------------------------------------------------------------

  const bans = new Map<string, BanInfo>();
  const serviceOfBan = () => weighted(serviceWeights);
  function makeBan(ip: string, at: number): BanInfo {
    const roll = random();
    if (roll < 0.02)
      return { ip, service: '', reason: pick(['port scan', 'reported by the abuse desk', 'manual ban', 'credential stuffing on the VPN']), source: 'manual', failures: 0, banned_at: at - integer(0, 30 * 86_400), expires_at: 0 };
    if (roll < 0.03) return { ip, service: '', reason: 'in the firewall at start-up', source: 'firewall', failures: 0, banned_at: at - integer(0, 86_400), expires_at: at + integer(600, 86_400) };
    const service = serviceOfBan();
    const [pattern] = pick(service.patterns);
    const failures = 5 + Math.floor(-Math.log(1 - random()) * 6);
    // Repeat offenders get longer bans, so a long-lived list holds many day- and week-long ones.
    const duration = weighted([
      [600, 12],
      [3_600, 30],
      [86_400, 30],
      [7 * 86_400, 16],
      [30 * 86_400, 8],
      [0, 4],
    ] as const);
    const age = duration === 0 ? integer(0, 14 * 86_400) : Math.floor(duration * random() * 0.97);
    const bannedAt = at - age;
    return { ip, service: service.name, reason: `${failures} failures (${pattern})`, source: 'detector', failures, banned_at: bannedAt, expires_at: duration === 0 ? 0 : bannedAt + duration };
  }
  for (const ip of ['203.0.113.7', '198.51.100.23']) {
    taken.add(ip);
    originOf.set(ip, -1);
    bans.set(ip, { ...makeBan(ip, startSecs), service: 'ssh', source: 'detector', failures: 7, reason: '7 failures (failed_password)', banned_at: startSecs - 250, expires_at: startSecs + 3_350 });
  }
  while (bans.size < options.bans) {
    const ip = newAddress();
    bans.set(ip, makeBan(ip, startSecs));
  }
  if (options.bans < 2) for (const ip of [...bans.keys()].slice(options.bans)) bans.delete(ip);

  // --- the last 24 hours -------------------------------------------------------------------------

  // Failed attempts per hourly window (window i: [start-(24-i) h, start-(23-i) h)) are a model, a few
  // times the bans of that window with a daily rhythm; the event list is a sample of at most
  // EVENT_SAMPLE of them, so 100,000 bans do not mean a million event objects in the page.
  const EVENT_SAMPLE = 5_000;
  let recentBans = 0;
  for (const ban of bans.values()) if (ban.banned_at >= startSecs - 86_400) recentBans++;
  const hourly = Array.from({ length: 24 }, (_, index) => {
    const hourOfDay = (Math.floor(startSecs / 3_600) - 23 + index + 24) % 24;
    const wave = 1 + 0.45 * Math.sin(((hourOfDay - 4) / 24) * 2 * Math.PI);
    const burst = random() < 0.1 ? 1.8 + random() : 1;
    return Math.round((8 + (recentBans / 24) * 6.5) * wave * burst * (0.8 + random() * 0.4));
  });
  // Bans started per window, expired ones included: about one for every 6.5 failed attempts.
  const bansPerWindow = hourly.map((count) => Math.round(count / 6.5));
  const serviceShare = new Map(SERVICES.map((service) => [service.name, service.weight / 100]));
  const liveByService: Record<string, number> = {};

  const events: EventInfo[] = [];
  {
    const total = hourly.reduce((sum, count) => sum + count, 0);
    const scale = Math.min(1, EVENT_SAMPLE / Math.max(1, total));
    const ips = [...bans.keys()];
    for (let index = 0; index < 24; index++) {
      const windowStart = startSecs - (24 - index) * 3_600;
      for (let count = Math.round(hourly[index]! * scale); count > 0; count--) {
        const service = serviceOfBan();
        const [pattern, eventType] = pick(service.patterns);
        events.push({ time: windowStart + integer(1, 3_600), service: service.name, ip: ips.length > 0 && random() < 0.8 ? pick(ips) : newAddress(), event_type: eventType, pattern });
      }
    }
    events.sort((a, b) => b.time - a.time);
  }

  // --- the rest of the helper's state ------------------------------------------------------------

  const whitelist: WhitelistInfo[] = [
    { network: '10.0.0.0/8', comment: 'office LAN', added_at: startSecs - 40 * 86_400, added_by: 0 },
    { network: '192.168.1.0/24', comment: 'home network', added_at: startSecs - 38 * 86_400, added_by: 1000 },
    { network: '198.51.100.10', comment: 'uptime monitoring', added_at: startSecs - 9 * 86_400, added_by: 1000 },
    { network: '2001:db8:1::/48', comment: 'VPN', added_at: startSecs - 3 * 86_400, added_by: 0xffff_ffff },
  ];
  const activity: ActivityInfo[] = [];
  for (let index = 0; index < 40; index++) {
    const time = startSecs - integer(60, 14 * 86_400);
    const action = weighted([
      ['ban', 4],
      ['unban', 3],
      ['whitelist-add', 1],
      ['whitelist-remove', 1],
      ['reload', 1],
    ] as const);
    const uid = action === 'reload' ? pick([0, 0xffff_ffff]) : pick([1000, 1000, 0]);
    const target = action === 'reload' ? '' : action.startsWith('whitelist') ? pick(['192.0.2.0/24', '198.51.100.10', '10.0.0.0/8']) : `${pick(['203.0.113', '198.51.100'])}.${integer(1, 254)}`;
    const detail =
      action === 'ban' ? `${pick(['3600 s', '86400 s', 'permanent'])}: ${pick(['port scan', 'manual ban', 'brute force'])}` : action === 'reload' ? 'configuration reloaded: 5 services' : action === 'unban' ? 'unbanned' : pick(['office', 'monitoring', '']);
    activity.push({ time, uid, action, target, detail });
  }
  activity.sort((a, b) => b.time - a.time);

  const serviceInfos = (): ServiceInfo[] => {
    const active = new Map<string, number>();
    for (const ban of bans.values()) active.set(ban.service, (active.get(ban.service) ?? 0) + 1);
    const byService = eventsByService();
    const settings: Record<string, [string[], string[], number, number, number, boolean]> = {
      ssh: [[], ['ssh.service'], 5, 600, 3_600, true],
      nginx: [['/var/log/nginx/error.log'], [], 5, 600, 3_600, true],
      postfix: [['/var/log/mail.log'], [], 5, 900, 3_600, true],
      dovecot: [['/var/log/mail.log'], [], 5, 900, 3_600, true],
      apache: [['/var/log/apache2/error.log', '/var/log/apache2/other_vhosts_error.log'], [], 6, 600, 86_400, false],
    };
    return SERVICES.map(({ name }) => {
      const [logPaths, units, maxRetry, findTime, banTime, enabled] = settings[name]!;
      return { name, enabled, filter: name, log_paths: logPaths, journal_units: units, max_retry: maxRetry, find_time_secs: findTime, ban_time_secs: banTime, active_bans: active.get(name) ?? 0, events_24h: byService[name] ?? 0 };
    });
  };
  function eventsByService(): Record<string, number> {
    const total = hourly.reduce((sum, count) => sum + count, 0);
    const counts: Record<string, number> = {};
    for (const [name, share] of serviceShare) counts[name] = Math.round(total * share) + (liveByService[name] ?? 0);
    return counts;
  }
  let bansTotal = Math.round(options.bans * 2.7) + 1_118;
  let eventsTotal = hourly.reduce((sum, count) => sum + count, 0) * 11 + 40_211;

  const stats = (): StatsInfo => {
    const now = nowSecs();
    let permanent = 0;
    let recent = 0;
    const bySource: Record<string, number> = {};
    for (const ban of bans.values()) {
      if (ban.expires_at === 0) permanent++;
      if (ban.banned_at >= now - 86_400) recent++;
      bySource[ban.source] = (bySource[ban.source] ?? 0) + 1;
    }
    const perHour = hourly.slice();
    const bansPerHour = bansPerWindow.slice();
    const events24h = perHour.reduce((sum, count) => sum + count, 0);
    const result = {
      active_bans: bans.size,
      permanent_bans: permanent,
      bans_total: bansTotal,
      bans_24h: recent,
      events_total: eventsTotal,
      events_24h: events24h,
      unique_attackers_24h: Math.round(events24h * 0.31),
      events_by_service_24h: eventsByService(),
      bans_by_source: bySource,
      events_per_hour_24h: perHour,
      bans_per_hour_24h: bansPerHour,
    };
    if (options.statsWithoutHourly) {
      const older = result as Partial<StatsInfo>;
      delete older.events_per_hour_24h;
      delete older.bans_per_hour_24h;
    }
    return result;
  };

  const intelCache = new Map<string, IntelInfo>();
  function intelOf(ip: string, refresh: boolean): IntelInfo {
    const cached = intelCache.get(ip);
    if (cached && !refresh) return cached;
    // Seeded by the address, so the same address always gets the same story.
    let hash = 2166136261;
    for (let index = 0; index < ip.length; index++) hash = Math.imul(hash ^ ip.charCodeAt(index), 16777619);
    let local = hash >>> 0;
    const roll = () => {
      local = (Math.imul(local, 1664525) + 1013904223) >>> 0;
      return local / 4294967296;
    };
    const origin = ORIGINS[originOf.get(ip) ?? -1];
    const checked = nowSecs() - (refresh ? 0 : Math.floor(roll() * 7_200));
    if (!origin) {
      const info: IntelInfo = { address: ip, scope: 'documentation', local_databases: ['GeoLite2-City 2026-06-17', 'ip-location-db ASN 2026-06-17'], gathered: {}, errors: {}, pending: [] };
      intelCache.set(ip, info);
      return info;
    }
    const network = NETWORKS[Math.floor(roll() * NETWORKS.length)]!;
    const octets = ip.split('.');
    const confidence = Math.min(100, Math.round(roll() ** 0.5 * 100));
    const vulnerable = roll() < 0.12;
    const info: IntelInfo = {
      address: ip,
      scope: 'public',
      gathered_at: checked,
      country_code: origin.code,
      country: origin.country,
      region: origin.region,
      city: origin.city,
      latitude: Math.round((origin.latitude + (roll() - 0.5) * 0.4) * 1e4) / 1e4,
      longitude: Math.round((origin.longitude + (roll() - 0.5) * 0.4) * 1e4) / 1e4,
      time_zone: origin.zone,
      asn: network.asn,
      as_organization: network.org,
      isp: network.org,
      organization: `${network.org} ${origin.code === 'US' ? 'Inc.' : 'Ltd'}`,
      network_name: `${network.org.split(' ')[0]!.toUpperCase()}-${origin.code}-${octets[0]}`,
      network_range: `${octets[0]}.${octets[1]}.0.0 - ${octets[0]}.${octets[1]}.255.255`,
      registry: origin.registry,
      abuse_contact: `abuse@${network.domain}`,
      abuse_confidence: confidence,
      abuse_reports: Math.round(confidence * (1 + roll() * 12)),
      abuse_reporters: Math.round(confidence * (0.2 + roll())),
      abuse_last_reported: checked - Math.floor(roll() * 86_400 * 3),
      usage_type: network.hosting ? 'Data Center/Web Hosting/Transit' : 'Fixed Line ISP',
      domain: network.domain,
      tor: roll() < 0.02,
      hosting: network.hosting,
      hosting_reasons: network.hosting ? [`AS${network.asn} (${network.org}) is a hosting network`, 'AbuseIPDB usage type: Data Center/Web Hosting/Transit'] : [],
      local_databases: ['GeoLite2-City 2026-06-17', 'ip-location-db ASN 2026-06-17'],
      gathered: { rdns: checked, whois: checked, abuseipdb: checked },
      errors: { shodan: 'no API key configured ([intel] shodan_key)' },
      pending: [],
    };
    if (roll() < 0.65) {
      info.reverse_dns = `${octets.slice().reverse().join('-')}.${network.hosting ? 'vps' : 'dyn'}.${network.domain}`;
      info.reverse_dns_confirmed = roll() < 0.6;
    }
    if (roll() < 0.5) {
      info.open_ports = [22, ...(roll() < 0.5 ? [80, 443] : []), ...(roll() < 0.2 ? [3389] : [])];
      info.hostnames = info.reverse_dns ? [info.reverse_dns] : [];
      if (vulnerable) info.vulnerabilities = ['CVE-2023-48795', 'CVE-2024-6387'].slice(0, 1 + Math.floor(roll() * 2));
      info.gathered = { ...info.gathered, shodan: checked };
      info.errors = {};
    }
    intelCache.set(ip, info);
    return info;
  }

  // --- the bridge --------------------------------------------------------------------------------

  let connection: HelperConnection =
    options.connection === 'stopped'
      ? { state: 'stopped' }
      : options.connection === 'unreachable'
        ? { state: 'unreachable', detail: 'Could not connect: No such file or directory (/run/dbus/system_bus_socket)' }
        : { state: 'running' };
  let preferences: Preferences = { startAtLogin: true, attackNotifications: false, notificationsPausedUntil: 0 };
  const listeners = new Set<(event: HelperEvent) => void>();
  const emit = (event: HelperEvent) => {
    for (const listener of [...listeners]) listener(event);
  };
  const latency = options.latencyMs ?? 5;
  const later = <T,>(value: T, delay = latency): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), delay));
  const ok = <T,>(value: T): Result<T> => ({ ok: true, value });
  const fail = <T,>(kind: BridgeErrorKind, message: string): Result<T> => ({ ok: false, error: { kind, message } });
  function call<T>(produce: () => Result<T>, delay = latency): Promise<Result<T>> {
    if (connection.state !== 'running')
      return later(
        fail<T>('Unreachable', connection.state === 'unreachable' ? connection.detail : 'org.freedesktop.DBus.Error.ServiceUnknown: The name org.croissant2ban.Daemon was not provided by any .service files'),
        delay,
      );
    return later(produce(), delay);
  }

  const ipv4 = (text: string): number | null => {
    const parts = text.split('.');
    if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return null;
    return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
  };
  const validAddress = (text: string): boolean => {
    const [address = '', prefix] = text.split('/');
    if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return false;
    if (ipv4(address) !== null) return prefix === undefined || Number(prefix) <= 32;
    return /^[0-9a-f:]+$/i.test(address) && address.includes(':') && (prefix === undefined || Number(prefix) <= 128);
  };
  const inside = (ip: string, network: string): boolean => {
    if (ip === network) return true;
    const [address = '', prefixText] = network.split('/');
    const base = ipv4(address);
    const value = ipv4(ip);
    if (base === null || value === null || prefixText === undefined) return false;
    const prefix = Number(prefixText);
    const size = 2 ** (32 - prefix);
    return Math.floor(value / size) === Math.floor(base / size);
  };
  const log = (action: string, target: string, detail: string) => activity.unshift({ time: nowSecs(), uid: 1000, action, target, detail });

  const bridge: Bridge = {
    status: () =>
      call(
        (): Result<StatusInfo> =>
          ok({
            version: '0.1.0',
            running: true,
            pid: 1187,
            started_at: startSecs - 3 * 86_400 - 4_000,
            uptime_secs: nowSecs() - (startSecs - 3 * 86_400 - 4_000),
            active_bans: bans.size,
            events_processed: eventsTotal,
            services: ['ssh', 'nginx', 'postfix', 'dovecot'],
            firewall_backend: 'nftables',
            dry_run: false,
            config_path: '/etc/croissant2ban/config.toml',
            database_path: '/var/lib/croissant2ban/croissant2ban.db',
            authorization: 'polkit',
          }),
      ),
    // A copy, as IPC would give: the window must not depend on object identity.
    getBans: () => call(() => ok([...bans.values()].map((ban) => ({ ...ban }))), latency + Math.round(bans.size / 2_000)),
    getWhitelist: () => call(() => ok(whitelist.map((entry) => ({ ...entry })))),
    getEvents: (limit, since) => call(() => ok(events.filter((event) => event.time >= since).slice(0, limit))),
    getActivity: (limit) => call(() => ok(activity.slice(0, limit))),
    getStats: () => call(() => ok(stats())),
    getServices: () => call(() => ok(serviceInfos())),
    getIntel: (ip, refresh) => call(() => ok(intelOf(ip, refresh)), refresh ? 700 : latency + 10),
    ban: (ip, durationSecs, reason) =>
      call(() => {
        if (!validAddress(ip) || ip.includes('/')) return fail('InvalidAddress', `not an IP address: ${JSON.stringify(ip)}`);
        if (whitelist.some((entry) => inside(ip, entry.network))) return fail('Whitelisted', `${ip} is whitelisted`);
        const now = nowSecs();
        bans.set(ip, { ip, service: '', reason: reason || 'manual ban', source: 'manual', failures: 0, banned_at: now, expires_at: durationSecs === 0 ? 0 : now + durationSecs });
        log('ban', ip, `${durationSecs === 0 ? 'permanent' : `${durationSecs} s`}: ${reason}`);
        setTimeout(() => {
          emit({ type: 'ban-added', at: Date.now(), ip, reason: reason || 'manual ban', source: 'manual', durationSecs });
          emit({ type: 'counters', activeBans: bans.size });
        }, 20);
        return ok(true);
      }),
    extendBan: (ip, durationSecs) =>
      call(() => {
        const ban = bans.get(ip);
        if (!ban) return fail('NotFound', `${ip} is not banned`);
        bans.set(ip, { ...ban, expires_at: durationSecs === 0 ? 0 : nowSecs() + durationSecs });
        log('extend', ip, durationSecs === 0 ? 'permanent' : `for ${durationSecs} s`);
        return ok(true);
      }),
    unban: (ip) =>
      call(() => {
        if (!validAddress(ip)) return fail('InvalidAddress', `not an IP address: ${JSON.stringify(ip)}`);
        if (!bans.delete(ip)) return fail('NotFound', `${ip} is not banned`);
        log('unban', ip, 'unbanned');
        setTimeout(() => {
          emit({ type: 'ban-removed', at: Date.now(), ip, reason: 'unbanned' });
          emit({ type: 'counters', activeBans: bans.size });
        }, 20);
        return ok(true);
      }),
    whitelistAdd: (address, comment) =>
      call(() => {
        if (!validAddress(address)) return fail('InvalidAddress', `not an address or network: ${JSON.stringify(address)}`);
        if (!whitelist.some((entry) => entry.network === address)) whitelist.push({ network: address, comment, added_at: nowSecs(), added_by: 1000 });
        const lifted = [...bans.keys()].filter((ip) => inside(ip, address));
        for (const ip of lifted) bans.delete(ip);
        log('whitelist-add', address, comment);
        setTimeout(() => {
          for (const ip of lifted) emit({ type: 'ban-removed', at: Date.now(), ip, reason: 'whitelisted' });
          emit({ type: 'counters', activeBans: bans.size });
        }, 20);
        return ok(lifted);
      }),
    whitelistRemove: (address) =>
      call(() => {
        const index = whitelist.findIndex((entry) => entry.network === address);
        if (index < 0) return fail('NotFound', `${address} is not in the whitelist`);
        whitelist.splice(index, 1);
        log('whitelist-remove', address, '');
        return ok(true);
      }),
    startHelper: () => {
      if (options.startHelperError) return later(fail<void>(options.startHelperError, `systemctl start croissant2ban.service: ${options.startHelperError}`), 400);
      if (connection.state === 'stopped') setTimeout(() => control.setConnection('running'), 1_200);
      return later(ok(undefined), 300);
    },
    connection: () => later(connection),
    getPreferences: () => later(preferences),
    setPreferences: (changes) => {
      preferences = { ...preferences, ...changes };
      setTimeout(() => emit({ type: 'preferences', preferences }), 10);
      return later(ok(preferences));
    },
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  const control: DemoControl = {
    setConnection(next) {
      connection = next === 'unreachable' ? { state: 'unreachable', detail: 'Could not connect: No such file or directory (/run/dbus/system_bus_socket)' } : { state: next };
      emit({ type: 'connection', connection });
    },
    emit,
    bans: () => [...bans.values()],
  };

  // --- live events -------------------------------------------------------------------------------

  if (options.liveEvents !== false) {
    let tick = 0;
    setInterval(() => {
      if (connection.state !== 'running') return;
      tick++;
      const ips = addresses;
      for (let count = integer(1, 3); count > 0; count--) {
        const service = serviceOfBan();
        const [pattern, eventType] = pick(service.patterns);
        const ip = random() < 0.6 && ips.length > 0 ? pick(ips) : newAddress();
        const time = nowSecs();
        events.unshift({ time, service: service.name, ip, event_type: eventType, pattern });
        eventsTotal++;
        hourly[23]!++;
        liveByService[service.name] = (liveByService[service.name] ?? 0) + 1;
        emit({ type: 'attack', at: Date.now(), ip, service: service.name, eventType });
      }
      if (tick % 3 === 0) {
        const ip = newAddress();
        const ban = makeBan(ip, nowSecs());
        const detector: BanInfo = ban.source === 'detector' ? { ...ban, banned_at: nowSecs(), expires_at: ban.expires_at === 0 ? 0 : nowSecs() + 3_600 } : { ...ban, banned_at: nowSecs() };
        bans.set(ip, detector);
        bansTotal++;
        bansPerWindow[23]!++;
        if (detector.source === 'detector') {
          const [, eventType] = pick(SERVICES.find((service) => service.name === detector.service)!.patterns);
          emit({ type: 'attack', at: Date.now(), ip, service: detector.service, eventType });
        }
        emit({ type: 'ban-added', at: Date.now(), ip, reason: detector.reason, source: detector.source, durationSecs: detector.expires_at === 0 ? 0 : 3_600 });
        emit({ type: 'counters', activeBans: bans.size, eventsProcessed: eventsTotal });
      }
      if (tick % 5 === 0 && bans.size > 0) {
        const now = nowSecs();
        let victim: BanInfo | undefined;
        for (const ban of bans.values()) if (ban.expires_at !== 0 && ban.expires_at <= now) victim = ban;
        victim ??= [...bans.values()][integer(0, bans.size - 1)];
        if (victim) {
          bans.delete(victim.ip);
          emit({ type: 'ban-removed', at: Date.now(), ip: victim.ip, reason: 'expired' });
          emit({ type: 'counters', activeBans: bans.size });
        }
      }
    }, 1_500);
  }

  const target = globalThis as unknown as Record<string, unknown>;
  target['croissant2ban'] = bridge;
  target['__demo'] = control;
}

/**
 * Source for `page.addInitScript` that installs the demo bridge as `window.croissant2ban` (and its
 * controls as `window.__demo`). `__name` is defined because tsx (esbuild with keepNames) may wrap
 * functions in calls to it, and the page does not have esbuild's helper.
 */
export function createDemoBridgeScript(options: DemoBridgeOptions): string {
  return `(() => { var __name = (target) => target; (${installDemoBridge.toString()})(${JSON.stringify(options)}); })();`;
}
