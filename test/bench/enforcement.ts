// npm run bench, enforcement part: ban latency end to end (line appended -> element in the kernel set)
// for croissant2ban, sshguard and fail2ban in the same run, start-up restore of 100,000 bans, and a burst of
// 10,000 attackers. Everything runs in user+network namespaces of our own; nothing passes or fails.
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Store } from '../../helper/store/store.js';
import { createNetworkNamespace, type NetworkNamespace } from '../support/namespace.js';
import { helperCommand, temporaryDirectory } from '../support/paths.js';
import { syslogStamp } from '../support/syslog.js';

/** Bans measured per tool, after one warm-up ban whose (cold) latency is reported on its own. */
const BANS = 100;
/** fail2ban polls once a second: fewer bans keep the run short (still over the 50 the issue asks for). */
const FAIL2BAN_BANS = 50;
const RESTORE_BANS = Number(process.env.C2B_BENCH_RESTORE ?? 100_000);
const BURST_ATTACKERS = Number(process.env.C2B_BENCH_BURST ?? 10_000);
const SSHGUARD = '/usr/libexec/sshguard';

function failureLine(address: string, index: number): string {
  return `${syslogStamp(Date.now())} bench sshd[${20_000 + index}]: Failed password for invalid user admin from ${address} port ${40_000 + (index % 20_000)} ssh2\n`;
}

