// Ban latency of the nftables backend: from block() to the element in the kernel set, persistent nft channel vs one nft per batch.
//
// Runs in a user+network namespace (never the host firewall). The kernel's own notification is the
// stop watch: `nft monitor` prints the element when the transaction commits, so nothing polls.
// Nothing passes or fails; the numbers go to stdout. Run: node --import tsx test/bench/ban-latency.ts
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { defaultConfig } from '../../helper/config/load.js';
import type { Config } from '../../helper/config/types.js';
import { createNftablesBackend } from '../../helper/firewall/nftables.js';
import { createNetworkNamespace, type NetworkNamespace } from '../support/namespace.js';

const NAMES: Config['nftables'] = defaultConfig().nftables;

export interface LatencySummary {
  readonly mode: string;
  readonly bans: number;
  /** Milliseconds from block() to the kernel's notification of the element. */
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function quantile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/** Watches `nft monitor` and resolves when a timed element for `address` is announced. */
function monitor(ns: NetworkNamespace): { seen: (address: string) => Promise<number>; stop: () => void } {
  const child = ns.spawn(['nft', 'monitor'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const waiting = new Map<string, (at: number) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const at = performance.now();
    // Our block is add, delete, add-with-timeout in one transaction: the last one is the ban.
    const match = /^add element inet \S+ \S+ \{ (\S+) timeout/.exec(line);
    if (match === null) return;
    waiting.get(match[1]!)?.(at);
    waiting.delete(match[1]!);
  });
  return {
    seen: (address) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nft monitor did not show ${address} within 5 s`)), 5000);
        waiting.set(address, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      }),
    stop: () => child.kill('SIGKILL'),
  };
}

async function measure(ns: NetworkNamespace, mode: 'persistent nft -i' | 'one nft -f - per batch', bans: number, base: number): Promise<LatencySummary> {
  const backend = createNftablesBackend({ names: NAMES, nft: ns.nft, persistent: mode === 'persistent nft -i', onError: (error) => console.log(`  ${mode}: ${error.message}`) });
  // The monitor learns the sets when it starts: started before init, it would not name their elements.
  await backend.init();
  const watch = monitor(ns);
  try {
    // The monitor is listening once it reports a first ban; those bans (and the channel's start) are not counted.
    for (let attempt = 0; ; attempt++) {
      const address = `10.99.${base}.${attempt}`;
      const seen = watch.seen(address);
      await backend.block([{ address, family: 4, seconds: 3600 }]);
      if (await seen.then(() => true, () => false)) break;
    }
    const latencies: number[] = [];
    for (let index = 1; index <= bans; index++) {
      const address = `10.${base}.${index >> 8}.${index & 255}`;
      const seen = watch.seen(address);
      const start = performance.now();
      await backend.block([{ address, family: 4, seconds: 3600 }]);
      latencies.push((await seen) - start);
      // Spaced out, as independent attacks are: each ban pays its own way.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    latencies.sort((left, right) => left - right);
    return { mode, bans, medianMs: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), maxMs: latencies[latencies.length - 1]! };
  } finally {
    watch.stop();
    await backend.close();
  }
}

export async function measureBanLatency(bans = Number(process.env.C2B_BENCH_BANS ?? 200)): Promise<LatencySummary[]> {
  const ns = await createNetworkNamespace();
  try {
    const results: LatencySummary[] = [];
    // Alternated twice so that a noisy moment on a shared machine hits both modes alike.
    for (const round of [0, 1]) {
      results.push(await measure(ns, 'persistent nft -i', bans, 10 + round));
      results.push(await measure(ns, 'one nft -f - per batch', bans, 20 + round));
    }
    return results;
  } finally {
    await ns.dispose();
  }
}

async function main(): Promise<void> {
  console.log('Ban latency (block() to the element announced by nft monitor), nftables backend:');
  const results = await measureBanLatency();
  for (const result of results) {
    console.log(`  ${result.mode.padEnd(24)} ${String(result.bans).padStart(4)} bans  median ${result.medianMs.toFixed(2).padStart(6)} ms  p99 ${result.p99Ms.toFixed(2).padStart(6)} ms  max ${result.maxMs.toFixed(2).padStart(6)} ms`);
  }
  const persistent = results.filter((result) => result.mode.startsWith('persistent'));
  const oneShot = results.filter((result) => result.mode.startsWith('one'));
  const ratio = (pick: (result: LatencySummary) => number) =>
    (oneShot.reduce((sum, result) => sum + pick(result), 0) / persistent.reduce((sum, result) => sum + pick(result), 0)).toFixed(1);
  console.log(`  one process per batch / persistent channel: median ${ratio((result) => result.medianMs)}x, p99 ${ratio((result) => result.p99Ms)}x (goal: p99 under 5 ms)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
