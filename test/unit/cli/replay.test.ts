import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonLines, runCli } from '../../support/cli.js';
import { temporaryDirectory } from '../../support/paths.js';

/** sshd lines for `count` failed passwords from `address`, `spacing` seconds apart from 10:00:00. */
function failures(address: string, count: number, options: { start?: number; spacing?: number } = {}): string[] {
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    const second = (options.start ?? 0) + index * (options.spacing ?? 10);
    const time = new Date(Date.UTC(2026, 2, 3, 10, 0, 0) + second * 1000);
    const stamp = `Mar  3 ${time.toISOString().slice(11, 19)}`;
    lines.push(`${stamp} web01 sshd[${4000 + index}]: Failed password for root from ${address} port ${40000 + index} ssh2`);
  }
  return lines;
}

function logFile(directory: string, lines: readonly string[]): string {
  const path = join(directory, 'auth.log');
  writeFileSync(path, `${lines.join('\n')}\n`);
  // The year of syslog lines is inferred from the file's modification time.
  const modified = new Date(Date.UTC(2026, 2, 4)).getTime() / 1000;
  utimesSync(path, modified, modified);
  return path;
}

test('replay bans an address at the fifth failure within ten minutes by default', async () => {
  const directory = temporaryDirectory();
  try {
    const file = logFile(directory.path, [...failures('203.0.113.7', 5), ...failures('198.51.100.2', 4)]);
    const result = await runCli(['replay', file, '--service', 'ssh', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const objects = jsonLines(result.stdout);
    assert.deepEqual(objects[0], {
      action: 'ban',
      ip: '203.0.113.7',
      service: 'ssh',
      failures: 5,
      ban_time: 3600,
      time: new Date(Date.UTC(2026, 2, 3, 10, 0, 40) + new Date(2026, 2, 3).getTimezoneOffset() * 60_000).toISOString(),
    });
    assert.deepEqual(objects[1], { summary: { lines: 9, failures: 9, bans: 1, spared: 0 } });
  } finally {
    directory.dispose();
  }
});

test('replay does not count failures of an address while it is banned, as a tailing helper would not see them', async () => {
  const directory = temporaryDirectory();
  try {
    // 12 failures 10 s apart: banned at the 5th; the next 7 arrive while the 1-hour ban lasts.
    const file = logFile(directory.path, failures('203.0.113.7', 12));
    const objects = jsonLines((await runCli(['replay', file, '--service', 'ssh', '--json'])).stdout);
    assert.equal(objects.filter((object) => object.action === 'ban').length, 1);
    assert.deepEqual(objects.at(-1), { summary: { lines: 12, failures: 5, bans: 1, spared: 0 } });
  } finally {
    directory.dispose();
  }
});

test('replay uses the thresholds, ban time increments and whitelist of the config it is given', async () => {
  const directory = temporaryDirectory();
  try {
    const config = join(directory.path, 'config.toml');
    writeFileSync(
      config,
      [
        '[services.ssh]',
        'enabled = true',
        'log_path = "/var/log/auth.log"',
        'max_failures = 3',
        'find_time = 60',
        'ban_time = 100',
        'ban_time_increment = true',
        'ban_time_factor = 3',
        'ban_time_max = 500',
        '[whitelist]',
        'enabled = true',
        '[[whitelist.sources]]',
        'type = "networks"',
        'networks = ["198.51.100.0/24"]',
        '',
      ].join('\n'),
    );
    // Three bursts of 3 from one attacker, each after the previous ban ended (100 s, then 300 s), plus a whitelisted one.
    const lines = [
      ...failures('203.0.113.7', 3, { start: 0 }),
      ...failures('203.0.113.7', 3, { start: 200 }),
      ...failures('203.0.113.7', 3, { start: 600 }),
      ...failures('198.51.100.9', 3, { start: 900 }),
    ];
    const file = logFile(directory.path, lines);
    const result = await runCli(['replay', file, '--service', 'ssh', '--config', config, '--json']);
    assert.equal(result.status, 0, result.stderr);
    const objects = jsonLines(result.stdout);
    assert.deepEqual(
      objects.filter((object) => object.action === 'ban').map((object) => [object.ip, object.ban_time]),
      [
        ['203.0.113.7', 100],
        ['203.0.113.7', 300],
        ['203.0.113.7', 500],
      ],
    );
    assert.deepEqual(objects.at(-1), { summary: { lines: 12, failures: 12, bans: 3, spared: 1 } });
    assert.match(result.stderr, /not banned: 198\.51\.100\.9: whitelisted by 198\.51\.100\.0\/24 \(config whitelist\) \(would have been banned once\)\n/);
  } finally {
    directory.dispose();
  }
});

test('replay prints a readable table of decisions and what was spared', async () => {
  const directory = temporaryDirectory();
  try {
    const file = logFile(directory.path, [...failures('2001:DB8::7', 5), ...failures('127.0.0.1', 5)]);
    const result = await runCli(['replay', file, '--service', 'ssh']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /ban after 5 failures within 10m, for 1h/);
    assert.match(result.stdout, /TIME\s+ADDRESS\s+FAILURES\s+BAN\s+LAST PATTERN/);
    assert.match(result.stdout, /2026-03-03 \d\d:00:40\s+2001:db8::7\s+5\s+1h\s+\S+/);
    assert.match(result.stdout, /Never banned.*\n\s+127\.0\.0\.1\s+loopback\s+would have been banned once\n/);
    assert.match(result.stdout, /10 lines, 10 failures, 1 bans of 1 addresses/);
  } finally {
    directory.dispose();
  }
});

test('replay explains an unknown service, a missing file and missing arguments', async () => {
  const unknown = await runCli(['replay', '/dev/null', '--service', 'telnet']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown service "telnet"; known: .*ssh/);

  const missing = await runCli(['replay', '/nonexistent/auth.log', '--service', 'ssh']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read \/nonexistent\/auth\.log: ENOENT/);

  const noService = await runCli(['replay', '/dev/null']);
  assert.equal(noService.status, 2);
  assert.match(noService.stderr, /--service is required/);
});

test('replay with a bad config names the file and the key and exits 78', async () => {
  const directory = temporaryDirectory();
  try {
    const config = join(directory.path, 'bad.toml');
    writeFileSync(config, '[services.ssh]\nmax_failures = "five"\n');
    const result = await runCli(['replay', '/dev/null', '--service', 'ssh', '--config', config]);
    assert.equal(result.status, 78);
    assert.match(result.stderr, new RegExp(`${config}: services\\.ssh\\.max_failures: `));
  } finally {
    directory.dispose();
  }
});
