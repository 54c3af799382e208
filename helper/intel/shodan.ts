// Shodan's host lookup (GET /shodan/host/{ip}?key=...): what the address itself exposes: open ports,
// the names Shodan saw for it, known vulnerabilities and tags such as "cloud" or "vpn".
import type { Address } from '../core/address.js';
import { getJson, isRecord, SourceError, statusError } from './http.js';

export interface ShodanFacts {
  ports?: number[];
  hostnames?: string[];
  vulnerabilities?: string[];
  tags?: string[];
  organization?: string;
  isp?: string;
}

const strings = (value: unknown, limit: number): string[] | undefined =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '').slice(0, limit) : undefined;

/** {} when Shodan knows nothing about the address (its 404); SourceError for every failure. */
export async function shodanLookup(address: Address, options: { readonly baseUrl: string; readonly apiKey: string; readonly signal: AbortSignal }): Promise<ShodanFacts> {
  const url = new URL(`shodan/host/${address.text}`, options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  url.searchParams.set('key', options.apiKey);
  url.searchParams.set('minify', 'true');
  const response = await getJson(url, { signal: options.signal });
  if (response.status === 404) return {};
  if (response.status !== 200) throw statusError(url, response);
  const body = response.body;
  if (!isRecord(body)) throw new SourceError(`${url.host}: the answer is not a Shodan host object`, 'malformed');
  // vulns is a list of CVE ids in the host answer, an object keyed by CVE in the banners.
  const vulnerabilities = Array.isArray(body.vulns) ? strings(body.vulns, 200) : isRecord(body.vulns) ? Object.keys(body.vulns).slice(0, 200) : undefined;
  const ports = Array.isArray(body.ports)
    ? [...new Set(body.ports.filter((port): port is number => Number.isInteger(port) && port > 0 && port < 65536))].sort((left, right) => left - right).slice(0, 1000)
    : undefined;
  return {
    ports,
    hostnames: strings(body.hostnames, 50),
    vulnerabilities: vulnerabilities?.filter((id) => /^CVE-\d{4}-\d{4,}$/i.test(id)),
    tags: strings(body.tags, 50),
    organization: typeof body.org === 'string' ? body.org : undefined,
    isp: typeof body.isp === 'string' ? body.isp : undefined,
  };
}