export function quantile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/** Times each element's arrival in the kernel as `nft monitor` announces it (no polling). */
function watchKernel(namespace: NetworkNamespace): { arrival: (address: string) => Promise<number>; stop: () => void } {
  const child = namespace.spawn(['nft', 'monitor'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const waiting = new Map<string, (at: number) => void>();
  const seen = new Map<string, number>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const at = performance.now();
    const match = /^add element .*\{ ([0-9a-fA-F.:]+)/.exec(line);
    if (match === null || seen.has(match[1]!)) return;
    seen.set(match[1]!, at);
    waiting.get(match[1]!)?.(at);
  });
  return {
    arrival: (address) => {
      const already = seen.get(address);
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${address} never reached the kernel`)), 20_000);
        waiting.set(address, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    },
    stop: () => child.kill('SIGKILL'),
  };
}

export interface Latency {
  readonly name: string;
  /** The first ban: cold code paths, first database write, first nft line. */
  readonly firstMs: number;
  readonly samples: number[];
}

/**
 * Appends one crossing line per address and measures until the kernel has the address. The first
 * (warm-up) ban is waited for by listing the ruleset, because some tools create their table only
 * then and `nft monitor` reports elements only of tables that existed when it started.
 */
export async function measureLatency(
  name: string,
  namespace: NetworkNamespace,
  log: string,
  prefix: string,
  options: { bans?: number; randomGapMs?: number } = {},
): Promise<Latency> {
  const bans = options.bans ?? BANS;
  const warmUp = `${prefix}.250`;
  const warmUpStarted = performance.now();
  appendFileSync(log, failureLine(warmUp, 0));
  for (;;) {
    if ((await namespace.run(['nft', 'list', 'ruleset'])).stdout.includes(warmUp)) break;
    if (performance.now() - warmUpStarted > 20_000) throw new Error(`${name}: the warm-up ban never reached the kernel`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const firstMs = performance.now() - warmUpStarted;
  const watcher = watchKernel(namespace);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const samples: number[] = [];
  try {
    for (let index = 1; index <= bans; index++) {
      const address = `${prefix}.${index}`;
      const arrival = watcher.arrival(address);
      const started = performance.now();
      appendFileSync(log, failureLine(address, index));
      samples.push((await arrival) - started);
      // A random gap, so a tool that polls is met at every point of its cycle, as real lines meet it.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * (options.randomGapMs ?? 0)));
    }
  } finally {
    watcher.stop();
  }
  if (process.env.C2B_BENCH_VERBOSE) console.log(`  ${name} in order: ${samples.map((sample) => sample.toFixed(1)).join(' ')}`);
  return { name, firstMs, samples: samples.sort((left, right) => left - right) };
}

function helperConfig(directory: string, log: string, maxFailures: number): string {
  const path = join(directory, 'config.toml');
  writeFileSync(
    path,
    `[general]\ndb_path = "${join(directory, 'state.db')}"\n` +
      `[services.ssh]\nlog_path = "${log}"\nmax_failures = ${maxFailures}\nban_time = 3600\n`,
  );
  return path;
}

export async function startHelper(namespace: NetworkNamespace, config: string) {
  const [node, ...script] = helperCommand('daemon/main');
  const started = performance.now();
  const child = namespace.spawn([node!, ...script, '-f', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('msg=started')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`the helper exited: ${output}`));
      }
    }, 5);
  });
  return { child, startSeconds: (performance.now() - started) / 1000, output: () => output };
}

export async function stop(child: { kill: (signal: NodeJS.Signals) => boolean; exitCode: number | null; once: (event: 'exit', listener: () => void) => unknown }) {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function countBlocked(namespace: NetworkNamespace): Promise<number> {
  let total = 0;
  for (const set of ['blocked_v4', 'blocked_v6']) {
    const listed = await namespace.check(['nft', '-j', 'list', 'set', 'inet', 'croissant2ban', set], { timeoutMs: 60_000 });
    const document = JSON.parse(listed) as { nftables: { set?: { elem?: unknown[] } }[] };
    total += document.nftables.find((entry) => entry.set)?.set?.elem?.length ?? 0;
  }
  return total;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function latencyOfHelper(): Promise<Latency> {
  const namespace = await createNetworkNamespace();
  const directory = temporaryDirectory('c2b-bench-latency-');
  try {
    const log = join(directory.path, 'auth.log');
    writeFileSync(log, '');
    const helper = await startHelper(namespace, helperConfig(directory.path, log, 1));
    try {
      return await measureLatency('croissant2ban (nftables, persistent nft)', namespace, log, '198.51.100', { randomGapMs: 30 });
    } finally {
      await stop(helper.child);
    }
  } finally {
    await namespace.dispose();
    directory.dispose();
  }
}

/** sshguard as its own driver wires it: logtail | parser | blocker | nft-sets backend, one failure to block. */
async function latencyOfSshguard(): Promise<Latency | null> {
  if (!existsSync(`${SSHGUARD}/sshg-fw-nft-sets`)) return null;
  const namespace = await createNetworkNamespace();
  const directory = temporaryDirectory('c2b-bench-sshguard-');
  try {
    const log = join(directory.path, 'auth.log');
    writeFileSync(log, '');
    const pipeline = `${SSHGUARD}/sshg-logtail "$1" | ${SSHGUARD}/sshg-parser | ${SSHGUARD}/sshg-blocker -a 10 -p 3600 -s 1800 | ${SSHGUARD}/sshg-fw-nft-sets`;
    const child = namespace.spawn(['sh', '-c', pipeline, 'sshguard', log], { stdio: ['ignore', 'ignore', 'ignore'] });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      return await measureLatency('sshguard (sshg-fw-nft-sets)', namespace, log, '203.0.113', { randomGapMs: 30 });
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    await namespace.dispose();
    directory.dispose();
  }
}

/** Debian's fail2ban with its own jail: polling backend (Debian's default without pyinotify), nftables action, one failure to ban. */
async function latencyOfFail2ban(): Promise<Latency | null> {
  if (!existsSync('/usr/bin/fail2ban-client') || !existsSync('/etc/fail2ban/jail.conf')) return null;
  const namespace = await createNetworkNamespace();
  const directory = temporaryDirectory('c2b-bench-fail2ban-');
  try {
    const log = join(directory.path, 'auth.log');
    const configuration = join(directory.path, 'conf');
    writeFileSync(log, '');
    cpSync('/etc/fail2ban', configuration, { recursive: true });
    rmSync(join(configuration, 'jail.d'), { recursive: true, force: true });
    writeFileSync(
      join(configuration, 'fail2ban.local'),
      `[Definition]\nlogtarget = ${join(directory.path, 'fail2ban.log')}\nsocket = ${join(directory.path, 'fail2ban.sock')}\npidfile = ${join(directory.path, 'fail2ban.pid')}\ndbfile = :memory:\n`,
    );
    writeFileSync(
      join(configuration, 'jail.local'),
      `[DEFAULT]\nbackend = polling\nbanaction = nftables[type=allports]\nbanaction_allports = nftables[type=allports]\nignoreip =\n` +
        `[sshd]\nenabled = true\nlogpath = ${log}\nmaxretry = 1\nfindtime = 600\nbantime = 3600\n`,
    );
    const child = namespace.spawn(['fail2ban-client', '-c', configuration, '-f', 'start'], { stdio: ['ignore', 'ignore', 'ignore'] });
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(directory.path, 'fail2ban.sock')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    try {
      return await measureLatency('fail2ban (polling, nftables action)', namespace, log, '192.0.2', { bans: FAIL2BAN_BANS, randomGapMs: 1000 });
    } finally {
      child.kill('SIGTERM');
    }
  } finally {
    await namespace.dispose();
    directory.dispose();
  }
}

async function restore(): Promise<{ seconds: number; inKernel: number }> {
  const namespace = await createNetworkNamespace();
  const directory = temporaryDirectory('c2b-bench-restore-');
  try {
    const log = join(directory.path, 'auth.log');
    writeFileSync(log, '');
    const config = helperConfig(directory.path, log, 5);
    const store = new Store(join(directory.path, 'state.db'));
    const now = Date.now();
    const bans = Array.from({ length: RESTORE_BANS }, (_unused, index) => {
      const v6 = index % 2 === 1;
      const address = v6 ? `2001:db8:${(index >> 16).toString(16)}::${(index & 0xffff).toString(16)}` : `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
      return { address, family: (v6 ? 6 : 4) as 4 | 6, service: 'ssh', reason: 'bench', source: 'detector', failures: 5, bannedAt: now, expiresAt: now + 3_600_000 };
    });
    store.addBans(bans);
    store.close();
    const helper = await startHelper(namespace, config);
    try {
      if (process.env.C2B_BENCH_VERBOSE) console.log(helper.output());
      return { seconds: helper.startSeconds, inKernel: await countBlocked(namespace) };
    } finally {
      await stop(helper.child);
    }
  } finally {
    await namespace.dispose();
    directory.dispose();
  }
}

