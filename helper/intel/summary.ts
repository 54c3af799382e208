// The one dictionary GetIntel answers, merged from the local databases and each source's last answer.
// Pure: the same inputs give the same fields, so it is tested without any network.
import type { IntelInfo } from '../protocol/index.js';
import type { GeoFacts } from './geo.js';
import { hostingReasons } from './hosting.js';
import type { IntelRecord, RemoteSource } from './record.js';
import type { AddressScope } from './scope.js';

export interface SummaryInput {
  readonly address: string;
  readonly scope: AddressScope;
  readonly geo: GeoFacts;
  readonly localDatabases: readonly string[];
  readonly record: IntelRecord;
  /** Enabled sources without an answer yet (or whose answer is being refreshed). */
  readonly pending: readonly RemoteSource[];
}

const seconds = (epochMs: number) => Math.floor(epochMs / 1000);

/** Drops undefined fields so the reply carries only what is known. */
function defined(info: IntelInfo): IntelInfo {
  for (const key of Object.keys(info) as (keyof IntelInfo)[]) {
    const value = info[key];
    if (value === undefined || (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)) delete info[key];
  }
  return info;
}

export function summarizeIntel(input: SummaryInput): IntelInfo {
  const { geo, record } = input;
  const rdns = record.answers.rdns?.facts;
  const whois = record.answers.whois?.facts;
  const shodan = record.answers.shodan?.facts;
  const abuse = record.answers.abuseipdb?.facts;

  const gathered: Record<string, number> = {};
  const errors: Record<string, string> = {};
  for (const [source, answer] of Object.entries(record.answers)) gathered[source] = seconds(answer.at);
  for (const [source, failure] of Object.entries(record.failures)) {
    const answer = record.answers[source as RemoteSource];
    if (answer === undefined || failure.at > answer.at) errors[source] = failure.message;
  }
  const times = Object.values(gathered);
  const reasons = hostingReasons({ usageType: abuse?.usageType, shodanTags: shodan?.tags, asn: geo.asn, asOrganization: geo.asOrganization, hostname: rdns?.hostname });
  const countryCode = geo.countryCode ?? (whois?.country !== undefined && /^[A-Z]{2}$/i.test(whois.country) ? whois.country.toUpperCase() : undefined);

  return defined({
    address: input.address,
    scope: input.scope,
    gathered_at: times.length === 0 ? undefined : Math.max(...times),
    country_code: countryCode,
    country: geo.country,
    region: geo.region,
    city: geo.city,
    latitude: geo.latitude,
    longitude: geo.longitude,
    time_zone: geo.timeZone,
    asn: geo.asn,
    as_organization: geo.asOrganization,
    isp: abuse?.isp ?? shodan?.isp ?? shodan?.organization ?? geo.asOrganization ?? whois?.organization,
    reverse_dns: rdns?.hostname,
    reverse_dns_confirmed: rdns?.hostname === undefined ? undefined : rdns.confirmed === true,
    organization: whois?.organization,
    network_name: whois?.networkName,
    network_range: whois?.networkRange,
    registry: whois?.registry,
    abuse_contact: whois?.abuseContact,
    open_ports: shodan?.ports,
    hostnames: shodan?.hostnames,
    vulnerabilities: shodan?.vulnerabilities,
    shodan_tags: shodan?.tags,
    abuse_confidence: abuse?.confidence,
    abuse_reports: abuse?.reports,
    abuse_reporters: abuse?.distinctReporters,
    abuse_last_reported: abuse?.lastReportedAt === undefined ? undefined : seconds(abuse.lastReportedAt),
    usage_type: abuse?.usageType,
    domain: abuse?.domain,
    tor: abuse?.tor,
    hosting: input.scope === 'public' ? reasons.length > 0 : undefined,
    hosting_reasons: reasons,
    local_databases: [...input.localDatabases],
    gathered,
    errors,
    pending: [...input.pending],
  });
}
