import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ATTACK_WINDOW_MS, createTrayState } from '../../../electron/main/tray-state.js';

function machine() {
  let clock = 1_000_000;
  const tray = createTrayState({ now: () => clock });
  return { tray, advance: (ms: number) => (clock += ms), at: () => clock };
}

test('the icon says unreachable until the helper answers, whatever bans were seen', () => {
  const { tray, at } = machine();
  assert.equal(tray.state(), 'unreachable');
  tray.banAdded(at());
  assert.equal(tray.state(), 'unreachable');
  assert.equal(tray.nextChange(), null);
});

test('a reachable helper with no recent ban is protected', () => {
  const { tray } = machine();
  tray.helperReachable(true);
  assert.equal(tray.state(), 'protected');
  assert.equal(tray.nextChange(), null);
});

test('a ban turns the icon to under attack until the window after the newest ban ends', () => {
  const { tray, advance, at } = machine();
  tray.helperReachable(true);
  tray.banAdded(at());
  assert.equal(tray.state(), 'under-attack');
  advance(ATTACK_WINDOW_MS - 60_000);
  tray.banAdded(at());
  assert.equal(tray.nextChange(), at() + ATTACK_WINDOW_MS, 'the newest ban sets when it ends');
  advance(ATTACK_WINDOW_MS - 1);
  assert.equal(tray.state(), 'under-attack');
  advance(1);
  assert.equal(tray.state(), 'protected');
  assert.equal(tray.nextChange(), null);
});

test('an older ban arriving late does not shorten the window', () => {
  const { tray, at, advance } = machine();
  tray.helperReachable(true);
  tray.banAdded(at());
  tray.banAdded(at() - ATTACK_WINDOW_MS);
  advance(ATTACK_WINDOW_MS - 1);
  assert.equal(tray.state(), 'under-attack');
});

test('losing the helper wins over an attack, and coming back restores it', () => {
  const { tray, at } = machine();
  tray.helperReachable(true);
  tray.banAdded(at());
  tray.helperReachable(false);
  assert.equal(tray.state(), 'unreachable');
  tray.helperReachable(true);
  assert.equal(tray.state(), 'under-attack');
});
