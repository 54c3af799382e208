// c2b test-filter, run in-process: the report, JSON lines, user regexes and errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { testFilter } from '../../../helper/cli/commands/test-filter.js';
import { ExitCode, UsageError } from '../../../helper/cli/io.js';
import { createMatcher, loadBuiltinFilter } from '../../../helper/filters/index.js';
import { captureIo } from '../../support/cli.js';

process.env.TZ = 'UTC';

const directory = mkdtempSync(join(tmpdir(), 'c2b-test-filter-'));
after(() => rmSync(directory, { recursive: true, force: true }));

/** The file's mtime decides the year of its syslog lines. */
const MODIFIED = new Date('2024-06-30T12:00:00Z');

function logFile(name: string, lines: readonly string[]): string {
  const path = join(directory, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  utimesSync(path, MODIFIED, MODIFIED);
  return path;
}

function fakeIo() {
  return captureIo(directory);
}

const AUTH_LOG = [
  'Mar  4 10:12:01 bastion sshd[4101]: Invalid user oracle from 203.0.113.7 port 50122',
  'Mar  4 10:12:03 bastion sshd[4101]: Failed password for invalid user oracle from 203.0.113.7 port 50122 ssh2',
  'Mar  4 10:12:06 bastion sshd[4101]: Failed password for invalid user oracle from 203.0.113.7 port 50122 ssh2',
  'Mar  4 10:13:00 bastion CRON[5000]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
  'Mar  4 10:13:12 bastion sshd[4102]: Failed password for root from 2001:db8::5 port 41002 ssh2',
  'Mar  4 10:13:20 bastion sshd[4103]: fatal: Timeout before authentication for 198.51.100.9 port 40000',
  'Mar  4 10:13:30 bastion sshd[4104]: Accepted publickey for deploy from 192.0.2.10 port 50000 ssh2: ED25519 SHA256:abc',
];

test('the report shows lines read, matched and missed, patterns, addresses by count, and relevant missed lines', async () => {
  const path = logFile('auth.log', AUTH_LOG);
  const { io, stdout } = fakeIo();
  assert.equal(await testFilter(['ssh', 'auth.log'], io), ExitCode.ok);
  const report = stdout();
  assert.match(report, /^Filter: {3}ssh \(.*conf\/filters\/ssh\.toml\)$/m);
  assert.match(report, new RegExp(`^Log file: ${path}$`, 'm'));
  assert.match(report, /^Lines: {4}7 read, 3 matched \(3 failures\), 4 missed, in \d+\.\d\d s$/m);
  assert.match(report, /^ {2}failed_password {2}2$/m);
  assert.match(report, /^ {2}invalid_user {5}1$/m);
  assert.match(report, /^Addresses \(2\):\n {2}203\.0\.113\.7 {2}2\n {2}2001:db8::5 {2}1$/m);
  assert.match(report, /^Missed lines that look relevant \(1 of 1\):\n {2}6: .*Timeout before authentication/m);
});

test('--json prints one object per matched line and address with its 1-based line number, then a summary', async () => {
  logFile('auth.log', AUTH_LOG);
  const { io, stdout } = fakeIo();
  assert.equal(await testFilter(['ssh', 'auth.log', '--json'], io), ExitCode.ok);
  const lines = stdout().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(lines, [
    { line: 1, ip: '203.0.113.7', pattern: 'invalid_user', time: '2024-03-04T10:12:01.000Z', count: 1 },
    { line: 3, ip: '203.0.113.7', pattern: 'failed_password', time: '2024-03-04T10:12:06.000Z', count: 1 },
    { line: 5, ip: '2001:db8::5', pattern: 'failed_password', time: '2024-03-04T10:13:12.000Z', count: 1 },
    { summary: { lines: 7, matched: 3, addresses: 2 } },
  ]);
});

test('--json prints a line that stands for several attempts once, with their count', async () => {
  logFile('mail.log', [
    'Mar  4 12:10:02 mx1 dovecot[700]: pop3-login: Aborted login (auth failed, 3 attempts in 21 secs): user=<sales>, method=LOGIN, rip=203.0.113.121, lip=192.0.2.1, TLS: Disconnected, session=<Qw2eR4tY6uI8>',
  ]);
  const { io, stdout } = fakeIo();
  assert.equal(await testFilter(['dovecot', 'mail.log', '--json'], io), ExitCode.ok);
  assert.deepEqual(
    stdout().trim().split('\n').map((line) => JSON.parse(line) as unknown),
    [
      { line: 1, ip: '203.0.113.121', pattern: 'login_auth_failed', time: '2024-03-04T12:10:02.000Z', count: 3 },
      { summary: { lines: 1, matched: 1, addresses: 1 } },
    ],
  );
  // The text report still counts every failure.
  const report = fakeIo();
  assert.equal(await testFilter(['dovecot', 'mail.log'], report.io), ExitCode.ok);
  assert.match(report.stdout(), /^Lines: {4}1 read, 1 matched \(3 failures\)/m);
});

test('--json prints one record per pattern when a line also completes failures that waited for its address', async () => {
  logFile('auth.log', [
    'Mar  4 10:00:00 bastion sshd[4200]: User root not allowed because account is locked',
    'Mar  4 10:00:01 bastion sshd[4200]: Failed password for admin from 203.0.113.8 port 4000 ssh2',
  ]);
  const { io, stdout } = fakeIo();
  assert.equal(await testFilter(['ssh', 'auth.log', '--json'], io), ExitCode.ok);
  assert.deepEqual(
    stdout().trim().split('\n').map((line) => JSON.parse(line) as unknown),
    [
      { line: 2, ip: '203.0.113.8', pattern: 'user_not_allowed_locally', time: '2024-03-04T10:00:01.000Z', count: 1 },
      { line: 2, ip: '203.0.113.8', pattern: 'failed_password', time: '2024-03-04T10:00:01.000Z', count: 1 },
      { summary: { lines: 2, matched: 1, addresses: 1 } },
    ],
  );
});

test('a regex with an ip group works like a filter, times found on the lines or null', async () => {
  logFile('app.log', ['2024-03-04T10:00:00Z app: login failed for bob from 192.0.2.77', 'login failed for eve from 192.0.2.78', 'all good']);
  const { io, stdout } = fakeIo();
  assert.equal(await testFilter(['login failed for \\S+ from (?P<ip>\\S+)', 'app.log', '--json'], io), ExitCode.ok);
  assert.deepEqual(
    stdout().trim().split('\n').map((line) => JSON.parse(line) as unknown),
    [
      { line: 1, ip: '192.0.2.77', pattern: 'regex', time: '2024-03-04T10:00:00.000Z', count: 1 },
      { line: 2, ip: '192.0.2.78', pattern: 'regex', time: null, count: 1 },
      { summary: { lines: 3, matched: 2, addresses: 2 } },
    ],
  );
});

test('an unknown filter is a usage error that names it and the built-in filters', async () => {
  logFile('auth.log', AUTH_LOG);
  await assert.rejects(testFilter(['sshd', 'auth.log'], fakeIo().io), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /unknown filter "sshd": built-in filters are apache, dovecot, nginx, postfix, ssh/);
    return true;
  });
});

