// The API under 100,000 active bans: IsBanned and GetBans calls per second, how long detection
// waits for a ban while GetBans answers, and the CLI's time to print `list`. fail2ban's server
// with the same 100,000 bans answers the equivalent requests on its own socket in the same run.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonClient } from '../../helper/client/index.js';
import { Store } from '../../helper/store/store.js';
import { startHelperWithBus, type RunningHelper } from '../support/helper-with-bus.js';
import { helperCommand, temporaryDirectory } from '../support/paths.js';
import { sshFailures } from '../support/syslog.js';

const BANS = Number(process.env.C2B_BENCH_API_BANS ?? 100_000);
const SECONDS = 3;
const address = (index: number) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;

async function callsPerSecond(clients: readonly DaemonClient[], call: (client: DaemonClient, index: number) => Promise<unknown>, seconds = SECONDS): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let count = 0;
  const started = Date.now();
  await Promise.all(
    clients.map(async (client) => {
      while (Date.now() < deadline) {
        await call(client, count);
        count++;
      }
    }),
  );
  return count / ((Date.now() - started) / 1000);
}

const median = (values: number[]) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;

/**
 * For `count` attackers one after another: ms from appending its lines to the ban in the helper's
 * log (decided and in the firewall) and to its BanAdded signal here (which queues behind any big
 * reply the helper is still writing to the bus).
 */
async function banLatencies(client: DaemonClient, helper: RunningHelper, prefix: string, count: number): Promise<{ applied: number[]; signalled: number[] }> {
  const waiting = new Map<string, () => void>();
  await client.on('BanAdded', (ip) => waiting.get(ip)?.());
  const appended = new Map<string, number>();
  const signalled: number[] = [];
  for (let index = 1; index <= count; index++) {
    const ip = `${prefix}.${index}`;
    const banned = new Promise<void>((resolve) => waiting.set(ip, resolve));
    appended.set(ip, Date.now());
    helper.appendAuthLog(sshFailures(ip, 3, Date.now()));
    await banned;
    signalled.push(Date.now() - appended.get(ip)!);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const applied: number[] = [];
  for (const match of helper.output().matchAll(/^(\S+) level=info service=ssh address=(\S+) action=ban /gm)) {
    const start = appended.get(match[2]!);
    if (start !== undefined) applied.push(Date.parse(match[1]!) - start);
  }
  return { applied, signalled };
}

function timeCommand(command: readonly string[], env: NodeJS.ProcessEnv): { seconds: number; bytes: number; status: number | null } {
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0]!, command.slice(1), { env, maxBuffer: 1 << 28 });
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes: result.stdout.length, status: result.status };
}

interface PeerNumbers {
  readonly isBannedPerSecond: number;
  readonly listPerSecond: number;
  readonly cliListSeconds: number;
}

/** fail2ban-server with a jail that has no actions and 100,000 bans, asked over its socket by a persistent python client. */
function fail2banNumbers(): PeerNumbers | null {
  if (!existsSync('/usr/bin/fail2ban-client') || !existsSync('/etc/fail2ban/jail.conf')) return null;
  const directory = temporaryDirectory('c2b-bench-f2b-api-');
  const configuration = join(directory.path, 'conf');
  const socket = join(directory.path, 'fail2ban.sock');
  cpSync('/etc/fail2ban', configuration, { recursive: true });
  rmSync(join(configuration, 'jail.d'), { recursive: true, force: true });
  writeFileSync(join(directory.path, 'auth.log'), '');
  writeFileSync(
    join(configuration, 'fail2ban.local'),
    `[Definition]\nlogtarget = ${join(directory.path, 'fail2ban.log')}\nsocket = ${socket}\npidfile = ${join(directory.path, 'fail2ban.pid')}\ndbfile = :memory:\n`,
  );
  writeFileSync(join(configuration, 'jail.local'), `[DEFAULT]\nbackend = polling\nignoreip =\n[sshd]\nenabled = true\naction =\nlogpath = ${join(directory.path, 'auth.log')}\nbantime = 86400\n`);
  const script = `
import sys, time
from fail2ban.client.csocket import CSocket
sock, bans, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
for _ in range(300):
    try:
        s = CSocket(sock); break
    except OSError:
        time.sleep(0.1)
ips = ["10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255) for i in range(bans)]
for start in range(0, bans, 10000):
    s.send(["set", "sshd", "banip"] + ips[start:start + 10000])
count, deadline = 0, time.monotonic() + seconds
while time.monotonic() < deadline:
    s.send(["get", "sshd", "banned", ips[count % bans]]); count += 1
is_banned = count / seconds
count, started = 0, time.monotonic()
while count < 3:
    assert len(s.send(["get", "sshd", "banip"])[1]) == bans; count += 1
print(is_banned, count / (time.monotonic() - started))
`;
  const server = spawnSync('fail2ban-client', ['-c', configuration, 'start'], { encoding: 'utf8', timeout: 60_000 });
  try {
    if (server.status !== 0) {
      console.log(`  fail2ban: could not start (${server.stderr.trim().slice(-200)})`);
      return null;
    }
    const result = spawnSync('/usr/bin/python3', ['-c', script, socket, String(BANS), String(SECONDS)], { encoding: 'utf8', timeout: 600_000 });
    const [isBanned, list] = result.stdout.trim().split(/\s+/).map(Number);
    if (result.status !== 0 || isBanned === undefined || list === undefined) {
      console.log(`  fail2ban: measurement failed (${result.stderr.trim().slice(-300)})`);
      return null;
    }
    const cli = timeCommand(['fail2ban-client', '-c', configuration, 'get', 'sshd', 'banip'], process.env);
    return { isBannedPerSecond: isBanned, listPerSecond: list, cliListSeconds: cli.seconds };
  } finally {
    spawnSync('fail2ban-client', ['-c', configuration, 'stop'], { timeout: 60_000 });
    directory.dispose();
  }
}

