// The address ledger behind "summarised" lines: bounded memory, each line taken once, within a window.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressLedger, MAX_LEDGER_PER_ADDRESS } from '../../../helper/filters/sessions.js';

const SECOND = 1000;

test('a kept line is taken at most once, oldest first, and only within the window asked for', () => {
  const ledger = new AddressLedger(10, 900 * SECOND);
  ledger.add('192.0.2.1', 100 * SECOND);
  ledger.add('192.0.2.1', 110 * SECOND);
  ledger.add('192.0.2.1', 120 * SECOND);
  // Nothing before 105 s, nothing after 115 s.
  assert.equal(ledger.take('192.0.2.1', 3, 105 * SECOND, 115 * SECOND), 1);
  assert.equal(ledger.take('192.0.2.1', 3, 105 * SECOND, 115 * SECOND), 0);
  assert.equal(ledger.take('192.0.2.1', 5, 0, 200 * SECOND), 2);
  assert.equal(ledger.take('192.0.2.1', 5, 0, 200 * SECOND), 0);
  assert.equal(ledger.size, 0);
});

test('a summary takes no more than its own attempts, and another address\'s lines never', () => {
  const ledger = new AddressLedger(10, 900 * SECOND);
  for (let index = 0; index < 4; index++) ledger.add('192.0.2.1', index * SECOND);
  assert.equal(ledger.take('192.0.2.2', 4, 0, 10 * SECOND), 0);
  assert.equal(ledger.take('192.0.2.1', 1, 0, 10 * SECOND), 1);
  assert.equal(ledger.take('192.0.2.1', 0, 0, 10 * SECOND), 0);
  assert.equal(ledger.take('192.0.2.1', 10, 0, 10 * SECOND), 3);
});

test('lines older than max_age are dropped; a late line is kept in time order', () => {
  const ledger = new AddressLedger(10, 60 * SECOND);
  ledger.add('192.0.2.1', 0);
  ledger.add('192.0.2.1', 100 * SECOND);
  ledger.add('192.0.2.1', 90 * SECOND);
  assert.equal(ledger.take('192.0.2.1', 5, 0, 100 * SECOND), 2);
});

test('memory is bounded: addresses beyond the limit push out the least recent, and each keeps a few lines', () => {
  const ledger = new AddressLedger(4, 900 * SECOND);
  for (let index = 0; index < 100; index++) ledger.add(`192.0.2.${index}`, index);
  assert.equal(ledger.size, 4);
  assert.equal(ledger.take('192.0.2.0', 1, 0, 1000), 0);
  assert.equal(ledger.take('192.0.2.99', 1, 0, 1000), 1);
  for (let index = 0; index < 100; index++) ledger.add('198.51.100.1', index);
  assert.equal(ledger.take('198.51.100.1', 1000, 0, 1000), MAX_LEDGER_PER_ADDRESS);
});
