// The D-Bus API end to end: a private system-type dbus-daemon with the shipped policy, the helper
// in its own network namespace with real nftables, and the typed client and the CLI as callers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BusConnection } from '../../../helper/client/bus.js';
import type { DaemonClient } from '../../../helper/client/index.js';
import { defaultConfig } from '../../../helper/config/load.js';
import { introspectionXml } from '../../../helper/dbus/service.js';
import { BUS_NAME, INTERFACE, interfaceXml, OBJECT_PATH, type PropertyValues, type SignalArguments } from '../../../helper/protocol/index.js';
import { runCli } from '../../support/cli.js';
import { startHelperWithBus, type RunningHelper } from '../../support/helper-with-bus.js';
import { runCommand } from '../../support/namespace.js';
import { repositoryRoot } from '../../support/paths.js';
import { sshFailures } from '../../support/syslog.js';
import { waitFor } from '../../support/wait.js';

let helper: RunningHelper;
let client: DaemonClient;

before(async () => {
  helper = await startHelperWithBus({ maxFailures: 3 });
  client = await helper.client();
});
after(async () => {
  await helper?.dispose();
});

/** An address's element in the helper's kernel set (in its own namespace): its timeout and time left, or permanent, or null when absent. */
async function kernelElement(ip: string): Promise<{ timeout: number; expires: number } | 'permanent' | null> {
  const names = defaultConfig().nftables;
  const set = ip.includes(':') ? names.setV6 : names.setV4;
  const enter = ['nsenter', `--target=${helper.process.pid}`, '--user', '--net', '--preserve-credentials', '--'];
  const listed = await runCommand([...enter, 'nft', '-j', 'list', 'set', 'inet', names.tableName, set]);
  assert.equal(listed.status, 0, listed.stderr);
  const output = JSON.parse(listed.stdout) as { nftables: { set?: { elem?: unknown[] } }[] };
  for (const item of output.nftables.find((entry) => entry.set !== undefined)?.set?.elem ?? []) {
    if (item === ip) return 'permanent';
    const element = (item as { elem?: { val?: string; timeout?: number; expires?: number } }).elem;
    if (element?.val === ip) return element.timeout === undefined ? 'permanent' : { timeout: element.timeout, expires: element.expires ?? 0 };
  }
  return null;
}

function collect<Name extends keyof SignalArguments>(name: Name): SignalArguments[Name][] {
  const seen: SignalArguments[Name][] = [];
  void client.on(name, (...args) => seen.push(args as SignalArguments[Name]));
  return seen;
}

test('the live introspection is the frozen interface of conf/dbus plus the standard interfaces', async () => {
  const frozen = readFileSync(join(repositoryRoot, 'conf/dbus/org.croissant2ban.Daemon1.xml'), 'utf8');
  assert.ok(frozen.includes(interfaceXml()), 'the protocol tables and conf/dbus/org.croissant2ban.Daemon1.xml agree; regenerate the file only for a deliberate API change');
  const bus = await BusConnection.connect(helper.bus.address);
  try {
    const reply = await bus.call({ destination: BUS_NAME, path: OBJECT_PATH, interface: 'org.freedesktop.DBus.Introspectable', member: 'Introspect' });
    assert.equal(reply.body![0], introspectionXml());
    assert.ok((reply.body![0] as string).includes(interfaceXml()));
    const root = await bus.call({ destination: BUS_NAME, path: '/', interface: 'org.freedesktop.DBus.Introspectable', member: 'Introspect' });
    assert.match(root.body![0] as string, /<node name="org"\/>/);
    await bus.call({ destination: BUS_NAME, path: OBJECT_PATH, interface: 'org.freedesktop.DBus.Peer', member: 'Ping' });
  } finally {
    bus.close();
  }
});

test('Status, properties and GetServices describe the running helper', async () => {
  const status = await client.status();
  assert.equal(status.running, true);
  assert.deepEqual(status.services, ['ssh']);
  assert.equal(status.firewall_backend, 'nftables');
  assert.equal(status.config_path, helper.configPath);
  assert.ok(status.pid > 0 && status.uptime_secs >= 0);
  const properties: PropertyValues = await client.properties();
  assert.equal(properties.Running, true);
  assert.equal(typeof properties.ActiveBanCount, 'number');
  assert.equal(await client.property('Running'), true);
  const [ssh] = await client.getServices();
  assert.equal(ssh!.name, 'ssh');
  assert.equal(ssh!.max_retry, 3);
  assert.deepEqual(ssh!.log_paths, [helper.authLog]);
});

