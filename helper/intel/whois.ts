// Port-43 WHOIS (RFC 3912), the fallback when RDAP fails: ask IANA (or the configured server), follow
// its referral to the registry, and ARIN's referral on to whoever it delegated the range to.
import { connect } from 'node:net';
import type { Address } from '../core/address.js';
import { lookup } from './resolve.js';
import { SourceError } from './http.js';
import { parseWhoisText, referralOf, REGISTRY_WHOIS_SERVERS, type WhoisFacts } from './whois-facts.js';

const MAX_ANSWER_BYTES = 256 * 1024;
const MAX_REFERRALS = 3;

/** "host" or "host:port" (IPv6 literals as "[::1]:43"). */
function splitServer(server: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(server);
  if (bracketed !== null) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 43) };
  const [host, port] = server.split(':');
  return { host: host!, port: port === undefined ? 43 : Number(port) };
}

/** One query: send a line, read until the server closes, within the signal's deadline. */
export function whoisQuery(server: string, query: string, signal: AbortSignal): Promise<string> {
  const { host, port } = splitServer(server);
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new SourceError(`whois ${server}: no answer in time`, 'timeout'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const socket = connect({ host, port, lookup });
    const onAbort = () => {
      socket.destroy();
      reject(new SourceError(`whois ${server}: no answer in time`, 'timeout'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (error: SourceError | null) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error !== null) reject(error);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    socket.on('connect', () => socket.write(`${query}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) finish(new SourceError(`whois ${server}: answer larger than ${MAX_ANSWER_BYTES} bytes`, 'malformed'));
      else chunks.push(chunk);
    });
    socket.on('end', () => finish(null));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(new SourceError(`whois ${server}: ${error.code ?? error.message}`, 'network')));
  });
}

/** ARIN answers a bare address with a summary; "n + address" asks for the network with its details. */
const queryFor = (server: string, address: Address) => (/(^|\.)arin\.net(:|$)/i.test(server) ? `n + ${address.text}` : address.text);

/**
 * Whether to follow a referral. A referral is written by whoever answers (and ARIN's by whoever holds
 * the block), so the root helper goes only to the registries' own servers on port 43, or to the host
 * the admin configured (a local mirror, the tests' loopback servers) on any port.
 */
function mayFollow(target: string, configured: string): boolean {
  const { host, port } = splitServer(target);
  if (host.toLowerCase() === splitServer(configured).host.toLowerCase()) return true;
  return port === 43 && REGISTRY_WHOIS_SERVERS.has(host.toLowerCase());
}

/**
 * Asks `server` (whois.iana.org by default) and follows referrals. The facts come from the last
 * answer that names a network; throws SourceError when none does.
 */
export async function whoisLookup(address: Address, options: { readonly server: string; readonly signal: AbortSignal }): Promise<WhoisFacts> {
  let server = options.server;
  const visited = new Set<string>();
  let best: WhoisFacts | null = null;
  for (let hop = 0; hop <= MAX_REFERRALS; hop++) {
    visited.add(server.toLowerCase());
    const answer = await whoisQuery(server, queryFor(server, address), options.signal);
    const facts = parseWhoisText(answer, server);
    if (facts.networkRange !== undefined || facts.organization !== undefined) best = facts;
    // The first server (IANA) refers to a registry; after that only ARIN refers on, for space it
    // handed to another registry. Nobody else's referral is followed.
    const next = hop === 0 ? referralOf(answer, 'iana') : facts.registry === 'ARIN' ? referralOf(answer, 'arin') : null;
    if (next === null || visited.has(next.toLowerCase()) || !mayFollow(next, options.server)) break;
    server = next;
  }
  if (best === null) throw new SourceError(`whois ${server}: the answer names no network for ${address.text}`, 'malformed');
  return best;
}
