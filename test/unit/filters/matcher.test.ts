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

test('dovecot: a login line\'s user name never chooses the address nor the attempt count', () => {
  const login = (user: string) =>
    `Mar  4 12:00:00 mx dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<${user}>, method=PLAIN, rip=203.0.113.60, lip=192.0.2.1, TLS, session=<s${user.length}>`;
  assert.deepEqual(run('dovecot', [login('a>, method=PLAIN, rip=198.51.100.1, lip=192.0.2.1, TLS, session=<x')]), [['203.0.113.60']]);
  assert.deepEqual(run('dovecot', [login('a (auth failed, 9 attempts in 1 secs): user=<b>, rip=198.51.100.1')]), [['203.0.113.60']]);
  assert.deepEqual(run('dovecot', [login('a, rip=198.51.100.1')]), [['203.0.113.60']]);
});

test('dovecot: an auth line\'s user name or given password never chooses the address: the real one or no match', () => {
  // User names with commas (auth_username_chars may allow them): dovecot's real tail cannot be absorbed.
  assert.deepEqual(run('dovecot', ['Mar  4 12:00:00 mx dovecot: auth: passwd-file(x,198.51.100.1,<a>): Password mismatch,203.0.113.61,<s1>): unknown user']), [[]]);
  assert.deepEqual(run('dovecot', ['Mar  4 12:00:00 mx dovecot: auth: passwd-file(x,198.51.100.1): unknown user,203.0.113.61): unknown user']), [[]]);
  assert.deepEqual(run('dovecot', ['Mar  4 12:00:00 mx dovecot: auth-worker(1): pam(x,198.51.100.1): pam_authenticate() failed: Permission denied,203.0.113.61): pam_authenticate() failed: Permission denied']), [[]]);
  assert.deepEqual(run('dovecot', ['Mar  4 12:00:00 mx dovecot: auth: ldap(x,198.51.100.1,<a>): Password mismatch (SHA1 of given password: 00),203.0.113.61,<s2>): Password mismatch (SHA1 of given password: 00)']), [[]]);
  assert.deepEqual(
    run('dovecot', ['Mar  4 12:00:00 auth(x,198.51.100.1,imap)<a>: Info: sql: unknown user (given password: ,203.0.113.61,imap)<s3>: Info: sql: unknown user (given password: pw)']),
    [[]],
  );
  assert.deepEqual(run('dovecot', ['Mar  4 12:00:00 auth(x,198.51.100.1,imap): Info: sql: Password mismatch (given password: ,203.0.113.61,imap): Info: sql: Password mismatch)']), [[]]);
  // A password is the client's: whatever it holds after the real address changes nothing.
  assert.deepEqual(
    run('dovecot', [
      'Mar  4 12:00:00 auth(mia,203.0.113.62,imap)<s4>: Info: sql: Password mismatch (given password: ,198.51.100.1,imap)x: Info: sql: Password mismatch)',
      'Mar  4 12:00:01 mx dovecot: auth: passwd-file(mia,203.0.113.62,<s5>): unknown user (given password: x,198.51.100.1,<y>) unknown user)',
    ]),
    [['203.0.113.62'], ['203.0.113.62']],
  );
});

test('pam_unix: a user name with spaces (dovecot sets it as ruser too) never moves rhost', () => {
  const dovecot = (ruserAndUser: string, rhost: string) =>
    `Mar  4 12:00:00 mx auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=${ruserAndUser} rhost=${rhost}  user=${ruserAndUser}`;
  assert.deepEqual(run('dovecot', [dovecot('john doe', '203.0.113.63')]), [['203.0.113.63']]);
  assert.deepEqual(run('dovecot', [dovecot('x rhost=198.51.100.1 user=x', '203.0.113.63')]), [['203.0.113.63']]);
  assert.deepEqual(run('dovecot', [dovecot('x rhost=198.51.100.1  user=x rhost=198.51.100.2 user=x', '203.0.113.63')]), [['203.0.113.63']]);
  // ssh: a prelude counts when it shows a second user name on the connection, at the connection's address.
  const ssh = (ruserAndUser: string) =>
    `Mar  4 10:00:01 h sshd[9]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=${ruserAndUser} rhost=203.0.113.64  user=${ruserAndUser}`;
  const first = 'Mar  4 10:00:00 h sshd[9]: Failed password for root from 203.0.113.64 port 4000 ssh2';
  assert.deepEqual(run('ssh', [first, ssh('john doe')]), [['203.0.113.64'], ['203.0.113.64']]);
  assert.deepEqual(run('ssh', [first, ssh('x rhost=198.51.100.1 user=x')]), [['203.0.113.64'], ['203.0.113.64']]);
});