async function burst(): Promise<{ seconds: number; banned: number; peakRssMb: number; writeSeconds: number }> {
  const namespace = await createNetworkNamespace();
  const directory = temporaryDirectory('c2b-bench-burst-');
  try {
    const log = join(directory.path, 'auth.log');
    writeFileSync(log, '');
    const helper = await startHelper(namespace, helperConfig(directory.path, log, 2));
    try {
      const addresses = Array.from({ length: BURST_ATTACKERS }, (_unused, index) =>
        index % 4 === 3 ? `2001:db8:beef::${index.toString(16)}` : `172.${16 + ((index >> 16) & 15)}.${(index >> 8) & 255}.${index & 255}`,
      );
      const started = performance.now();
      // Both failures of every attacker within one second, in ten appends.
      for (let part = 0; part < 10; part++) {
        const slice = addresses.slice((part * addresses.length) / 10, ((part + 1) * addresses.length) / 10);
        appendFileSync(log, slice.map((address, index) => failureLine(address, index) + failureLine(address, index + 1)).join(''));
        await new Promise((resolve) => setTimeout(resolve, 90));
      }
      const writeSeconds = (performance.now() - started) / 1000;
      let banned = 0;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        banned = await countBlocked(namespace);
        if (banned >= BURST_ATTACKERS) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return { seconds: (performance.now() - started) / 1000, banned, peakRssMb: peakRssMb(helper.child.pid!), writeSeconds };
    } finally {
      await stop(helper.child);
    }
  } finally {
    await namespace.dispose();
    directory.dispose();
  }
}

function describe(latency: Latency): string {
  const { samples } = latency;
  return (
    `  ${latency.name.padEnd(42)} median ${quantile(samples, 0.5).toFixed(1).padStart(5)} ms   p99 ${quantile(samples, 0.99).toFixed(1).padStart(5)} ms` +
    `   max ${samples.at(-1)!.toFixed(1).padStart(5)} ms   (${samples.length} bans; the first, cold, timed by polling: ${latency.firstMs.toFixed(0)} ms)`
  );
}

export async function benchEnforcement(): Promise<void> {
  console.log(`\nBan latency: line appended -> element in the kernel set (nft monitor), ${BANS} bans each after a warm-up ban, same run:`);
  const ours = await latencyOfHelper();
  console.log(describe(ours));
  const sshguard = await latencyOfSshguard();
  if (sshguard) {
    console.log(describe(sshguard));
    console.log(`  ratio: sshguard median / ours = ${(quantile(sshguard.samples, 0.5) / quantile(ours.samples, 0.5)).toFixed(2)}x, p99 = ${(quantile(sshguard.samples, 0.99) / quantile(ours.samples, 0.99)).toFixed(2)}x`);
  } else {
    console.log('  sshguard: not installed (apt-get install sshguard) -- no ratio');
  }
  const fail2ban = await latencyOfFail2ban();
  if (fail2ban) {
    console.log(describe(fail2ban));
    console.log(`  ratio: fail2ban median / ours = ${(quantile(fail2ban.samples, 0.5) / quantile(ours.samples, 0.5)).toFixed(0)}x, p99 = ${(quantile(fail2ban.samples, 0.99) / quantile(ours.samples, 0.99)).toFixed(0)}x`);
  } else {
    console.log('  fail2ban: not installed (apt-get install fail2ban) -- no ratio');
  }

  const restored = await restore();
  console.log(`\nRestore: ${RESTORE_BANS} active bans in the database, helper start until all are in the kernel: ${restored.seconds.toFixed(2)} s (${restored.inKernel} elements in the kernel)`);

  const burstResult = await burst();
  console.log(
    `\nBurst: ${BURST_ATTACKERS} attackers crossing the threshold within ${burstResult.writeSeconds.toFixed(2)} s: ` +
      `${burstResult.banned} banned ${burstResult.seconds.toFixed(2)} s after the first line; helper peak RSS ${burstResult.peakRssMb.toFixed(0)} MB`,
  );
}
