// The dry-run backend: changes nothing, says what it would do.
import type { BlockRequest, FirewallBackend } from './backend.js';

export function createNullBackend(say: (message: string, fields: Record<string, string | number>) => void): FirewallBackend {
  return {
    name: 'null',
    async init() {
      say('dry run: the firewall is not touched', {});
    },
    async block(requests: readonly BlockRequest[]) {
      for (const request of requests) {
        say('dry run: would block', { address: request.address, seconds: request.seconds });
      }
    },
    async release(addresses) {
      for (const { address } of addresses) say('dry run: would release', { address });
    },
    // Nothing is ever blocked, so at start-up every active ban of the database is "restored" (logged).
    async list() {
      return [];
    },
    async allow(networks) {
      if (networks.length > 0) say('dry run: would accept whitelisted networks first', { networks: networks.map((network) => network.text).join(',') });
    },
    async flush() {
      say('dry run: would flush every block', {});
    },
    async close() {},
  };
}
