// A firewall that keeps its blocks in memory, like a kernel set with timeouts, and records every call.
// For the pipeline's bookkeeping tests; the nftables backend itself is tested against real nft.
import type { Network } from '../../helper/core/address.js';
import type { BlockedEntry, BlockRequest, FirewallBackend } from '../../helper/firewall/backend.js';
import { FirewallError } from '../../helper/firewall/backend.js';

export interface MemoryFirewall extends FirewallBackend {
  /** Address -> seconds left (0 = permanent). */
  readonly blocked: Map<string, BlockedEntry>;
  readonly calls: string[];
  allowed: readonly string[];
  /** While true every call fails as nft would when it is missing. */
  failing: boolean;
}

export function createMemoryFirewall(initial: readonly BlockedEntry[] = []): MemoryFirewall {
  const firewall: MemoryFirewall = {
    name: 'memory',
    blocked: new Map(initial.map((entry) => [entry.address, entry])),
    calls: [],
    allowed: [],
    failing: false,
    async init() {
      check('init');
    },
    async block(requests: readonly BlockRequest[]) {
      check(`block ${requests.map((request) => request.address).join(',')}`);
      for (const request of requests) firewall.blocked.set(request.address, { ...request });
    },
    async release(addresses) {
      check(`release ${addresses.map((entry) => entry.address).join(',')}`);
      for (const { address } of addresses) firewall.blocked.delete(address);
    },
    async list() {
      check('list');
      return [...firewall.blocked.values()];
    },
    async allow(networks: readonly Network[]) {
      check('allow');
      firewall.allowed = networks.map((network) => network.text);
    },
    async flush() {
      check('flush');
      firewall.blocked.clear();
    },
    async close() {},
  };
  function check(call: string): void {
    if (firewall.failing) throw new FirewallError('nft -f -', 'nft: command not found', 127);
    firewall.calls.push(call);
  }
  return firewall;
}
