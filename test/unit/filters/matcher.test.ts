// The matcher: addresses attackers cannot choose, one count per attempt, bounded memory, any input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'smol-toml';
import { compileFilterData } from '../../../helper/filters/compile.js';
import { compileUserPatterns, createMatcher, loadBuiltinFilter, MAX_ATTEMPTS_PER_LINE, type FilterDefinition, type LineMatcher } from '../../../helper/filters/index.js';

process.env.TZ = 'UTC';

const REFERENCE = Date.UTC(2024, 5, 30);

function matcher(filter: string | FilterDefinition): LineMatcher {
  const definition = typeof filter === 'string' ? loadBuiltinFilter(filter) : filter;
  return createMatcher(definition, { service: definition.name, yearReference: () => REFERENCE });
}

/** Addresses of the failures each line completes, in order. */
function run(filter: string | FilterDefinition, lines: readonly string[]): string[][] {
  const instance = matcher(filter);
  return lines.map((line) => instance.push(line).map((match) => match.address));
}

test('a user name holding "from ADDRESS" never chooses the sshd address: the last one is sshd\'s', () => {
  assert.deepEqual(
    run('ssh', ['Mar  4 10:00:00 h sshd[1]: Failed password for invalid user x from 198.51.100.1 port 1 ssh2 from 203.0.113.9 port 2222 ssh2']),
    [['203.0.113.9']],
  );
  assert.deepEqual(run('ssh', ['Mar  4 10:00:00 h sshd[2]: Invalid user a from 198.51.100.1 port 5 from 203.0.113.9 port 6']), [['203.0.113.9']]);
  assert.deepEqual(
    run('ssh', ['Mar  4 10:00:00 h sshd[3]: Disconnecting invalid user a 198.51.100.1 port 1: x 203.0.113.9 port 7: Too many authentication failures [preauth]']),
    [['203.0.113.9']],
  );
});

test('an nginx request line, header or user name holding "client: ADDRESS" never chooses the address', () => {
  const line =
    '2024/03/04 10:43:00 [error] 1#1: *1 user "eve": password mismatch, client: 203.0.113.47, server: s, ' +
    'request: "GET /?a=, client: 198.51.100.1, server: x HTTP/1.1", host: "s", referrer: "x\\", client: 198.51.100.1, server: y"';
  assert.deepEqual(run('nginx', [line]), [['203.0.113.47']]);
  assert.deepEqual(
    run('nginx', ['2024/03/04 10:43:01 [error] 1#1: *2 limiting requests, excess: 1.0 by zone "z", client: 203.0.113.48, server: s, request: "GET /, client: 198.51.100.1 HTTP/1.1", host: "s"']),
    [['203.0.113.48']],
  );
});

test('a captured address that is not strictly one makes the line no match', () => {
  const lines = ['999.1.1.1', '1.2.3', '01.02.03.04', '192.030.0.6', '1.2.3.4.5', 'fe80::1%eth0', '::ffff:999.1.1.1'].map(
    (address, index) => `Mar  4 10:00:0${index} h sshd[${10 + index}]: Failed password for root from ${address} port 22 ssh2`,
  );
  assert.deepEqual(run('ssh', lines), lines.map(() => []));
});

test('addresses come out canonical: IPv4-mapped IPv6 folds to IPv4, IPv6 in RFC 5952 form', () => {
  assert.deepEqual(
    run('ssh', [
      'Mar  4 10:00:00 h sshd[1]: Failed password for root from ::ffff:1.2.3.4 port 22 ssh2',
      'Mar  4 10:00:01 h sshd[2]: Failed password for root from 2001:DB8:0:0:0:0:0:1 port 22 ssh2',
      'Mar  4 10:00:02 h sshd[3]: ROOT LOGIN REFUSED FROM ::FFFF:203.0.113.5',
    ]),
    [['1.2.3.4'], ['2001:db8::1'], ['203.0.113.5']],
  );
});