export async function benchApi(): Promise<void> {
  console.log(`\nD-Bus API with ${BANS} active bans (helper in its own network namespace, real nftables, private dbus-daemon)`);
  const helper = await startHelperWithBus({
    maxFailures: 3,
    startTimeoutMs: 120_000,
    beforeStart: ({ database }) => {
      const store = new Store(database);
      const now = Date.now();
      store.addBans(
        Array.from({ length: BANS }, (_, index) => ({ address: address(index), family: 4 as const, service: 'ssh', reason: 'bench', source: 'detector', failures: 3, bannedAt: now, expiresAt: now + 86_400_000 })),
      );
      store.close();
    },
  });
  try {
    const one = [await helper.client()];
    const many = await Promise.all(Array.from({ length: 16 }, () => helper.client()));
    const isBannedOne = await callsPerSecond(one, (client, index) => client.isBanned(address(index % BANS)));
    const isBannedMany = await callsPerSecond(many, (client, index) => client.isBanned(address(index % BANS)));
    let ban = 0;
    // Cold: a ban before each call makes the helper encode the list again.
    const cold = await callsPerSecond(one, async (client) => {
      await client.ban(`172.31.${(ban >> 8) & 255}.${ban++ & 255}`, 3600, 'bench');
      const bans = await client.getBans();
      if (bans.length < BANS) throw new Error(`GetBans returned ${bans.length}`);
    }, 5);
    const warm = await callsPerSecond(one, async (client) => client.getBans(), 5);

    const c2b = helperCommand('cli/c2b');
    const env = { ...helper.bus.env, NO_COLOR: '1' };
    const idle = await banLatencies(one[0]!, helper, '192.0.2', 15);
    // The load runs in other processes (c2b list, each decoding 100,000 bans), so what is measured
    // is the helper's answer to an attack while it serves them, not this process's decoding.
    let busy = true;
    let served = 0;
    const load = Promise.all(
      [0, 1, 2, 3].map(async (index) => {
        while (busy) {
          await one[0]!.ban(`172.30.${index}.${ban++ & 255}`, 3600, 'invalidate the GetBans cache');
          await new Promise<void>((resolve) => spawn(c2b[0]!, [...c2b.slice(1), 'list', '-f', 'simple'], { env, stdio: 'ignore' }).on('exit', () => resolve()));
          served++;
        }
      }),
    );
    const underLoad = await banLatencies(one[0]!, helper, '198.51.100', 100);
    busy = false;
    await load;

    const list = Object.fromEntries(
      (['simple', 'json', 'table'] as const).map((format) => [format, timeCommand([...c2b, 'list', '-f', format], env)]),
    );

    console.log(`  IsBanned, 1 client:               ${Math.round(isBannedOne).toString().padStart(7)} calls/s`);
    console.log(`  IsBanned, 16 clients:             ${Math.round(isBannedMany).toString().padStart(7)} calls/s`);
    console.log(`  GetBans (${BANS} bans), re-encoded: ${cold.toFixed(2).padStart(7)} calls/s (${(1000 / cold).toFixed(0)} ms each, a ban in between)`);
    console.log(`  GetBans, unchanged list (cached):  ${warm.toFixed(2).padStart(7)} calls/s (${(1000 / warm).toFixed(0)} ms each, decoding in the client)`);
    const spread = (values: number[]) => `median ${median(values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;
    console.log(`  attack -> ban applied, idle:            ${spread(idle.applied)}; BanAdded received: ${spread(idle.signalled)}`);
    console.log(`  attack -> ban applied, 4 c2b list loops: ${spread(underLoad.applied)}; BanAdded received: ${spread(underLoad.signalled)} (${served} lists of ${BANS} served meanwhile)`);
    for (const [format, result] of Object.entries(list)) {
      console.log(`  c2b list -f ${format.padEnd(6)}               ${result.seconds.toFixed(2)} s, ${(result.bytes / 1e6).toFixed(1)} MB${result.status === 0 ? '' : ` (exit ${result.status})`}`);
    }

    const peer = fail2banNumbers();
    if (peer === null) {
      console.log('  fail2ban: not installed (apt-get install fail2ban) -- no ratio against it');
      return;
    }
    console.log(`  fail2ban-server, same ${BANS} bans (no actions), persistent socket client:`);
    console.log(`    get sshd banned <ip>: ${Math.round(peer.isBannedPerSecond)} calls/s   -> IsBanned ratio ${(isBannedOne / peer.isBannedPerSecond).toFixed(1)}x (1 client)`);
    console.log(`    get sshd banip:       ${peer.listPerSecond.toFixed(2)} calls/s   -> GetBans ratio ${(cold / peer.listPerSecond).toFixed(1)}x re-encoded, ${(warm / peer.listPerSecond).toFixed(1)}x cached`);
    console.log(`    fail2ban-client get sshd banip: ${peer.cliListSeconds.toFixed(2)} s -> c2b list -f simple ratio ${(peer.cliListSeconds / list.simple!.seconds).toFixed(1)}x`);
  } finally {
    await helper.dispose();
  }
}