test('a regex without an address group, or a dangerous one, is a usage error that says why', async () => {
  logFile('auth.log', AUTH_LOG);
  await assert.rejects(testFilter(['Failed password', 'auth.log'], fakeIo().io), /"Failed password" is neither a built-in filter .* nor a usable regex: the regex has no \(\?P<ip>/);
  await assert.rejects(testFilter(['(a+)+ (?P<ip>\\S+)', 'auth.log'], fakeIo().io), /exponential/);
  await assert.rejects(testFilter(['from (?P<ip>\\S+', 'auth.log'], fakeIo().io), /invalid regular expression/);
});

test('a missing log file names the file and exits 1', async () => {
  const { io, stderr } = fakeIo();
  assert.equal(await testFilter(['ssh', 'no-such.log'], io), ExitCode.failure);
  assert.match(stderr(), /c2b test-filter: cannot read no-such\.log: no such file/);
});

test('wrong arguments are usage errors', async () => {
  await assert.rejects(testFilter(['ssh'], fakeIo().io), UsageError);
  await assert.rejects(testFilter(['ssh', 'a.log', 'b.log'], fakeIo().io), UsageError);
  await assert.rejects(testFilter(['ssh', 'a.log', '--top', 'many'], fakeIo().io), /--top needs a whole number/);
  await assert.rejects(testFilter(['ssh', 'a.log', '--colour'], fakeIo().io), /Unknown option/);
});

test('the JSON report of a large file lists exactly what the helper\'s matcher finds, line by line', async () => {
  // Many connections, with failures that wait for an address from a later line.
  const lines: string[] = [];
  for (let connection = 0; lines.length < 190_000; connection++) {
    const pid = 10_000 + connection;
    const address = `203.0.${(connection >> 8) & 255}.${(connection & 255) + 1}`;
    const second = String(connection % 60).padStart(2, '0');
    const stamp = `Mar  4 10:${String(Math.floor(connection / 60) % 60).padStart(2, '0')}:${second}`;
    lines.push(`${stamp} bastion sshd[${pid}]: User admin not allowed because account is locked`);
    lines.push(`${stamp} bastion CRON[${pid}]: pam_unix(cron:session): session closed for user root ${'x'.repeat(40)}`);
    lines.push(`${stamp} bastion sshd[${pid}]: Failed password for invalid user admin from ${address} port 4000 ssh2`);
    lines.push(`${stamp} bastion sshd[${pid}]: Failed password for invalid user admin from ${address} port 4000 ssh2`);
    lines.push(`${stamp} bastion sshd[${pid}]: Connection closed by ${address} port 4000 [preauth]`);
  }
  const path = logFile('big.log', lines);
  const { io, stdout } = fakeIo();
  assert.equal(await testFilter(['ssh', 'big.log', '--json'], io), ExitCode.ok);
  const matcher = createMatcher(loadBuiltinFilter('ssh'), { service: 'ssh', yearReference: () => MODIFIED.getTime() });
  const expected: string[] = [];
  let matchedLines = 0;
  lines.forEach((line, index) => {
    const records = new Map<string, { line: number; ip: string; pattern: string; time: string; count: number }>();
    for (const match of matcher.push(line)) {
      const key = `${match.address} ${match.pattern}`;
      const record = records.get(key);
      if (record !== undefined) record.count++;
      else records.set(key, { line: index + 1, ip: match.address, pattern: match.pattern, time: new Date(match.time!).toISOString(), count: 1 });
    }
    if (records.size > 0) matchedLines++;
    for (const record of records.values()) expected.push(JSON.stringify(record));
  });
  const output = stdout().trim().split('\n');
  assert.ok(output.length > 10_000, `${path} should produce many failures`);
  assert.deepEqual(output.slice(0, -1), expected);
  assert.deepEqual(JSON.parse(output.at(-1)!), { summary: { lines: lines.length, matched: matchedLines, addresses: new Set(expected.map((record) => JSON.parse(record).ip)).size } });
});
