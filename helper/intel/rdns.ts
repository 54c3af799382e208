// Reverse DNS: the PTR name of an address, and whether it is forward-confirmed (the name resolves
// back to the address). An unconfirmed name is only what the address's owner claims: anyone who
// holds a reverse zone can write "mail.google.com" into it.
import { promises as dns } from 'node:dns';
import { parseAddress, type Address } from '../core/address.js';
import { SourceError } from './http.js';

export interface ReverseDnsFacts {
  hostname?: string;
  confirmed?: boolean;
}

/** 4.3.2.1.in-addr.arpa, or the 32 nibbles of ip6.arpa. */
export function reverseName(address: Address): string {
  if (address.family === 4) return `${[...address.bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const byte of address.bytes) nibbles.push((byte >> 4).toString(16), (byte & 15).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

const HOSTNAME = /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;
/** Answers that mean "no such name", not a failure to retry. */
const NO_NAME = new Set([dns.NOTFOUND, dns.NODATA, 'ENOTFOUND', 'ENODATA']);

/**
 * Looks the address up with its own resolver (the system's, or `servers`), cancelled when the signal
 * fires. A missing PTR is a fact ({}), a timeout or server failure is a SourceError.
 */
export async function reverseLookup(address: Address, options: { readonly servers: readonly string[]; readonly signal: AbortSignal }): Promise<ReverseDnsFacts> {
  const resolver = new dns.Resolver({ timeout: 2000, tries: 2 });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  const onAbort = () => resolver.cancel();
  options.signal.addEventListener('abort', onAbort, { once: true });
  const failure = (error: unknown, what: string) => {
    if (options.signal.aborted) return new SourceError(`reverse DNS: no answer in time for ${what}`, 'timeout');
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return new SourceError(`reverse DNS: ${code} for ${what}`, code === dns.TIMEOUT ? 'timeout' : 'network');
  };
  try {
    let names: string[];
    try {
      // resolvePtr, not reverse(): reverse() reports a resolver that never answers as ENOTFOUND,
      // which would record "no name" instead of a failure to retry.
      names = await resolver.resolvePtr(reverseName(address));
    } catch (error) {
      if (NO_NAME.has((error as NodeJS.ErrnoException).code ?? '')) return {};
      throw failure(error, address.text);
    }
    const hostname = names.map((name) => name.replace(/\.$/, '').toLowerCase()).find((name) => HOSTNAME.test(name));
    if (hostname === undefined) return {};
    let forward: string[];
    try {
      forward = address.family === 4 ? await resolver.resolve4(hostname) : await resolver.resolve6(hostname);
    } catch (error) {
      if (NO_NAME.has((error as NodeJS.ErrnoException).code ?? '')) return { hostname, confirmed: false };
      throw failure(error, hostname);
    }
    const confirmed = forward.some((text) => parseAddress(text)?.text === address.text);
    return { hostname, confirmed };
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}
