// Splitting a line into time, host, tag and message, for every shape a log reaches the filters in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogLine } from '../../../helper/filters/log-line.js';

process.env.TZ = 'UTC';

function split(text: string) {
  const line = new LogLine(() => Date.UTC(2024, 5, 30));
  line.parse(text);
  const slice = (start: number, end: number): string | null => (start < 0 ? null : text.slice(start, end));
  return {
    time: line.time() === null ? null : new Date(line.time()!).toISOString(),
    host: slice(line.hostStart, line.hostEnd),
    program: line.program(),
    pid: line.pid,
    message: text.slice(line.messageStart),
    fromTag: text.slice(line.tagSubjectStart),
  };
}

test('a BSD syslog line has a time, a host, a program with its pid and a message', () => {
  assert.deepEqual(split('Mar  4 10:12:01 bastion sshd[4101]: Invalid user x from 192.0.2.1'), {
    time: '2024-03-04T10:12:01.000Z',
    host: 'bastion',
    program: 'sshd',
    pid: 4101,
    message: 'Invalid user x from 192.0.2.1',
    fromTag: 'sshd[4101]: Invalid user x from 192.0.2.1',
  });
});

test('the host may be missing, and the program may be bracketed', () => {
  assert.equal(split('Nov 23 21:50:19 sshd[8148]: Disconnecting: x').host, null);
  assert.equal(split('Nov 23 21:50:19 sshd[8148]: Disconnecting: x').program, 'sshd');
  assert.deepEqual(
    { ...split('Mar  3 00:17:22 [sshd]: User root from 192.0.2.1 not allowed'), time: null },
    { time: null, host: null, program: 'sshd', pid: -1, message: 'User root from 192.0.2.1 not allowed', fromTag: '[sshd]: User root from 192.0.2.1 not allowed' },
  );
  assert.equal(split('Jun 25 23:53:34 [sshd] User root from 192.0.2.1').message, 'User root from 192.0.2.1');
});

test('slashes in the program name and dovecot process tags are kept apart from the pid', () => {
  assert.equal(split('Mar  4 12:00:02 mx1 postfix/submission/smtpd[3302]: warning: x').program, 'postfix/submission/smtpd');
  const worker = split('Jun 12 23:06:05 auth-worker(57065): Info: sql(x,192.0.2.1): unknown user');
  assert.deepEqual([worker.host, worker.program, worker.pid, worker.message], [null, 'auth-worker', 57065, 'Info: sql(x,192.0.2.1): unknown user']);
  const request = split('Mar  4 12:11:20 auth(hr@example.org,192.0.2.128,sasl:plain)<Ty6uI8oP0aS2>: Info: sql: Password mismatch');
  assert.deepEqual([request.program, request.pid, request.message], ['auth', -1, 'Info: sql: Password mismatch']);
  assert.equal(request.fromTag, 'auth(hr@example.org,192.0.2.128,sasl:plain)<Ty6uI8oP0aS2>: Info: sql: Password mismatch');
});

test('journald lines come without a time: with or without a host', () => {
  assert.deepEqual(split('sshd[1234]: Failed password for root from 192.0.2.1 port 22 ssh2'), {
    time: null,
    host: null,
    program: 'sshd',
    pid: 1234,
    message: 'Failed password for root from 192.0.2.1 port 22 ssh2',
    fromTag: 'sshd[1234]: Failed password for root from 192.0.2.1 port 22 ssh2',
  });
  assert.equal(split('srv sshd[1234]: Connection closed by 192.0.2.1').host, 'srv');
});

test('an RFC 5424 line gives its host, app name and procid, and skips structured data', () => {
  const line = split('<38>1 2019-07-08T17:40:16.954167-04:00 host.example.org sshd 57915 - [a b="x]y\\"] z"][c@1 d="e"] Failed unknown for x');
  assert.deepEqual(line, {
    time: '2019-07-08T21:40:16.954Z',
    host: 'host.example.org',
    program: 'sshd',
    pid: 57915,
    message: 'Failed unknown for x',
    fromTag: 'Failed unknown for x',
  });
  assert.equal(split('<38>1 - - sshd - - - hello').message, 'hello');
});

test('an RFC 3164 line may start with its priority', () => {
  assert.deepEqual([split('<34>Oct 11 22:14:15 mymachine su: msg').program, split('<34>Oct 11 22:14:15 mymachine su: msg').message], ['su', 'msg']);
});

test('nginx and apache lines have no tag: the message follows the time', () => {
  const nginx = split('2024/03/04 10:40:01 [error] 812#812: *1 user "a" was not found');
  assert.deepEqual([nginx.program, nginx.message, nginx.time], [null, '[error] 812#812: *1 user "a" was not found', '2024-03-04T10:40:01.000Z']);
  const apache = split('[Mon Mar 04 11:00:01 2024] [error] [client 192.0.2.1] user x not found');
  assert.deepEqual([apache.program, apache.message], [null, '[error] [client 192.0.2.1] user x not found']);
});

test('nginx logging through syslog or journald keeps its own timestamp, which is skipped', () => {
  const syslog = split('Mar  4 10:42:00 web3 nginx: 2024/03/04 10:41:59 [error] 812#812: *1 x');
  assert.deepEqual([syslog.program, syslog.message, syslog.time], ['nginx', '[error] 812#812: *1 x', '2024-03-04T10:42:00.000Z']);
  const journal = split('nginx[812]: 2024/03/04 10:42:01 [error] 812#812: *1 x');
  assert.deepEqual([journal.message, journal.time], ['[error] 812#812: *1 x', '2024-03-04T10:42:01.000Z']);
});

test('a line with no recognisable header is all message', () => {
  assert.deepEqual(split('just some text'), { time: null, host: null, program: null, pid: -1, message: 'just some text', fromTag: 'just some text' });
  assert.equal(split('').message, '');
});

test('lines from the same process on the same host share a process key; others do not', () => {
  const key = (text: string): [number | null, number] => {
    const line = new LogLine(() => 0);
    line.parse(text);
    return [line.processKey(), line.processKey() === null ? 0 : line.processOwner()];
  };
  assert.deepEqual(key('Mar  4 10:00:00 a sshd[42]: x'), key('Mar  4 10:05:00 a sshd[42]: y'));
  assert.notDeepEqual(key('Mar  4 10:00:00 a sshd[42]: x'), key('Mar  4 10:00:00 b sshd[42]: x'));
  assert.notDeepEqual(key('Mar  4 10:00:00 a sshd[42]: x'), key('Mar  4 10:00:00 a sshd[43]: x'));
  assert.notDeepEqual(key('Mar  4 10:00:00 a sshd[42]: x'), key('Mar  4 10:00:00 a sshd-session[42]: x'));
  assert.equal(key('Mar  4 10:00:00 a sshd: x')[0], null);
});

test('binary garbage and control characters parse without throwing', () => {
  const garbage = String.fromCharCode(...Array.from({ length: 512 }, (_unused, index) => (index * 131) % 65536));
  assert.doesNotThrow(() => split(garbage));
  assert.doesNotThrow(() => split('\u0000[\u0000]:\u0000 \u0000'));
  assert.doesNotThrow(() => split('<'));
  assert.doesNotThrow(() => split('<38>1 '));
});
