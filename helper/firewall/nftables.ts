// The nftables backend: one table of its own (inet <tableName>) with accept and drop sets and the chains that use them.
//
// Layout (architecture.md, "nftables layout"): interval sets of whitelisted networks, timeout sets
// of blocked addresses, an input chain (and a forward chain for containers' published ports) that
// accepts the whitelist first and drops the blocked sets next. Nothing outside the table is touched.
//
// Bans and releases travel through a persistent `nft -i` channel and fall back to one `nft -f -`
// per transaction when the channel is gone (measured: a ban reaches the kernel in ~0.7 ms instead of
// ~5 ms, and block() returns in ~0.5 ms instead of ~17 ms, as an nft that deleted elements is slow
// to exit); everything else runs `nft -f -`. Operations run one at a time, in call order.
import { NFT_NAME } from '../config/document.js';
import type { Config } from '../config/types.js';
import { networkContains, parseAddress, parseNetwork, type Family, type Network } from '../core/address.js';
import { FirewallError, type BlockedEntry, type BlockRequest, type FirewallBackend } from './backend.js';
import { NftChannel, NftChannelLost, runNft, runNftJson } from './nft-process.js';

export interface NftablesBackendOptions {
  readonly names: Config['nftables'];
  /** Command that runs nft (default ["nft"]); tests put nsenter in front to reach a namespace. */
  readonly nft?: readonly string[];
  /** Problems that did not fail an operation (the channel died and one process per batch took over). */
  readonly onError?: (error: FirewallError) => void;
  /** false: one nft process per transaction, never the persistent channel (benchmarks compare both). */
  readonly persistent?: boolean;
}

/**
 * Element operations per transaction. In a user namespace nft cannot raise its netlink buffer
 * (SO_SNDBUFFORCE needs init-namespace privilege), so a batch above ~200 kB fails with "Message
 * too long": measured, 6,000 IPv6 operations with timeouts fit and 7,500 do not. Bans are
 * independent of each other, so a larger batch is split; one address never spans two transactions.
 */
const OPERATIONS_PER_TRANSACTION = 3000;
/** Batches from this size on list the blocked sets first (see block()). */
const LIST_FIRST_THRESHOLD = 1000;
/**
 * nft -i reads its input through libedit one byte per read(): ~0.4 µs a byte, so past ~16 kB a
 * fresh `nft -f -` (which reads in blocks) is as fast, and the history stays small.
 */
const CHANNEL_LINE_LIMIT = 16_384;
const CHANNEL_BACKOFF_FIRST_MS = 1000;
const CHANNEL_BACKOFF_LAST_MS = 60_000;

interface Element {
  readonly text: string;
  readonly family: Family;
}

function element(address: string): Element {
  // Addresses arrive validated; parsing again keeps anything but an address out of nft's parser.
  const parsed = parseAddress(address);
  if (parsed === null) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  return { text: parsed.text, family: parsed.family };
}