test('a host name is never resolved: alone it bans nobody, with its connection it bans the connection\'s address', () => {
  assert.deepEqual(run('ssh', ['Mar  4 10:00:00 h sshd[1]: User root from attacker.example.com not allowed because listed in DenyUsers']), [[]]);
  assert.deepEqual(
    run('ssh', [
      'Mar  4 10:00:00 h sshd[2]: User root from attacker.example.com not allowed because listed in DenyUsers',
      'Mar  4 10:00:01 h sshd[2]: Connection closed by 203.0.113.3 port 4000 [preauth]',
    ]),
    [[], ['203.0.113.3']],
  );
});

test('pam_unix and sshd logging one wrong password count as one failure', () => {
  assert.deepEqual(
    run('ssh', [
      'Mar  4 10:00:00 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.1  user=root',
      'Mar  4 10:00:02 h sshd[1]: Failed password for root from 203.0.113.1 port 4000 ssh2',
    ]),
    [[], ['203.0.113.1']],
  );
});

test('"maximum authentication attempts exceeded" and the disconnect after it count as one', () => {
  assert.deepEqual(
    run('ssh', [
      'Mar  4 10:00:00 h sshd[1]: error: maximum authentication attempts exceeded for invalid user xxx from 192.0.2.7 port 49941 ssh2 [preauth]',
      'Mar  4 10:00:00 h sshd[1]: Disconnecting invalid user xxx 192.0.2.7 port 49941: Too many authentication failures [preauth]',
    ]),
    [['192.0.2.7'], []],
  );
});

test('a failure without an address takes it from an earlier or a later line of the same sshd process', () => {
  assert.deepEqual(
    run('ssh', [
      'Mar  4 10:00:00 h sshd[1]: Connection from 203.0.113.2 port 5000 on 192.0.2.1 port 22',
      'Mar  4 10:00:05 h sshd[1]: Disconnecting: Too many authentication failures for root [preauth]',
    ]),
    [[], ['203.0.113.2']],
  );
  assert.deepEqual(
    run('ssh', [
      'Mar  4 10:00:00 h sshd[2]: Disconnecting: Too many authentication failures for root [preauth]',
      'Mar  4 10:00:01 h sshd[3]: Connection closed by 198.51.100.9 [preauth]',
      'Mar  4 10:00:02 h sshd[2]: Connection closed by 203.0.113.4 port 5001 [preauth]',
    ]),
    [[], [], ['203.0.113.4']],
  );
});

test('another host\'s process with the same pid is another connection', () => {
  assert.deepEqual(
    run('ssh', ['Mar  4 10:00:00 a sshd[7]: User root not allowed because account is locked', 'Mar  4 10:00:01 b sshd[7]: Connection closed by 203.0.113.5 port 1 [preauth]']),
    [[], []],
  );
});

test('a failure waiting for its address is forgotten once its connection is older than max_age_seconds', () => {
  assert.deepEqual(
    run('ssh', ['Mar  4 10:00:00 h sshd[8]: User root not allowed because account is locked', 'Mar  4 10:16:00 h sshd[8]: Connection closed by 203.0.113.6 port 1 [preauth]']),
    [[], []],
  );
});

const tinyFilter = compileFilterData(
  parse(`
name = "tiny"
programs = '^app$'
[correlation]
by = "process"
max_sessions = 8
max_age_seconds = 60
[[patterns]]
name = "waiting"
event_type = "failed_auth"
regex = '^fail$'
[[patterns]]
name = "bye"
role = "hint"
forget = true
regex = '^bye <ip>$'
`),
  'tiny.toml',
);

test('connections beyond max_sessions push out the least recent ones, so memory stays bounded', () => {
  const lines: string[] = [];
  for (let pid = 1; pid <= 64; pid++) lines.push(`Mar  4 10:00:00 h app[${pid}]: fail`);
  lines.push('Mar  4 10:00:01 h app[1]: bye 203.0.113.1', 'Mar  4 10:00:01 h app[64]: bye 203.0.113.64');
  const result = run(tinyFilter, lines);
  assert.deepEqual(result.slice(-2), [[], ['203.0.113.64']]);
});

