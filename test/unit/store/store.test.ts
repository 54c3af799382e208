import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../../../helper/store/migrations/index.js';
import { migrate, Store, WINDOW_COUNT_QUERIES } from '../../../helper/store/store.js';
import { temporaryDirectory } from '../../support/paths.js';

function withStore(run: (store: Store, path: string) => void): void {
  const directory = temporaryDirectory();
  const path = join(directory.path, 'state', 'croissant2ban.db');
  const store = new Store(path);
  try {
    run(store, path);
  } finally {
    store.close();
    directory.dispose();
  }
}

const ban = (address: string, expiresAt: number | null, bannedAt = 1000) => ({
  address,
  family: (address.includes(':') ? 6 : 4) as 4 | 6,
  service: 'ssh',
  reason: '5 failures',
  source: 'detector',
  failures: 5,
  bannedAt,
  expiresAt,
});

test('a new database file is created in WAL mode at the newest schema version', () => {
  withStore((store, path) => {
    assert.equal(store.database.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.schemaVersion, migrations.length);
    const tables = store.database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    assert.deepEqual(tables, ['activity_log', 'bans', 'events', 'file_positions', 'intel', 'whitelist']);
    store.close();
    const reopened = new Store(path);
    assert.equal(reopened.schemaVersion, migrations.length, 'reopening applies nothing twice');
    reopened.close();
  });
});

test('migrations are applied in order and only once', () => {
  const database = new Database(':memory:');
  const list = [
    { version: 1, description: 'one', sql: 'CREATE TABLE a (x)' },
    { version: 2, description: 'two', sql: 'CREATE TABLE b (x)' },
  ];
  assert.equal(migrate(database, list.slice(0, 1)), 1);
  assert.equal(migrate(database, list), 2);
  assert.equal(migrate(database, list), 2);
  database.close();
});

test('a database written by a newer version is refused with a clear message', () => {
  const database = new Database(':memory:');
  database.pragma('user_version = 99');
  assert.throws(() => migrate(database), /schema version 99 is newer than this program knows/);
  database.close();
});

