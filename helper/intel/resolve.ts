// Host names of intel servers resolved with c-ares (dns.Resolver), not getaddrinfo: getaddrinfo runs
// on libuv's small thread pool, cannot be cancelled, and a resolver that never answers would hold
// those threads for tens of seconds while the log sources need them to read files.
import { promises as dns, type LookupAddress, type LookupOneOptions, type LookupAllOptions } from 'node:dns';
import { isIP } from 'node:net';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

const resolver = new dns.Resolver({ timeout: 2000, tries: 2 });

async function addresses(hostname: string): Promise<LookupAddress[]> {
  if (isIP(hostname) !== 0) return [{ address: hostname, family: isIP(hostname) }];
  if (hostname === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
  const found: LookupAddress[] = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
  ];
  if (found.length === 0) {
    const reason = v4.status === 'rejected' ? (v4.reason as NodeJS.ErrnoException) : null;
    const error: NodeJS.ErrnoException = new Error(`cannot resolve ${hostname}: ${reason?.code ?? 'no address'}`);
    error.code = reason?.code ?? 'ENOTFOUND';
    throw error;
  }
  return found;
}

/** A `lookup` for net.connect and http(s).request that answers from c-ares. */
export function lookup(hostname: string, options: LookupOneOptions | LookupAllOptions | number, callback: LookupCallback): void {
  const all = typeof options === 'object' && options.all === true;
  const family = typeof options === 'number' ? options : options.family;
  addresses(hostname).then(
    (found) => {
      const wanted = family === 4 || family === 6 ? found.filter((entry) => entry.family === family) : found;
      if (wanted.length === 0) {
        const error: NodeJS.ErrnoException = new Error(`${hostname} has no IPv${family} address`);
        error.code = 'ENOTFOUND';
        callback(error, all ? [] : '', 0);
      } else if (all) callback(null, wanted);
      else callback(null, wanted[0]!.address, wanted[0]!.family);
    },
    (error: NodeJS.ErrnoException) => callback(error, all ? [] : '', 0),
  );
}