test('a journald line without a timestamp takes the time its source gives, and no time when there is none', () => {
  const instance = matcher('ssh');
  const [fromSource] = instance.push('sshd[42]: Failed password for root from 192.0.2.1 port 22 ssh2', Date.UTC(2024, 2, 4, 10, 0, 0, 500));
  assert.equal(fromSource?.time, Date.UTC(2024, 2, 4, 10, 0, 0, 500));
  const [timeless] = instance.push('sshd[43]: Failed password for root from 192.0.2.2 port 22 ssh2');
  assert.equal(timeless?.time, null);
  const [own] = instance.push('Mar  4 10:00:00 h sshd[44]: Failed password for root from 192.0.2.3 port 22 ssh2');
  assert.equal(own?.time, Date.UTC(2024, 2, 4, 10, 0, 0));
});

test('a failure reports the pattern and the event type that recognised it', () => {
  const [match] = matcher('ssh').push('Mar  4 10:00:00 h sshd[1]: Invalid user pi from 192.0.2.1 port 22');
  assert.deepEqual(match, { address: '192.0.2.1', time: Date.UTC(2024, 2, 4, 10), pattern: 'invalid_user', eventType: 'invalid_user' });
});

test('lines of other programs are skipped, and the matcher says which lines came from its service', () => {
  const instance = matcher('ssh');
  assert.deepEqual(instance.push('Mar  4 10:00:00 h sudo: Failed password for root from 192.0.2.1 port 22 ssh2'), []);
  assert.equal(instance.lastLineFromService, false);
  assert.deepEqual(instance.push('Mar  4 10:00:00 h sshd[1]: Server listening on 0.0.0.0 port 22.'), []);
  assert.equal(instance.lastLineFromService, true);
  assert.equal(instance.lastPattern, null);
});

test('a dovecot summary stands for its attempts, but never for more than a bounded number', () => {
  const summary = (attempts: number) =>
    `Mar  4 12:00:00 mx dovecot: imap-login: Disconnected (auth failed, ${attempts} attempts in 9 secs): user=<x>, method=PLAIN, rip=192.0.2.9, lip=192.0.2.1`;
  const instance = matcher('dovecot');
  assert.equal(instance.push(summary(4)).length, 4);
  assert.equal(instance.push(summary(100000)).length, MAX_ATTEMPTS_PER_LINE);
});

test('a one-megabyte line is dropped whole and quickly', () => {
  const instance = matcher('ssh');
  const huge = `Mar  4 10:00:00 h sshd[1]: Failed password for ${'a'.repeat(1 << 20)} from 192.0.2.1 port 22 ssh2`;
  const started = performance.now();
  assert.deepEqual(instance.push(huge), []);
  assert.ok(performance.now() - started < 100);
});

test('binary garbage and control characters never throw and never match', () => {
  for (const filter of ['ssh', 'nginx', 'apache', 'postfix', 'dovecot']) {
    const instance = matcher(filter);
    for (let seed = 1; seed < 50; seed++) {
      const garbage = String.fromCharCode(...Array.from({ length: 300 }, (_unused, index) => (index * seed * 7919) % 65536));
      assert.deepEqual(instance.push(garbage), [], filter);
      assert.deepEqual(instance.push(`Mar  4 10:00:00 h sshd[1]: ${garbage}`), [], filter);
    }
    assert.deepEqual(instance.push(''), []);
  }
});

test('user patterns search the whole line and find the timestamp themselves', () => {
  const definition = compileUserPatterns('web', [{ name: 'login', regex: 'login failed for .+ from (?P<ip>\\S+)$', eventType: 'failed_auth' }]);
  const instance = matcher(definition);
  const [match] = instance.push('2024-03-04T10:00:00Z app: login failed for bob from 192.0.2.77');
  assert.deepEqual(match, { address: '192.0.2.77', time: Date.UTC(2024, 2, 4, 10), pattern: 'login', eventType: 'failed_auth' });
  assert.deepEqual(instance.push('login failed for bob from example.com'), []);
});

test('a user pattern without a named group takes the address from group 1', () => {
  const definition = compileUserPatterns('web', [{ name: 'legacy', regex: 'denied (\\S+)', eventType: 'access_denied' }]);
  assert.deepEqual(matcher(definition).push('x denied 203.0.113.7 y').map((match) => match.address), ['203.0.113.7']);
});
