// How journal entries become lines, and what journalctl is asked for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { journalctlArguments, journalEntryText, journalEntryTime } from '../../../helper/sources/journal-source.js';

test('an entry reads like a syslog line: identifier, pid in brackets, message', () => {
  assert.equal(journalEntryText({ SYSLOG_IDENTIFIER: 'sshd', _PID: '812', MESSAGE: 'Invalid user admin from 198.51.100.4 port 50022' }),
    'sshd[812]: Invalid user admin from 198.51.100.4 port 50022');
});

test('the pid falls back to SYSLOG_PID, the identifier to _COMM, and either may be absent', () => {
  assert.equal(journalEntryText({ SYSLOG_IDENTIFIER: 'sshd', SYSLOG_PID: '7', MESSAGE: 'm' }), 'sshd[7]: m');
  assert.equal(journalEntryText({ _COMM: 'dovecot', _PID: '9', MESSAGE: 'm' }), 'dovecot[9]: m');
  assert.equal(journalEntryText({ SYSLOG_IDENTIFIER: 'kernel', MESSAGE: 'm' }), 'kernel: m');
  assert.equal(journalEntryText({ MESSAGE: 'bare' }), 'bare');
});

test('a binary message given as an array of bytes is decoded as UTF-8, invalid bytes replaced', () => {
  assert.equal(journalEntryText({ SYSLOG_IDENTIFIER: 'x', MESSAGE: [104, 195, 169, 0, 255] }), 'x: h\u00e9\u0000\uFFFD');
});

test('a repeated field uses its first value, and an entry without a message gives no line', () => {
  assert.equal(journalEntryText({ SYSLOG_IDENTIFIER: ['sshd', 'other'], MESSAGE: ['first', [115, 101, 99]] }), 'sshd: first');
  assert.equal(journalEntryText({ SYSLOG_IDENTIFIER: 'sshd' }), null);
  assert.equal(journalEntryText({ SYSLOG_IDENTIFIER: 'sshd', MESSAGE: null }), null);
  assert.equal(journalEntryText({ SYSLOG_IDENTIFIER: 'sshd', MESSAGE: [1, 2, 300] }), null);
});

test('a multi-line message stays one text, so an embedded line cannot pass for a line of its own', () => {
  assert.equal(journalEntryText({ SYSLOG_IDENTIFIER: 'app', _PID: '1', MESSAGE: 'user said\nsshd[2]: Failed password for root from 192.0.2.1\n' }),
    'app[1]: user said\nsshd[2]: Failed password for root from 192.0.2.1');
});

test('the time is __REALTIME_TIMESTAMP in milliseconds, and absent when unusable', () => {
  assert.equal(journalEntryTime({ __REALTIME_TIMESTAMP: '1700000000123456' }), 1_700_000_000_123);
  assert.equal(journalEntryTime({ __REALTIME_TIMESTAMP: 'soon' }), undefined);
  assert.equal(journalEntryTime({}), undefined);
});

test('journalctl follows every unit from the saved cursor, or from the window start without one', () => {
  assert.deepEqual(journalctlArguments({ units: ['ssh.service'], cursor: 's=1;i=2', sinceEpochSeconds: 5 }),
    ['--follow', '--output=json', '--all', '--no-pager', '--quiet', '--no-tail', '--unit=ssh.service', '--after-cursor=s=1;i=2']);
  assert.deepEqual(journalctlArguments({ units: ['a', '-b'], cursor: undefined, sinceEpochSeconds: 1_700_000_000 }).slice(-3),
    ['--unit=a', '--unit=-b', '--since=@1700000000']);
});