test('Ban, IsBanned, GetBans and Unban round-trip, with BanAdded and BanRemoved signals and the kernel set following', async () => {
  const added = collect('BanAdded');
  const removed = collect('BanRemoved');
  const changes: Partial<PropertyValues>[] = [];
  await client.onPropertiesChanged((changed) => changes.push(changed));
  assert.equal(await client.ban('198.51.100.20', 600, 'seen scanning'), true);
  assert.equal(await client.isBanned('198.51.100.20'), true);
  assert.equal(await client.isBanned('198.51.100.21'), false);
  const ban = (await client.getBans()).find((entry) => entry.ip === '198.51.100.20');
  assert.ok(ban, 'GetBans lists the ban');
  assert.equal(ban.source, 'manual');
  assert.equal(ban.reason, 'seen scanning');
  assert.ok(Math.abs(ban.expires_at - ban.banned_at - 600) <= 1, `expires 600 s after it started: ${JSON.stringify(ban)}`);
  await waitFor(() => added.some(([ip]) => ip === '198.51.100.20'), { what: 'BanAdded' });
  assert.deepEqual(added.find(([ip]) => ip === '198.51.100.20'), ['198.51.100.20', 'seen scanning', 'manual', 600]);
  await waitFor(() => changes.some((changed) => changed.ActiveBanCount !== undefined), { what: 'PropertiesChanged with ActiveBanCount', timeoutMs: 5000 });

  assert.equal(await client.unban('198.51.100.20'), true);
  assert.equal(await client.isBanned('198.51.100.20'), false);
  await waitFor(() => removed.some(([ip, reason]) => ip === '198.51.100.20' && reason === 'unbanned'), { what: 'BanRemoved' });
  await assert.rejects(client.unban('198.51.100.20'), { kind: 'NotFound' });
});

test('ExtendBan gives a detector ban a new end in the kernel set and GetBans, keeps its record, logs "extend", signals BanExtended and sends no BanAdded', async () => {
  const added = collect('BanAdded');
  const extensions = collect('BanExtended');
  helper.appendAuthLog(sshFailures('203.0.113.60', 3, Date.now() - 10_000));
  await waitFor(() => added.some(([ip]) => ip === '203.0.113.60'), { what: 'the detector ban', timeoutMs: 10_000 });
  const before = (await client.getBans()).find((ban) => ban.ip === '203.0.113.60')!;
  assert.equal(before.source, 'detector');
  const first = await kernelElement('203.0.113.60');
  assert.ok(first !== null && first !== 'permanent' && first.timeout <= 3600, `the detector's ban time in the kernel: ${JSON.stringify(first)}`);
  added.length = 0;

  assert.equal(await client.extendBan('203.0.113.60', 7200), true);
  const extended = await kernelElement('203.0.113.60');
  assert.ok(extended !== null && extended !== 'permanent' && extended.timeout === 7200 && extended.expires > 7100, `7200 s in the kernel: ${JSON.stringify(extended)}`);
  const after = (await client.getBans()).find((ban) => ban.ip === '203.0.113.60')!;
  assert.ok(Math.abs(after.expires_at - (Date.now() / 1000 + 7200)) <= 2, `ends 7200 s from now: ${JSON.stringify(after)}`);
  assert.deepEqual({ ...after, expires_at: 0 }, { ...before, expires_at: 0 }, 'service, reason, source, failures and banned_at unchanged');
  await waitFor(() => extensions.length > 0, { what: 'BanExtended' });
  assert.deepEqual(extensions[0], ['203.0.113.60', after.expires_at], 'BanExtended carries the new end GetBans shows');

  assert.equal(await client.extendBan('203.0.113.60', 0), true);
  assert.equal(await kernelElement('203.0.113.60'), 'permanent', 'no timeout in the kernel');
  const permanent = (await client.getBans()).find((ban) => ban.ip === '203.0.113.60')!;
  assert.deepEqual(permanent, { ...before, expires_at: 0 });
  await waitFor(() => extensions.length > 1, { what: 'BanExtended to permanent' });
  assert.deepEqual(extensions[1], ['203.0.113.60', 0]);
  assert.equal(await client.isBanned('203.0.113.60'), true);

  // A later ban's signal arrives after anything the extensions could have sent.
  await client.ban('198.51.100.61', 60, 'marker');
  await waitFor(() => added.some(([ip]) => ip === '198.51.100.61'), { what: 'the marker ban' });
  assert.deepEqual(added.map(([ip]) => ip), ['198.51.100.61'], 'no BanAdded for an extension');
  await client.unban('198.51.100.61');

  const activity = (await client.getActivity(10)).filter((entry) => entry.action === 'extend');
  assert.deepEqual(activity.slice(0, 2).map((entry) => [entry.uid, entry.target, entry.detail]), [[0, '203.0.113.60', 'permanent'], [0, '203.0.113.60', 'for 7200 s']]);

  await assert.rejects(client.extendBan('198.51.100.62', 60), (error: Error & { kind?: string }) => error.kind === 'NotFound' && error.message.includes('198.51.100.62 is not banned'));
  await assert.rejects(client.extendBan('300.1.2.3', 60), { kind: 'InvalidAddress' });
  assert.equal(await kernelElement('198.51.100.62'), null);
});

