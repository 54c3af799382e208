// WHOIS over RDAP (RFC 9082/9083): which registry serves an address comes from IANA's bootstrap
// files (conf/intel/rdap-ipv4.json, rdap-ipv6.json, RFC 9224), the answer is JSON. Registries
// redirect to each other for transferred space; http.ts follows that.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkContains, parseNetwork, type Address, type Network } from '../core/address.js';
import { getJson, isRecord, SourceError, statusError } from './http.js';
import { registryOf, type WhoisFacts } from './whois-facts.js';

export interface RdapBootstrap {
  /** The base URLs serving an address, most specific range first; empty when none. */
  serversFor(address: Address): readonly URL[];
}

/** Reads IANA's bootstrap files from a directory; throws naming the file and what is wrong. */
export function loadRdapBootstrap(directory: string): RdapBootstrap {
  const entries: { network: Network; servers: URL[] }[] = [];
  for (const name of ['rdap-ipv4.json', 'rdap-ipv6.json']) {
    const file = join(directory, name);
    let document: unknown;
    try {
      document = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`);
    }
    const services = isRecord(document) ? document.services : undefined;
    if (!Array.isArray(services)) throw new Error(`${file}: no "services" array (not an RDAP bootstrap file)`);
    for (const service of services) {
      if (!Array.isArray(service) || !Array.isArray(service[0]) || !Array.isArray(service[1])) throw new Error(`${file}: a service is not [[ranges], [urls]]`);
      const servers = (service[1] as unknown[])
        .filter((url): url is string => typeof url === 'string' && /^https?:\/\//.test(url))
        .map((url) => new URL(url.endsWith('/') ? url : `${url}/`))
        // RFC 9224 lists HTTPS and HTTP bases alike: only HTTPS is used, HTTP where no HTTPS exists.
        .sort((left, right) => Number(right.protocol === 'https:') - Number(left.protocol === 'https:'));
      for (const range of service[0] as unknown[]) {
        const network = typeof range === 'string' ? parseNetwork(range) : null;
        if (network === null) throw new Error(`${file}: ${JSON.stringify(range)} is not a network`);
        entries.push({ network, servers });
      }
    }
  }
  entries.sort((left, right) => right.network.prefix - left.network.prefix);
  return {
    serversFor(address) {
      return entries.find((entry) => networkContains(entry.network, address))?.servers ?? [];
    },
  };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** A jCard property's first value: ["vcard", [["fn", {}, "text", "Google LLC"], ...]]. */
function vcardValue(entity: Record<string, unknown>, property: string): string | undefined {
  const vcard = entity.vcardArray;
  if (!Array.isArray(vcard) || !Array.isArray(vcard[1])) return undefined;
  for (const field of vcard[1] as unknown[]) {
    if (Array.isArray(field) && field[0] === property) {
      const value = field[3];
      if (typeof value === 'string') return text(value);
      if (Array.isArray(value)) return text(value.filter((part) => typeof part === 'string').join(' '));
    }
  }
  return undefined;
}

/** Entities nest (ARIN puts the abuse contact inside the registrant): walk them all, bounded. */
function* entities(node: Record<string, unknown>, depth = 0): Generator<Record<string, unknown>> {
  if (depth > 4 || !Array.isArray(node.entities)) return;
  for (const entity of node.entities as unknown[]) {
    if (!isRecord(entity)) continue;
    yield entity;
    yield* entities(entity, depth + 1);
  }
}

const hasRole = (entity: Record<string, unknown>, role: string) => Array.isArray(entity.roles) && entity.roles.includes(role);

/** The facts of an RDAP "ip network" object; throws SourceError when it is not one. */
export function parseRdapNetwork(body: unknown, server: URL): WhoisFacts {
  if (!isRecord(body) || body.objectClassName !== 'ip network') throw new SourceError(`${server.host}: the answer is not an RDAP ip network object`, 'malformed');
  const all = [...entities(body)];
  // RIPE lists its maintainer object as a registrant too, before the organisation: an entity whose
  // vCard kind is "org" is the owner when there is one.
  const registrants = all.filter((entity) => hasRole(entity, 'registrant'));
  const registrant = registrants.find((entity) => vcardValue(entity, 'kind') === 'org') ?? registrants[0] ?? all.find((entity) => hasRole(entity, 'administrative'));
  const abuse = all.find((entity) => hasRole(entity, 'abuse') && vcardValue(entity, 'email') !== undefined);
  const cidrs = Array.isArray(body.cidr0_cidrs)
    ? (body.cidr0_cidrs as unknown[])
        .filter(isRecord)
        .map((cidr) => `${text(cidr.v4prefix) ?? text(cidr.v6prefix) ?? ''}/${String(cidr.length)}`)
        .filter((cidr) => parseNetwork(cidr) !== null)
    : [];
  const start = text(body.startAddress);
  const end = text(body.endAddress);
  const facts: WhoisFacts = {
    networkName: text(body.name),
    networkRange: cidrs.length > 0 ? cidrs.join(', ') : start !== undefined && end !== undefined ? `${start} - ${end}` : undefined,
    organization: registrant === undefined ? undefined : vcardValue(registrant, 'fn') ?? text(registrant.handle),
    abuseContact: abuse === undefined ? undefined : vcardValue(abuse, 'email'),
    country: text(body.country),
    registry: registryOf(text(body.port43) ?? server.host),
    via: 'rdap',
  };
  return facts;
}

/** Looks an address up over RDAP; null when no registry in the bootstrap serves it. */
export async function rdapLookup(address: Address, options: { readonly bootstrap: RdapBootstrap; readonly signal: AbortSignal }): Promise<WhoisFacts | null> {
  const [server] = options.bootstrap.serversFor(address);
  if (server === undefined) return null;
  const url = new URL(`ip/${address.text}`, server);
  const response = await getJson(url, { signal: options.signal, followRedirects: true });
  if (response.status === 404) throw new SourceError(`${server.host}: no RDAP record for ${address.text} (HTTP 404)`, 'http');
  if (response.status !== 200) throw statusError(url, response);
  return parseRdapNetwork(response.body, server);
}