test('a failing migration leaves the database at the previous version', () => {
  const database = new Database(':memory:');
  const list = [
    { version: 1, description: 'one', sql: 'CREATE TABLE a (x)' },
    { version: 2, description: 'broken', sql: 'CREATE TABLE b (x); THIS IS NOT SQL' },
  ];
  assert.throws(() => migrate(database, list));
  assert.equal(database.pragma('user_version', { simple: true }), 1);
  assert.equal(database.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'b'").pluck().get(), 0);
  database.close();
});

test('an address has at most one active ban', () => {
  withStore((store) => {
    store.addBan(ban('203.0.113.1', 5000));
    assert.throws(() => store.addBan(ban('203.0.113.1', 9000)), /UNIQUE/);
    assert.equal(store.activeBan('203.0.113.1')?.expiresAt, 5000);
    assert.equal(store.endBan('203.0.113.1', 'unbanned', 2000), true);
    assert.equal(store.activeBan('203.0.113.1'), null);
    store.addBan(ban('203.0.113.1', 9000, 3000));
    assert.equal(store.banCount('203.0.113.1'), 2);
  });
});

test('a new ban of an address whose earlier ban expired but was not closed yet closes it first', () => {
  withStore((store) => {
    store.addBan(ban('203.0.113.1', 5000, 1000));
    const again = store.addBan(ban('203.0.113.1', 70_000, 10_000));
    assert.equal(store.activeBan('203.0.113.1')?.id, again.id);
    const first = store.database.prepare('SELECT ended_at, end_reason FROM bans WHERE address = ? ORDER BY id LIMIT 1').get('203.0.113.1');
    assert.deepEqual(first, { ended_at: 5000, end_reason: 'expired' });
    assert.equal(store.banCount('203.0.113.1'), 2, 'the repeat-offender count sees both');
  });
});

test('one ban that cannot be recorded does not lose the others of its batch', () => {
  withStore((store) => {
    store.addBan(ban('203.0.113.1', 90_000, 1000));
    const result = store.addBans([ban('198.51.100.7', 90_000, 2000), ban('203.0.113.1', 95_000, 2000), ban('2001:db8::9', null, 2000)]);
    assert.deepEqual(result.added.map((record) => record.address), ['198.51.100.7', '2001:db8::9']);
    assert.equal(result.failed.length, 1);
    assert.match(result.failed[0]!.error.message, /UNIQUE/);
    assert.deepEqual(store.activeBans().map((record) => record.address).sort(), ['198.51.100.7', '2001:db8::9', '203.0.113.1']);
  });
});

test('the end of a running ban moves and the rest of its record stays; ended, expired and absent bans do not move', () => {
  withStore((store) => {
    const running = store.addBan(ban('203.0.113.1', 5000));
    assert.deepEqual(store.setBanEnd('203.0.113.1', 90_000, 4000), { ...running, expiresAt: 90_000 });
    assert.deepEqual(store.activeBan('203.0.113.1'), { ...running, expiresAt: 90_000 });
    assert.equal(store.setBanEnd('203.0.113.1', null, 4000)?.expiresAt, null, 'permanent');
    assert.equal(store.closeExpiredBans(100_000).length, 0);
    store.addBan(ban('203.0.113.2', 5000));
    assert.equal(store.setBanEnd('203.0.113.2', 90_000, 5000), null, 'expired at 5000, not closed yet');
    store.addBan(ban('203.0.113.3', 9000));
    store.endBan('203.0.113.3', 'unbanned', 2000);
    assert.equal(store.setBanEnd('203.0.113.3', 90_000, 3000), null);
    assert.equal(store.setBanEnd('203.0.113.4', 90_000, 3000), null);
    assert.equal(store.banCount('203.0.113.1'), 1);
  });
});

test('expired bans are closed at their expiry time; permanent ones stay', () => {
  withStore((store) => {
    store.addBans([ban('203.0.113.1', 5000), ban('2001:db8::1', 8000), ban('203.0.113.3', null)]);
    const closed = store.closeExpiredBans(6000);
    assert.deepEqual(closed.map((record) => record.address), ['203.0.113.1']);
    assert.deepEqual(store.activeBans().map((record) => record.address).sort(), ['2001:db8::1', '203.0.113.3']);
    const row = store.database.prepare("SELECT ended_at, end_reason FROM bans WHERE address = '203.0.113.1'").get();
    assert.deepEqual(row, { ended_at: 5000, end_reason: 'expired' });
  });
});

test('file positions round-trip, with and without a journal cursor', () => {
  withStore((store) => {
    store.savePosition({ path: '/var/log/auth.log', inode: 42, device: 7, firstLineHash: 'abc', offset: 1234 });
    store.savePosition({ path: 'journal:ssh.service', inode: 0, device: 0, firstLineHash: '', offset: 0, cursor: 's=1;i=2' });
    assert.deepEqual(store.loadPosition('/var/log/auth.log'), {
      path: '/var/log/auth.log',
      inode: 42,
      device: 7,
      firstLineHash: 'abc',
      offset: 1234,
    });
    store.savePosition({ path: '/var/log/auth.log', inode: 43, device: 7, firstLineHash: 'def', offset: 10 });
    assert.equal(store.loadPosition('/var/log/auth.log')?.inode, 43);
    assert.equal(store.loadPosition('journal:ssh.service')?.cursor, 's=1;i=2');
    assert.equal(store.loadPosition('/nowhere'), undefined);
  });
});

test('events, whitelist and activity log are stored and read back', () => {
  withStore((store) => {
    store.addEvents([
      { time: 1000, service: 'ssh', address: '203.0.113.1', eventType: 'failed_auth', pattern: 'failed_password' },
      { time: 2000, service: 'ssh', address: '203.0.113.2', eventType: 'invalid_user', pattern: 'invalid_user' },
    ]);
    assert.deepEqual(store.recentEvents({ since: 1500, limit: 10 }).map((event) => event.address), ['203.0.113.2']);
    assert.equal(store.pruneEvents(1500), 1);

    store.addWhitelist({ network: '10.0.0.0/8', comment: 'lan', addedAt: 1, addedBy: 0 });
    store.addWhitelist({ network: '10.0.0.0/8', comment: 'office lan', addedAt: 2, addedBy: 0 });
    assert.deepEqual(store.whitelist(), [{ network: '10.0.0.0/8', comment: 'office lan', addedAt: 1, addedBy: 0 }]);
    assert.equal(store.removeWhitelist('10.0.0.0/8'), true);
    assert.equal(store.removeWhitelist('10.0.0.0/8'), false);

    store.logActivity({ time: 5, actorUid: 1000, action: 'ban', target: '203.0.113.9', detail: 'manual' });
    assert.deepEqual(store.recentActivity(5), [{ time: 5, actorUid: 1000, action: 'ban', target: '203.0.113.9', detail: 'manual' }]);
  });
});

test('events and bans are counted per hour of the last day, oldest first, each window half-open at its end', () => {
  withStore((store) => {
    const HOUR = 3_600_000;
    const now = 1_700_000_000_000 + 1234;
    const at = (time: number, address = '203.0.113.1') => ({ time, service: 'ssh', address, eventType: 'failed_auth', pattern: 'failed_password' });
    store.addEvents([
      at(now - 24 * HOUR - 1), // just before the first window: not counted
      at(now - 24 * HOUR), // the first window's start: window 0
      at(now - 23 * HOUR - 1), // the first window's last millisecond: window 0
      at(now - 23 * HOUR), // window 1
      at(now - 90 * 60_000), // 1.5 h ago: window 22
      at(now - HOUR), // the last window's start: window 23
      at(now - 1), // window 23
      at(now), // the end is excluded
      at(now + HOUR), // a clock ahead of ours: not counted
    ]);
    const expected = new Array<number>(24).fill(0);
    expected[0] = 2;
    expected[1] = 1;
    expected[22] = 1;
    expected[23] = 2;
    assert.deepEqual(store.eventsPerWindow({ end: now, widthMs: HOUR, count: 24 }), expected);

    store.addBans([ban('203.0.113.1', null, now - 24 * HOUR), ban('203.0.113.2', null, now - 30 * 60_000), ban('203.0.113.3', null, now - 25 * HOUR)]);
    store.endBan('203.0.113.2', 'unbanned', now - 60_000);
    const bans = new Array<number>(24).fill(0);
    bans[0] = 1;
    bans[23] = 1;
    assert.deepEqual(store.bansPerWindow({ end: now, widthMs: HOUR, count: 24 }), bans, 'ended bans count in the hour they started');
    assert.deepEqual(store.eventsPerWindow({ end: now, widthMs: HOUR, count: 0 }), []);
  });
});

test('the per-hour counts read a range of the time indexes, not whole tables', () => {
  withStore((store) => {
    const plan = (sql: string) =>
      (store.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ start: 0n, end: 1n, width: 1n }) as { detail: string }[]).map((row) => row.detail).join('; ');
    assert.match(plan(WINDOW_COUNT_QUERIES.events), /SEARCH events USING COVERING INDEX events_time \(time>\? AND time<\?\)/);
    assert.match(plan(WINDOW_COUNT_QUERIES.bans), /SEARCH bans USING COVERING INDEX bans_banned_at \(banned_at>\? AND banned_at<\?\)/);
  });
});