test('attack lines arriving in the log give AttackDetected and then a detector ban with BanAdded', async () => {
  const attacks = collect('AttackDetected');
  const added = collect('BanAdded');
  // In the past: the hourly counts end now, and the lines are a second apart.
  helper.appendAuthLog(sshFailures('203.0.113.50', 3, Date.now() - 10_000));
  await waitFor(() => added.some(([ip]) => ip === '203.0.113.50'), { what: 'the detector ban signal', timeoutMs: 10_000 });
  assert.deepEqual(attacks.find(([ip]) => ip === '203.0.113.50'), ['203.0.113.50', 'ssh', 'failed_auth']);
  const [, reason, source, seconds] = added.find(([ip]) => ip === '203.0.113.50')!;
  assert.equal(source, 'detector');
  assert.match(reason, /^3 failures/);
  assert.ok(seconds > 0);
  const events = await client.getEvents(100, 0);
  assert.equal(events.filter((event) => event.ip === '203.0.113.50').length, 3);
  assert.ok(events.every((event, index) => index === 0 || events[index - 1]!.time >= event.time), 'newest first');
  const stats = await client.getStats();
  assert.ok(stats.events_24h >= 3 && stats.active_bans >= 1);
  assert.ok((stats.events_by_service_24h.ssh ?? 0) >= 3);
  assert.equal(stats.events_per_hour_24h.length, 24);
  assert.equal(stats.bans_per_hour_24h.length, 24);
  assert.ok(stats.events_per_hour_24h[23]! >= 3, 'the attack falls in the last hour');
  assert.ok(stats.bans_per_hour_24h[23]! >= 1);
  assert.ok(stats.events_per_hour_24h.reduce((sum, count) => sum + count, 0) <= stats.events_24h);
  assert.ok((await client.property('EventsProcessed')) >= 3);
});

test('invalid addresses are refused with InvalidAddress naming the input; whitelisted ones with Whitelisted', async () => {
  await assert.rejects(client.ban('300.1.2.3', 60, ''), (error: Error & { kind?: string }) => error.kind === 'InvalidAddress' && error.message.includes('300.1.2.3'));
  await assert.rejects(client.isBanned('evil; rm -rf /'), { kind: 'InvalidAddress' });
  await assert.rejects(client.whitelistAdd('10.0.0.0/33', ''), { kind: 'InvalidAddress' });
  await assert.rejects(client.getIntel('nope', false), { kind: 'InvalidAddress' });
  await assert.rejects(client.ban('127.0.0.1', 60, ''), { kind: 'Whitelisted' });
  const documentation = await client.getIntel('192.0.2.1', false);
  assert.equal(documentation.address, '192.0.2.1');
  assert.equal(documentation.scope, 'documentation', 'a documentation address is answered locally');
  assert.equal(documentation.gathered, undefined);
});