/** nft's number parser refuses large plain values ("100000000s"), so durations are written as 1d2h3m4s. */
export function nftDuration(seconds: number): string {
  let rest = Math.ceil(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  return parts.join('');
}

/** Splits items into runs whose summed cost stays within the limit (an item heavier than the limit goes alone). */
function chunks<T>(items: readonly T[], cost: (item: T) => number, limit: number): T[][] {
  const result: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const item of items) {
    const weight = cost(item);
    if (current.length > 0 && total + weight > limit) {
      result.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += weight;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/**
 * Drops networks inside another one: nft refuses overlapping intervals in one set. CIDR networks
 * either nest or are disjoint, so after sorting by first address (wider first) a network overlaps
 * an earlier one only if the last one kept contains it.
 */
export function mergeNetworks(networks: readonly Network[]): Network[] {
  const sorted = [...networks].sort((left, right) => {
    if (left.family !== right.family) return left.family - right.family;
    for (let index = 0; index < left.bytes.length; index++) {
      const difference = left.bytes[index]! - right.bytes[index]!;
      if (difference !== 0) return difference;
    }
    return left.prefix - right.prefix;
  });
  const kept: Network[] = [];
  for (const network of sorted) {
    const last = kept[kept.length - 1];
    if (last !== undefined && last.family === network.family && last.prefix <= network.prefix && networkContains(last, { text: network.text, family: network.family, bytes: network.bytes })) continue;
    kept.push(network);
  }
  return kept;
}

function checkNames(names: Config['nftables']): void {
  const all = [names.tableName, names.chainName, names.forwardChainName, names.setV4, names.setV6, names.allowSetV4, names.allowSetV6];
  for (const name of all) {
    if (!NFT_NAME.test(name)) throw new Error(`[nftables] name ${JSON.stringify(name)} is not a valid nft name (letters, digits, _; starting with a letter)`);
  }
  const sets = [names.setV4, names.setV6, names.allowSetV4, names.allowSetV6];
  if (new Set(sets).size !== sets.length) throw new Error(`[nftables] the four set names must differ, got ${sets.join(', ')}`);
  if (names.chainName === names.forwardChainName) throw new Error(`[nftables] chain_name and forward_chain_name must differ, both are "${names.chainName}"`);
}

interface JsonSet {
  readonly family?: string;
  readonly table?: string;
  readonly name?: string;
  readonly elem?: unknown[];
}

/** One element of `nft -j` set output: "1.2.3.4", or {"elem": {"val": "1.2.3.4", "timeout": 60, "expires": 59}}. */
function blockedEntry(item: unknown, family: Family): BlockedEntry | null {
  let value: unknown = item;
  let timeout: unknown;
  let expires: unknown;
  if (typeof item === 'object' && item !== null && 'elem' in item) {
    const inner = (item as { elem: { val?: unknown; timeout?: unknown; expires?: unknown } }).elem;
    value = inner.val;
    timeout = inner.timeout;
    expires = inner.expires;
  }
  if (typeof value !== 'string') return null;
  const parsed = parseAddress(value);
  if (parsed === null || parsed.family !== family) return null;
  let seconds = 0;
  if (typeof timeout === 'number' && timeout > 0) {
    // nft rounds down to whole seconds: under a second left still is a timed block, not a permanent one.
    seconds = Math.max(1, typeof expires === 'number' ? expires : timeout);
  }
  return { address: parsed.text, family, seconds };
}

export function createNftablesBackend(options: NftablesBackendOptions): FirewallBackend {
  const names = options.names;
  checkNames(names);
  const nft = options.nft ?? ['nft'];
  const persistent = options.persistent ?? true;
  const table = `inet ${names.tableName}`;
  const blockedSet = (family: Family) => (family === 4 ? names.setV4 : names.setV6);

  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  let channel: NftChannel | null = null;
  const retiring = new Set<Promise<void>>();
  let channelRetryAt = 0;
  let channelBackoffMs = CHANNEL_BACKOFF_FIRST_MS;

  /** Runs operations one at a time, so a release never overtakes the block it undoes. */
  function serially<T>(job: () => Promise<T>): Promise<T> {
    const run = queue.then(job, job);
    queue = run.catch(() => {});
    return run;
  }

  function report(error: FirewallError): void {
    try {
      options.onError?.(error);
    } catch {
      // A reporting callback that throws must not turn a handled problem into a failed ban.
    }
  }

  function retire(old: NftChannel): void {
    const closing: Promise<void> = old.close().finally(() => retiring.delete(closing));
    retiring.add(closing);
  }

  function channelLost(lost: NftChannel, error: NftChannelLost): void {
    if (channel === lost) channel = null;
    retire(lost);
    channelRetryAt = Date.now() + channelBackoffMs;
    report(new FirewallError(`${nft.join(' ')} -i`, `${error.message}; one nft process per batch until it can be restarted (in ${channelBackoffMs / 1000} s)`, null));
    channelBackoffMs = Math.min(channelBackoffMs * 2, CHANNEL_BACKOFF_LAST_MS);
  }

  /** A fresh channel that loads nft (and its libraries) now rather than on the first ban. */
  function openChannel(): NftChannel {
    const opened = new NftChannel(nft);
    // An empty line: nft does nothing and answers with the marker. A failure shows on the next use.
    opened.execute('').catch(() => {});
    return opened;
  }

  /** The channel to use now, or null while it is backing off after a failure. */
  function usableChannel(): NftChannel | null {
    if (!persistent || closed) return null;
    if (channel !== null && !channel.usable) channelLost(channel, channel.lostError!);
    if (channel === null && Date.now() >= channelRetryAt) channel = openChannel();
    return channel;
  }

  /** One transaction: through the channel when there is one, else (or if it dies meanwhile) one nft process. */
  async function transact(commands: readonly string[]): Promise<void> {
    const line = commands.join('; ');
    const current = line.length <= CHANNEL_LINE_LIMIT ? usableChannel() : null;
    if (current !== null) {
      try {
        await current.execute(line);
        channelBackoffMs = CHANNEL_BACKOFF_FIRST_MS;
        if (current.worn && channel === current) {
          retire(current);
          channel = openChannel();
        }
        return;
      } catch (error) {
        if (!(error instanceof NftChannelLost)) throw error;
        // The line may or may not have been applied; every transaction here is idempotent, so run it again.
        channelLost(current, error);
      }
    }
    await runNft(nft, ['-f', '-'], { input: `${commands.join('\n')}\n` });
  }

  /** Whether our table exists: told apart from other failures when listing or flushing. */
  async function tableExists(): Promise<boolean> {
    const output = (await runNftJson(nft, ['list', 'tables'])) as { nftables?: { table?: { family?: string; name?: string } }[] };
    return (output.nftables ?? []).some((item) => item.table?.family === 'inet' && item.table.name === names.tableName);
  }

  /** What the blocked sets hold; nothing when there is no table yet. */
  async function readBlocked(): Promise<BlockedEntry[]> {
    let parsed: { nftables?: { set?: JsonSet }[] };
    try {
      parsed = (await runNftJson(nft, ['list', 'table', 'inet', names.tableName])) as typeof parsed;
    } catch (error) {
      if (error instanceof FirewallError && !(await tableExists().catch(() => true))) return [];
      throw error;
    }
    const entries: BlockedEntry[] = [];
    for (const item of parsed.nftables ?? []) {
      const set = item.set;
      if (set === undefined || set.family !== 'inet' || set.table !== names.tableName) continue;
      const family = set.name === names.setV4 ? 4 : set.name === names.setV6 ? 6 : null;
      if (family === null) continue;
      for (const member of set.elem ?? []) {
        const entry = blockedEntry(member, family);
        if (entry !== null) entries.push(entry);
      }
    }
    return entries;
  }

  function chainCommands(chain: string, hook: 'input' | 'forward'): string[] {
    return [
      // Created bare if missing, then emptied, deleted and made anew in the same transaction: the
      // new chain replaces the old at commit, so hook, priority and rules are exactly ours even
      // when an older configuration used another priority (which "add chain" cannot change).
      `add chain ${table} ${chain}`,
      `flush chain ${table} ${chain}`,
      `delete chain ${table} ${chain}`,
      `add chain ${table} ${chain} { type filter hook ${hook} priority ${names.priority}; policy accept; }`,
      `add rule ${table} ${chain} ip saddr @${names.allowSetV4} accept`,
      `add rule ${table} ${chain} ip6 saddr @${names.allowSetV6} accept`,
      `add rule ${table} ${chain} ip saddr @${names.setV4} drop`,
      `add rule ${table} ${chain} ip6 saddr @${names.setV6} drop`,
    ];
  }

  return {
    name: 'nftables',

    init: () =>
      serially(async () => {
        const commands = [
          `add table ${table}`,
          // "add set" keeps an existing set and its elements: a restart never opens a hole.
          `add set ${table} ${names.allowSetV4} { type ipv4_addr; flags interval; }`,
          `add set ${table} ${names.allowSetV6} { type ipv6_addr; flags interval; }`,
          `add set ${table} ${names.setV4} { type ipv4_addr; flags timeout; }`,
          `add set ${table} ${names.setV6} { type ipv6_addr; flags timeout; }`,
          ...chainCommands(names.chainName, 'input'),
          ...(names.forward
            ? chainCommands(names.forwardChainName, 'forward')
            : [`add chain ${table} ${names.forwardChainName}`, `flush chain ${table} ${names.forwardChainName}`, `delete chain ${table} ${names.forwardChainName}`]),
        ];
        try {
          await runNft(nft, ['-f', '-'], { input: `${commands.join('\n')}\n` });
        } catch (error) {
          if (error instanceof FirewallError && /File exists/.test(error.output)) {
            throw new FirewallError(error.command, `${error.output.trim()}\n(a set of table ${table} exists with another type or flags; "nft delete table ${table}" lets the helper create it anew, dropping its blocks)`, error.code);
          }
          throw error;
        }
        usableChannel();
      }),

    block: (requests: readonly BlockRequest[]) => {
      let unique: { element: Element; seconds: number }[];
      try {
        // The last request for an address wins; nft would refuse the same element twice in one command.
        const byAddress = new Map<string, { element: Element; seconds: number }>();
        for (const request of requests) {
          if (!Number.isFinite(request.seconds) || request.seconds < 0) {
            throw new TypeError(`block ${request.address}: seconds must be 0 (permanent) or more, got ${request.seconds}`);
          }
          const parsed = element(request.address);
          byAddress.delete(parsed.text);
          byAddress.set(parsed.text, { element: parsed, seconds: request.seconds });
        }
        unique = [...byAddress.values()];
      } catch (error) {
        return Promise.reject(error);
      }
      return serially(async () => {
        // A large batch (a restore after a reboot) first asks which addresses are there: absent
        // ones need one plain add instead of three operations, about four times faster. Listing
        // costs ~8 ms per 1,000 blocked addresses, so small batches skip it and use three for all.
        let present: Set<string> | null = null;
        if (unique.length >= LIST_FIRST_THRESHOLD) {
          // Unlistable: every address takes the three operations, which are right either way.
          const listed = await readBlocked().catch(() => null);
          if (listed !== null) present = new Set(listed.map((entry) => entry.address));
        }
        const known = (entry: { element: Element }) => present === null || present.has(entry.element.text);
        const timed = (entries: readonly { element: Element; seconds: number }[]) =>
          entries.map((entry) => (entry.seconds > 0 ? `${entry.element.text} timeout ${nftDuration(entry.seconds)}` : entry.element.text)).join(', ');
        for (const chunk of chunks(unique, (entry) => (known(entry) ? 3 : 1), OPERATIONS_PER_TRANSACTION)) {
          const commands: string[] = [];
          for (const family of [4, 6] as const) {
            const set = `${table} ${blockedSet(family)}`;
            const members = chunk.filter((entry) => entry.element.family === family);
            // Listed as absent: a plain add. Should one appear meanwhile (only by hand: our own calls
            // run one at a time), it keeps its timeout on older kernels; nothing fails.
            const absent = members.filter((entry) => !known(entry));
            if (absent.length > 0) commands.push(`add element ${set} { ${timed(absent)} }`);
            const others = members.filter(known);
            if (others.length === 0) continue;
            const plain = others.map((entry) => entry.element.text).join(', ');
            // add, delete, add: the first add makes sure the element exists so the delete cannot fail
            // (even if it expired since it was listed), the delete drops its old timeout (older kernels
            // keep it on a plain add), the last add sets the new one. One transaction: never unblocked.
            commands.push(`add element ${set} { ${plain} }`, `delete element ${set} { ${plain} }`, `add element ${set} { ${timed(others)} }`);
          }
          await transact(commands);
        }
      });
    },

    release: (addresses) => {
      let unique: Element[];
      try {
        unique = [...new Map(addresses.map(({ address }) => element(address)).map((entry) => [entry.text, entry])).values()];
      } catch (error) {
        return Promise.reject(error);
      }
      return serially(async () => {
        for (const chunk of chunks(unique, () => 2, OPERATIONS_PER_TRANSACTION)) {
          const commands: string[] = [];
          for (const family of [4, 6] as const) {
            const members = chunk.filter((entry) => entry.family === family).map((entry) => entry.text).join(', ');
            if (members === '') continue;
            // Deleting a missing element fails the whole transaction (nft 1.0.6 has no "destroy"):
            // adding first makes every delete valid, and the pair leaves nothing behind.
            commands.push(`add element ${table} ${blockedSet(family)} { ${members} }`, `delete element ${table} ${blockedSet(family)} { ${members} }`);
          }
          await transact(commands);
        }
      });
    },

    list: () => serially(readBlocked),

    allow: (networks: readonly Network[]) => {
      let merged: Network[];
      try {
        merged = mergeNetworks(
          networks.map((network) => {
            const parsed = parseNetwork(network.text);
            if (parsed === null) throw new TypeError(`not an IP network: ${JSON.stringify(network.text)}`);
            return parsed;
          }),
        );
      } catch (error) {
        return Promise.reject(error);
      }
      return serially(async () => {
        // Flush and refill in one transaction: the whitelist is never empty in between.
        const commands = [`flush set ${table} ${names.allowSetV4}`, `flush set ${table} ${names.allowSetV6}`];
        for (const family of [4, 6] as const) {
          const members = merged.filter((network) => network.family === family).map((network) => network.text);
          if (members.length > 0) commands.push(`add element ${table} ${family === 4 ? names.allowSetV4 : names.allowSetV6} { ${members.join(', ')} }`);
        }
        await runNft(nft, ['-f', '-'], { input: `${commands.join('\n')}\n` });
      });
    },

    flush: () =>
      serially(async () => {
        try {
          await runNft(nft, ['-f', '-'], { input: `flush set ${table} ${names.setV4}\nflush set ${table} ${names.setV6}\n` });
        } catch (error) {
          // No table, nothing blocked: flushing before any init is not an error.
          if (error instanceof FirewallError && !(await tableExists().catch(() => true))) return;
          throw error;
        }
      }),

    close: async () => {
      closed = true;
      await queue;
      if (channel !== null) retire(channel);
      channel = null;
      await Promise.all([...retiring]);
    },
  };
}