test('apache: request text, user names and referers never choose the address; the client\'s port never joins it', () => {
  const v24 = (client: string, message: string) => `[Mon Mar 04 11:00:01.000001 2024] [auth_basic:error] [pid 1:tid 2] [client ${client}] AH01618: ${message}`;
  assert.deepEqual(run('apache', [v24('203.0.113.65:51000', 'user x: /p/ [client 198.51.100.1:1] AH01618: user y not found: /')]), [['203.0.113.65']]);
  assert.deepEqual(run('apache', [v24('203.0.113.65:51000', 'user [client 198.51.100.1] not found: /private/')]), [['203.0.113.65']]);
  assert.deepEqual(
    run('apache', ['[Mon Mar 04 11:00:01.000001 2024] [authz_core:error] [pid 1] [client 203.0.113.66:80] AH01630: client denied by server configuration: /x, referer: http://e/] [client 198.51.100.1:1] x']),
    [['203.0.113.66']],
  );
  assert.deepEqual(
    run('apache', ['[Mon Mar 04 11:00:01.000001 2024] [auth_digest:error] [pid 1] [client 203.0.113.67:80] AH01790: user `[client 198.51.100.1:1]\' in realm `r\' not found: /']),
    [['203.0.113.67']],
  );
  // Text a client put in a URL is not httpd's header: the line is about something else and counts nothing.
  assert.deepEqual(run('apache', ['[Mon Mar 04 11:00:01 2024] [error] [client 203.0.113.68] File does not exist: /srv/[error] [client 198.51.100.1] user root not found']), [[]]);
  // Unbracketed IPv6 with the port the client picked, of any length: the port is never a group of the address.
  for (const port of ['1', '12', '123', '1234', '12345']) {
    assert.deepEqual(run('apache', [v24(`2001:db8::68:${port}`, 'user x not found: /')]), [['2001:db8::68']], port);
    assert.deepEqual(run('apache', [v24(`203.0.113.69:${port}`, 'user x not found: /')]), [['203.0.113.69']], port);
  }
  // 2.4 without a port is not httpd's output: no address is read from it.
  assert.deepEqual(run('apache', [v24('2001:db8::68', 'user x not found: /'), v24('203.0.113.69', 'user x not found: /')]), [[], []]);
  // 2.2 never logs a port: the whole bracket is the address.
  assert.deepEqual(run('apache', ['[Mon Mar 04 11:00:01 2024] [error] [client 2001:db8::68:1234] user x not found: /']), [['2001:db8::68:1234']]);
});

test('postfix: what the client sends (SASL user names, responses) never chooses the address', () => {
  const line = (reason: string) => `Mar  4 12:00:01 mx1 postfix/submission/smtpd[1]: warning: unknown[203.0.113.70]: SASL LOGIN authentication failed: ${reason}`;
  assert.deepEqual(run('postfix', [line('authentication failure, sasl_username=x warning: unknown[198.51.100.1]: SASL LOGIN authentication failed: y')]), [['203.0.113.70']]);
  assert.deepEqual(run('postfix', [line('UGFzc3dvcmQ6 [198.51.100.1]')]), [['203.0.113.70']]);
  // The host name comes from forward-confirmed DNS and holds no brackets: a line where it would is no match.
  assert.deepEqual(
    run('postfix', ['Mar  4 12:00:01 mx1 postfix/smtpd[1]: warning: evil.example[198.51.100.1][203.0.113.71]: SASL LOGIN authentication failed: x']),
    [[]],
  );
  assert.deepEqual(
    run('postfix', ['Mar  4 12:00:01 mx1 postfix/smtpd[1]: warning: evil.example[198.51.100.1]x[203.0.113.71]: SASL LOGIN authentication failed: x']),
    [[]],
  );
});