test('whitelisting a network lifts the bans inside it, and banning inside it is then refused; removal works once', async () => {
  const removed = collect('BanRemoved');
  await client.ban('192.0.2.77', 0, 'permanent one');
  assert.equal((await client.getBans()).find((ban) => ban.ip === '192.0.2.77')?.expires_at, 0, 'permanent: expires_at 0');
  assert.deepEqual(await client.whitelistAdd('192.0.2.0/24', 'test lab'), ['192.0.2.77']);
  assert.equal(await client.isBanned('192.0.2.77'), false);
  await waitFor(() => removed.some(([ip, reason]) => ip === '192.0.2.77' && reason === 'whitelisted'), { what: 'BanRemoved whitelisted' });
  await assert.rejects(client.ban('192.0.2.78', 60, ''), { kind: 'Whitelisted' });
  const entry = (await client.getWhitelist()).find((item) => item.network === '192.0.2.0/24');
  assert.equal(entry?.comment, 'test lab');
  assert.equal(entry?.added_by, 0);
  assert.equal(await client.whitelistRemove('192.0.2.0/24'), true);
  await assert.rejects(client.whitelistRemove('192.0.2.0/24'), { kind: 'NotFound' });
  const activity = await client.getActivity(20);
  assert.ok(activity.some((item) => item.action === 'whitelist-add' && item.uid === 0 && item.detail.includes('192.0.2.77')), JSON.stringify(activity));
});

