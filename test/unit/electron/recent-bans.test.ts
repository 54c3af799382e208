import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRecentBans, RECENT_BANS_KEPT, SERVICES_REMEMBERED } from '../../../electron/main/recent-bans.js';

test('bans are listed newest first, with the service of the last attack of that address', () => {
  const recent = createRecentBans();
  recent.attack('203.0.113.7', 'nginx');
  recent.attack('203.0.113.7', 'sshd');
  recent.banAdded('203.0.113.7', 1_000);
  recent.banAdded('198.51.100.1', 2_000);
  assert.deepEqual(recent.list(), [
    { ip: '198.51.100.1', at: 2_000, service: undefined },
    { ip: '203.0.113.7', at: 1_000, service: 'sshd' },
  ]);
  assert.equal(recent.serviceOf('203.0.113.7'), 'sshd');
  assert.equal(recent.serviceOf('198.51.100.1'), undefined);
});

test('a re-ban moves the address to the front, once', () => {
  const recent = createRecentBans();
  recent.banAdded('203.0.113.1', 1);
  recent.banAdded('203.0.113.2', 2);
  recent.banAdded('203.0.113.3', 3);
  recent.attack('203.0.113.1', 'postfix');
  recent.banAdded('203.0.113.1', 4);
  assert.deepEqual(recent.list(), [
    { ip: '203.0.113.1', at: 4, service: 'postfix' },
    { ip: '203.0.113.3', at: 3, service: undefined },
    { ip: '203.0.113.2', at: 2, service: undefined },
  ]);
});

test('an unban removes the address; an unknown one changes nothing', () => {
  const recent = createRecentBans();
  recent.banAdded('203.0.113.1', 1);
  recent.banAdded('203.0.113.2', 2);
  recent.banRemoved('203.0.113.1');
  recent.banRemoved('192.0.2.99');
  assert.deepEqual(recent.list().map((ban) => ban.ip), ['203.0.113.2']);
});

test(`at most ${RECENT_BANS_KEPT} bans are kept, the oldest dropped`, () => {
  const recent = createRecentBans();
  for (let index = 1; index <= RECENT_BANS_KEPT + 15; index++) recent.banAdded(`10.0.0.${index}`, index);
  const list = recent.list();
  assert.equal(list.length, RECENT_BANS_KEPT);
  assert.equal(list[0]!.ip, `10.0.0.${RECENT_BANS_KEPT + 15}`);
  assert.equal(list.at(-1)!.ip, '10.0.0.16');
});

test(`reset replaces the list, kept to ${RECENT_BANS_KEPT}`, () => {
  const recent = createRecentBans();
  recent.banAdded('203.0.113.1', 1);
  const bans = Array.from({ length: RECENT_BANS_KEPT + 5 }, (_, index) => ({ ip: `10.1.0.${index}`, at: 100 - index, service: 'sshd' }));
  recent.reset(bans);
  assert.deepEqual(recent.list(), bans.slice(0, RECENT_BANS_KEPT));
  recent.reset([]);
  assert.deepEqual(recent.list(), []);
});

test(`services are remembered for ${SERVICES_REMEMBERED} addresses, the least recently attacking forgotten first`, () => {
  const recent = createRecentBans();
  const ip = (index: number) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
  for (let index = 0; index < SERVICES_REMEMBERED; index++) recent.attack(ip(index), `service-${index}`);
  recent.attack(ip(0), 'sshd');
  recent.attack(ip(SERVICES_REMEMBERED), 'new');
  assert.equal(recent.serviceOf(ip(0)), 'sshd', 'attacked again: now among the newest');
  assert.equal(recent.serviceOf(ip(1)), undefined, 'the oldest is forgotten');
  assert.equal(recent.serviceOf(ip(2)), 'service-2');
  assert.equal(recent.serviceOf(ip(SERVICES_REMEMBERED)), 'new');
  recent.attack(ip(SERVICES_REMEMBERED + 1), 'newer');
  assert.equal(recent.serviceOf(ip(2)), undefined);
  assert.equal(recent.serviceOf(ip(0)), 'sshd');
});

test('a flush (BanRemoved "*") empties the list', () => {
  const recent = createRecentBans();
  recent.banAdded('192.0.2.1', 1);
  recent.banAdded('192.0.2.2', 2);
  recent.banRemoved('*');
  assert.deepEqual(recent.list(), []);
});
