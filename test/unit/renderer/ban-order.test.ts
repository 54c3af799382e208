import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BanInfo } from '../../../helper/protocol/index.js';
import { addressSortKey, filterBans, resortAfterChange, sortBans, type SortKey, type SortOrder } from '../../../renderer/ban-order.js';

function ban(ip: string, fields: Partial<BanInfo> = {}): BanInfo {
  return { ip, service: 'ssh', reason: '3 failures (failed_password)', source: 'detector', banned_at: 1_000, expires_at: 2_000, failures: 3, ...fields };
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

test('addresses sort by number, not by text: IPv4 before IPv6, 9 before 10, :: expanded', () => {
  const ips = ['10.0.0.1', '9.255.255.255', '192.168.0.10', '192.168.0.9', '2001:db8::1', '2001:db8:0:0:0:0:0:2', '::1', '1.2.3.4'];
  const sorted = [...ips].sort((left, right) => (addressSortKey(left) < addressSortKey(right) ? -1 : addressSortKey(left) > addressSortKey(right) ? 1 : 0));
  assert.deepEqual(sorted, ['1.2.3.4', '9.255.255.255', '10.0.0.1', '192.168.0.9', '192.168.0.10', '::1', '2001:db8::1', '2001:db8:0:0:0:0:0:2']);
  assert.equal(addressSortKey('2001:db8::1'), addressSortKey('2001:0db8:0:0:0:0:0:1'));
});

test('every column sorts both ways; permanent bans (expires_at 0) and ties keep a stable, total order', () => {
  const bans = [ban('10.0.0.2', { failures: 9, expires_at: 0 }), ban('10.0.0.10', { failures: 3, service: 'Nginx' }), ban('10.0.0.1', { failures: 5, service: 'apache' })];
  assert.deepEqual(sortBans(bans, { key: 'ip', direction: 'ascending' }).map((entry) => entry.ip), ['10.0.0.1', '10.0.0.2', '10.0.0.10']);
  assert.deepEqual(sortBans(bans, { key: 'failures', direction: 'descending' }).map((entry) => entry.failures), [9, 5, 3]);
  assert.deepEqual(sortBans(bans, { key: 'service', direction: 'ascending' }).map((entry) => entry.service), ['apache', 'Nginx', 'ssh']);
  const byExpiry = sortBans(bans, { key: 'expires_at', direction: 'descending' }).map((entry) => entry.ip);
  assert.equal(byExpiry.length, 3);
  assert.deepEqual(sortBans(bans, { key: 'ip', direction: 'descending' }).map((entry) => entry.ip), ['10.0.0.10', '10.0.0.2', '10.0.0.1']);
});

test('patching a sorted list with added and removed bans gives what a full sort gives, for every column', () => {
  const next = random(7);
  const services = ['ssh', 'nginx', 'postfix', 'dovecot'];
  const make = (index: number) =>
    ban(`198.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${index % 256}`, {
      service: services[Math.floor(next() * services.length)]!,
      failures: Math.floor(next() * 20),
      banned_at: 1_000 + Math.floor(next() * 500),
      expires_at: next() < 0.1 ? 0 : 5_000 + Math.floor(next() * 500),
      reason: `r${Math.floor(next() * 50)}`,
    });
  const keys: SortKey[] = ['ip', 'service', 'reason', 'source', 'failures', 'banned_at', 'expires_at'];
  for (const key of keys) {
    for (const direction of ['ascending', 'descending'] as const) {
      const order: SortOrder = { key, direction };
      const start = Array.from({ length: 500 }, (_, index) => make(index));
      const unique = [...new Map(start.map((entry) => [entry.ip, entry])).values()];
      const sorted = sortBans(unique, order);
      const removed = new Set(unique.filter(() => next() < 0.2).map((entry) => entry.ip));
      const added = Array.from({ length: 40 }, (_, index) => make(1_000 + index)).filter((entry) => !unique.some((other) => other.ip === entry.ip));
      const patched = resortAfterChange(sorted, { previous: unique, added, removed }, order);
      assert.ok(patched, 'a small change is patched, not re-sorted');
      const expected = sortBans([...unique.filter((entry) => !removed.has(entry.ip)), ...added], order);
      // Equal sort values may sit in any order among themselves; the values must line up.
      const valuesOf = (list: readonly BanInfo[]) => list.map((entry) => (key === 'ip' ? addressSortKey(entry.ip) : key === 'service' || key === 'reason' || key === 'source' ? String(entry[key]).toLowerCase() : entry[key]));
      assert.deepEqual(valuesOf(patched), valuesOf(expected), `${key} ${direction}`);
      assert.deepEqual(new Set(patched.map((entry) => entry.ip)), new Set(expected.map((entry) => entry.ip)));
    }
  }
});

test('a large change asks for a full sort instead of thousands of inserts', () => {
  const added = Array.from({ length: 2_001 }, (_, index) => ban(`10.1.${index >> 8}.${index & 255}`));
  assert.equal(resortAfterChange([], { previous: [], added, removed: new Set() }, { key: 'ip', direction: 'ascending' }), null);
});

test('the filter matches address, service or reason, case-insensitively, trims, and keeps the order', () => {
  const bans = [ban('203.0.113.7', { service: 'nginx' }), ban('198.51.100.7', { reason: 'Seen SCANNING' }), ban('192.0.2.1')];
  assert.deepEqual(filterBans(bans, '  scanning ').map((entry) => entry.ip), ['198.51.100.7']);
  assert.deepEqual(filterBans(bans, 'NGINX').map((entry) => entry.ip), ['203.0.113.7']);
  assert.deepEqual(filterBans(bans, '.7').map((entry) => entry.ip), ['203.0.113.7', '198.51.100.7']);
  assert.equal(filterBans(bans, ''), bans);
  assert.deepEqual(filterBans(bans, 'nothing like it'), []);
});