test('the CLI drives the same API: ban, list as JSON, table and simple, extend, unban, whitelist, logs, stats, services, intel', async () => {
  const env = { ...helper.bus.env };
  const banned = await runCli(['ban', '198.51.100.99', '-d', '900', '-r', 'from the CLI'], { env });
  assert.equal(banned.status, 0, banned.stderr);
  const json = await runCli(['list', '-f', 'json'], { env });
  assert.equal(json.status, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as Record<string, unknown>[];
  const row = rows.find((item) => item.ip === '198.51.100.99');
  assert.ok(row);
  assert.equal(row.reason, 'from the CLI');
  assert.equal(row.source, 'manual');
  assert.equal(row.service, null);
  assert.match(String(row.banned_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(Date.parse(String(row.expires_at)) - Date.parse(String(row.banned_at)), 900_000);
  const table = await runCli(['list'], { env });
  assert.match(table.stdout, /^ADDRESS\s+SERVICE\s+SOURCE\s+BANNED\s+EXPIRES\s+REASON$/m);
  assert.match(table.stdout, /198\.51\.100\.99\s+-\s+manual\s+(now|\d+s ago)\s+in 1[45]m\d*s?\s+from the CLI/);
  assert.doesNotMatch(table.stdout, /\u001b\[/, 'no colour when not on a terminal');
  const simple = await runCli(['banned'], { env });
  assert.ok(simple.stdout.split('\n').includes('198.51.100.99'));
  const extended = await runCli(['extend', '198.51.100.99', '-d', '3600'], { env });
  assert.equal(extended.status, 0, extended.stderr);
  assert.equal(extended.stdout, 'the ban of 198.51.100.99 now ends in 1h\n');
  const relisted = (JSON.parse((await runCli(['list', '-f', 'json'], { env })).stdout) as Record<string, unknown>[]).find((item) => item.ip === '198.51.100.99')!;
  assert.ok(Math.abs(Date.parse(String(relisted.expires_at)) - (Date.now() + 3_600_000)) <= 2000, `ends an hour from now: ${JSON.stringify(relisted)}`);
  assert.deepEqual({ ...relisted, expires_at: null }, { ...row, expires_at: null }, 'the rest of the ban stays');
  assert.equal((await runCli(['extend', '198.51.100.99', '-d', '0'], { env })).stdout, 'the ban of 198.51.100.99 now never ends\n');
  const withoutDuration = await runCli(['extend', '198.51.100.99'], { env });
  assert.equal(withoutDuration.status, 2);
  assert.match(withoutDuration.stderr, /-d <seconds> \(0 = permanent\)\nusage: c2b extend <ip> -d <seconds>/);
  assert.equal((await runCli(['extend', '198.51.100.99', '-d', 'soon'], { env })).status, 2);
  const notBanned = await runCli(['extend', '198.51.100.98', '-d', '60'], { env });
  assert.equal(notBanned.status, 1);
  assert.match(notBanned.stderr, /^c2b extend: 198\.51\.100\.98 is not banned\n/);
  assert.equal((await runCli(['extend', '1.2.3.4.5', '-d', '60'], { env })).status, 2);
  assert.match((await runCli(['help', 'extend'], { env })).stdout, /^usage: c2b extend <ip> -d <seconds>\n/);
  assert.equal((await runCli(['unban', '198.51.100.99'], { env })).status, 0);
  const again = await runCli(['unban', '198.51.100.99'], { env });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /198\.51\.100\.99 is not banned/);
  const bad = await runCli(['ban', '1.2.3.4.5'], { env });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not an IP address: "1\.2\.3\.4\.5"/);
  assert.equal((await runCli(['whitelist', 'add', '2001:db8::/64', '-c', 'v6 lab'], { env })).status, 0);
  assert.match((await runCli(['whitelist', 'list'], { env })).stdout, /2001:db8::\/64\s+.*uid 0\s+v6 lab/);
  assert.equal((await runCli(['whitelist', 'rm', '2001:db8::/64'], { env })).status, 0);
  assert.match((await runCli(['logs', '-l', '5'], { env })).stdout, /^TIME\s+SERVICE\s+ADDRESS\s+EVENT\s+PATTERN$/m);
  assert.match((await runCli(['logs', '-a'], { env })).stdout, /uid 0\s+unban\s+198\.51\.100\.99/);
  assert.match((await runCli(['logs', '-a'], { env })).stdout, /uid 0\s+extend\s+198\.51\.100\.99\s+for 3600 s/);
  assert.match((await runCli(['stats'], { env })).stdout, /active bans\s+\d+/);
  assert.match((await runCli(['services'], { env })).stdout, /ssh\s+on\s+3 in 10m -> 1h/);
  assert.match((await runCli(['status'], { env })).stdout, /helper\s+running \(pid \d+/);
  const intel = await runCli(['intel', '203.0.113.50', '-j'], { env });
  assert.equal(intel.status, 0, intel.stderr);
  assert.deepEqual(JSON.parse(intel.stdout), await client.getIntel('203.0.113.50', false), 'c2b intel -j prints what GetIntel returns');
  const human = await runCli(['intel', '203.0.113.50'], { env });
  assert.match(human.stdout, /^IP: 203\.0\.113\.50\nBanned: yes\nScope: documentation address \(answered locally, nothing was looked up\)\n/);
});

test('Reload reads the configuration again; a broken one is refused with the reason and the running one stays', async () => {
  await client.reload();
  const original = readFileSync(helper.configPath, 'utf8');
  try {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(helper.configPath, `${original}\n[general]\nnot_a_key = 1\n`);
    await assert.rejects(client.reload(), (error: Error & { kind?: string }) => error.kind === 'Failed' && /not_a_key|general/.test(error.message));
    assert.equal((await client.status()).running, true);
    const cli = await runCli(['reload'], { env: helper.bus.env });
    assert.equal(cli.status, 1);
  } finally {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(helper.configPath, original);
  }
  await client.reload();
});

test('Flush ends every ban, signals BanRemoved("*", "flushed") and empties GetBans', async () => {
  const removed = collect('BanRemoved');
  await client.ban('198.51.100.1', 60, '');
  await client.ban('2001:db8:1::1', 60, '');
  assert.ok((await client.flush()) >= 2);
  assert.deepEqual(await client.getBans(), []);
  await waitFor(() => removed.some(([ip, reason]) => ip === '*' && reason === 'flushed'), { what: 'the flush signal' });
});

test('a restart after ExtendBan restores the ban in the emptied kernel set with the time left of its new end, and the same record', async () => {
  await client.ban('198.51.100.70', 600, 'to be extended');
  assert.equal(await client.extendBan('198.51.100.70', 7200), true);
  const before = (await client.getBans()).find((ban) => ban.ip === '198.51.100.70')!;
  // Each run has its own network namespace: the new helper finds an empty kernel set, as after a reboot.
  await helper.kill();
  await helper.start();
  const restored = await waitFor(() => kernelElement('198.51.100.70'), { what: 'the restored ban in the kernel set' });
  assert.ok(restored !== 'permanent' && restored.timeout > 7100 && restored.timeout <= 7200, `the time left of the new end: ${JSON.stringify(restored)}`);
  assert.deepEqual((await client.getBans()).find((ban) => ban.ip === '198.51.100.70'), before);
  assert.match(helper.output(), /count=1 action=restore msg="restored bans missing from the firewall"/);
});

test('the interface name and object path are the ones of the architecture', () => {
  assert.equal(BUS_NAME, 'org.croissant2ban.Daemon');
  assert.equal(OBJECT_PATH, '/org/croissant2ban/Daemon');
  assert.equal(INTERFACE, 'org.croissant2ban.Daemon1');
});