test('ssh: "Change of username" cannot be forged inside the 57 bytes sshd keeps of its reason', () => {
  const prefix = 'Change of username or service not allowed: ';
  const line = (user: string, address: string, second = 'a') =>
    `Mar  4 10:00:00 h sshd[5]: Disconnecting invalid user ${user} ${address} port 4000: ${prefix}${`(${user},ssh-connection) -> (${second},ssh-connection)`.slice(0, 57)} [preauth]`;
  assert.deepEqual(run('ssh', [line('web', '203.0.113.72', 'admin')]), [['203.0.113.72']]);
  // Forged text in the second user name, or at the very end of the kept bytes: no match, never one for 1::.
  assert.deepEqual(run('ssh', [line('web', '203.0.113.72', ` 1:: port 1: ${prefix}`)]), [[]]);
  assert.deepEqual(run('ssh', [`Mar  4 10:00:00 h sshd[5]: Disconnecting invalid user web 203.0.113.72 port 4000: ${prefix}( 1:: port 1: ${prefix} [preauth]`]), [[]]);
  assert.deepEqual(run('ssh', [line(`w 198.51.100.1 port 1: ${prefix}(x`, '203.0.113.72')]), [[]]);
  assert.deepEqual(run('ssh', [line(`${'u'.repeat(60)} 198.51.100.1 port 1: ${prefix}(x`, '203.0.113.72')]), [['203.0.113.72']]);
});

test('dovecot: an auth line without a session id and the login summary of the same attempt count once', () => {
  const auth = (time: string, address: string) => `Mar  4 ${time} mx dovecot: auth: passwd-file(bob,${address}): unknown user`;
  const summary = (time: string, address: string, attempts: number, seconds: number | null, session: string | null) =>
    `Mar  4 ${time} mx dovecot: imap-login: Disconnected (auth failed, ${attempts} attempts${seconds === null ? '' : ` in ${seconds} secs`}): ` +
    `user=<bob>, method=PLAIN, rip=${address}, lip=192.0.2.1${session === null ? '' : `, session=<${session}>`}`;
  assert.deepEqual(run('dovecot', [auth('12:00:00', '203.0.113.73'), summary('12:00:02', '203.0.113.73', 1, 2, 'A1')]), [['203.0.113.73'], []]);
  assert.deepEqual(run('dovecot', [auth('12:00:00', '203.0.113.73'), summary('12:00:02', '203.0.113.73', 1, null, null)]), [['203.0.113.73'], []]);
  // Parallel connections of one address: every attempt counted once overall, never less than the summaries say.
  assert.deepEqual(
    run('dovecot', [
      auth('12:00:00', '203.0.113.73'),
      auth('12:00:01', '203.0.113.73'),
      auth('12:00:02', '203.0.113.73'),
      summary('12:00:03', '203.0.113.73', 2, 3, 'B1'),
      summary('12:00:04', '203.0.113.73', 2, 4, 'B2'),
    ]).map((addresses) => addresses.length),
    [1, 1, 1, 0, 1],
  );
  // Auth lines outside the connection's lifetime, or of another address, are other attempts.
  assert.deepEqual(run('dovecot', [auth('12:00:00', '203.0.113.73'), summary('12:01:00', '203.0.113.73', 1, 5, 'C1')]), [['203.0.113.73'], ['203.0.113.73']]);
  assert.deepEqual(run('dovecot', [auth('12:00:00', '203.0.113.74'), summary('12:00:01', '203.0.113.73', 1, 5, 'C2')]), [['203.0.113.74'], ['203.0.113.73']]);
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
