// What WHOIS tells about a network, from RDAP JSON or port-43 text alike, and the reading of the
// registries' text formats (ARIN's "OrgName:", RIPE/APNIC/AFRINIC's "org-name:", LACNIC's "owner:").

export interface WhoisFacts {
  organization?: string;
  networkName?: string;
  /** CIDR(s) or "first - last". */
  networkRange?: string;
  /** ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC, or the server's name when it is none of them. */
  registry?: string;
  abuseContact?: string;
  country?: string;
  via: 'rdap' | 'whois';
}

const REGISTRIES: readonly (readonly [RegExp, string])[] = [
  [/arin\.net$/i, 'ARIN'],
  [/ripe\.net$/i, 'RIPE NCC'],
  [/apnic\.net$/i, 'APNIC'],
  [/lacnic\.net$/i, 'LACNIC'],
  [/afrinic\.net$/i, 'AFRINIC'],
];

/** The RIR behind a server name ("whois.ripe.net", "rdap.arin.net"), else the name itself. */
export function registryOf(server: string): string {
  const host = server.replace(/^[a-z]+:\/\//i, '').replace(/[:/].*$/, '');
  return REGISTRIES.find(([pattern]) => pattern.test(host))?.[1] ?? host;
}

const SOURCES: Record<string, string> = { RIPE: 'RIPE NCC', APNIC: 'APNIC', AFRINIC: 'AFRINIC', LACNIC: 'LACNIC', ARIN: 'ARIN' };

/**
 * The RIR that wrote an answer: from the server's name when it is a registry's, else from the answer
 * itself (a mirror or a local server): RPSL's "source:" or ARIN's terms-of-use banner.
 */
function registryOfAnswer(server: string, source: string | undefined, answer: string): string {
  const byServer = registryOf(server);
  if (REGISTRIES.some(([, name]) => name === byServer)) return byServer;
  const bySource = source === undefined ? undefined : SOURCES[source.toUpperCase().replace(/[^A-Z].*$/, '')];
  if (bySource !== undefined) return bySource;
  return /^# ARIN WHOIS data/m.test(answer) ? 'ARIN' : byServer;
}

/** Keys in the order they are preferred; the first object in an answer is the most specific one. */
const FIELDS: Record<Exclude<keyof WhoisFacts, 'via' | 'registry'>, readonly string[]> = {
  networkRange: ['cidr', 'inetnum', 'inet6num', 'netrange'],
  networkName: ['netname', 'network-name'],
  // ARIN's "Customer:" and "Organization:" carry the handle in brackets; CustName and OrgName do not.
  organization: ['orgname', 'org-name', 'owner', 'custname', 'organization', 'descr', 'customer'],
  abuseContact: ['orgabuseemail', 'abuse-mailbox', 'rabuseemail', 'abuse-c-email'],
  country: ['country'],
};

const EMAIL = /^[^\s@'"<>]{1,64}@[a-z0-9.-]{1,253}\.[a-z]{2,63}$/i;

/** Reads the facts from a port-43 answer; fields the answer lacks are left out. */
export function parseWhoisText(answer: string, server: string): WhoisFacts {
  const values = new Map<string, string>();
  let abuseComment: string | undefined;
  let firstSource: string | undefined;
  for (const rawLine of answer.split(/\r?\n/)) {
    const line = rawLine.trimEnd();
    // RIPE, APNIC, AFRINIC: "% Abuse contact for '193.0.0.0 - 193.0.7.255' is 'abuse@ripe.net'".
    const abuse = /^%\s*Abuse contact for .* is '([^']+)'/i.exec(line);
    if (abuse !== null && EMAIL.test(abuse[1]!)) abuseComment ??= abuse[1]!;
    if (line.startsWith('%') || line.startsWith('#')) continue;
    const field = /^([A-Za-z][A-Za-z0-9-]{0,40}):\s*(.*)$/.exec(line);
    if (field === null) continue;
    const key = field[1]!.toLowerCase();
    const value = field[2]!.trim();
    if (key === 'source') firstSource ??= value;
    // ARIN answers with every network from the widest to the narrowest: a second network block
    // starts over, so the most specific network and the organisation after it are what counts.
    if (FIELDS.networkRange.includes(key) && values.has(key)) values.clear();
    if (value !== '' && !values.has(key)) values.set(key, value);
  }
  const first = (keys: readonly string[]) => keys.map((key) => values.get(key)).find((value) => value !== undefined);
  const abuseContact = abuseComment ?? first(FIELDS.abuseContact);
  return {
    networkRange: first(FIELDS.networkRange),
    networkName: first(FIELDS.networkName),
    organization: first(FIELDS.organization),
    abuseContact: abuseContact !== undefined && EMAIL.test(abuseContact) ? abuseContact : undefined,
    country: first(FIELDS.country),
    registry: registryOfAnswer(server, values.get('source') ?? firstSource, answer),
    via: 'whois',
  };
}

/** The registries' WHOIS servers: the only hosts a referral may send the helper to. */
export const REGISTRY_WHOIS_SERVERS: ReadonlySet<string> = new Set(['whois.arin.net', 'whois.ripe.net', 'whois.apnic.net', 'whois.lacnic.net', 'whois.afrinic.net']);

/**
 * Where an answer sends us next: IANA's "refer:"/"whois:" (`from` "iana") or ARIN's
 * "ReferralServer: whois://host" (`from` "arin"), at the start of a line only: an indented line
 * continues a field that the block's holder wrote. Returns "host" or "host:port"; rwhois and other
 * schemes are not followed.
 */
export function referralOf(answer: string, from: 'iana' | 'arin'): string | null {
  const key = from === 'iana' ? /^(?:refer|whois):[ \t]*(\S+)[ \t]*$/i : /^ReferralServer:[ \t]*(\S+)[ \t]*$/i;
  for (const line of answer.split(/\r?\n/)) {
    const match = key.exec(line);
    if (match === null) continue;
    const target = match[1]!;
    const plain = /^(?:whois:\/\/)?([a-z0-9.-]{1,253}|\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?\/?$/i.exec(target);
    if (plain !== null) return plain[2] === undefined ? plain[1]!.toLowerCase() : `${plain[1]!.toLowerCase()}:${plain[2]}`;
  }
  return null;
}
