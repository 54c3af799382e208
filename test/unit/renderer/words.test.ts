import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BridgeErrorKind } from '../../../electron/bridge.js';
import { describeError } from '../../../renderer/errors.js';
import { formatExpiry, formatSpan, formatUid } from '../../../renderer/format.js';

test('every error kind the bridge can carry has its own sentence, and the helper\'s refusals say what to do', () => {
  const kinds: BridgeErrorKind[] = ['InvalidAddress', 'InvalidArgument', 'NotAuthorized', 'Whitelisted', 'NotFound', 'Failed', 'Unreachable', 'InteractionRequired', 'AccessDenied', 'BadReply', 'Timeout', 'InvalidRequest', 'NotInstalled'];
  const sentences = kinds.map((kind) => describeError({ kind, message: 'technical' }));
  assert.equal(new Set(sentences).size, kinds.length, 'no two kinds share a sentence');
  for (const sentence of sentences) assert.ok(!sentence.includes('technical') && /^[A-Z].*\.$/.test(sentence), sentence);
  assert.match(describeError({ kind: 'NotAuthorized', message: '' }), /not allowed.*croissant2ban group/);
  assert.match(describeError({ kind: 'InvalidAddress', message: '' }), /not a valid IP address/);
  assert.match(describeError({ kind: 'NotInstalled', message: '' }), /not installed/);
});

test('spans and expiries read as a person says them', () => {
  assert.equal(formatSpan(0), '0 s');
  assert.equal(formatSpan(59), '59 s');
  assert.equal(formatSpan(252), '4 min 12 s');
  assert.equal(formatSpan(3_600), '1 h');
  assert.equal(formatSpan(7_500), '2 h 5 min');
  assert.equal(formatSpan(86_400 + 4 * 3_600), '1 day 4 h');
  assert.equal(formatSpan(3 * 86_400), '3 days');
  assert.equal(formatExpiry(0, 5_000_000), 'permanent');
  assert.equal(formatExpiry(5_000 + 252, 5_000_000), 'in 4 min 12 s');
  assert.equal(formatExpiry(4_999, 5_000_000), 'expired');
  assert.equal(formatUid(0xffff_ffff), 'helper');
  assert.equal(formatUid(0), 'root');
  assert.equal(formatUid(1000), 'uid 1000');
});
