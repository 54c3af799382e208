// c2b init and c2b flush as root, against real nftables in a namespace of the test's own.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Store } from '../../../helper/store/store.js';
import { createNetworkNamespace, runCommand, type NetworkNamespace } from '../../support/namespace.js';
import { helperCommand, temporaryDirectory } from '../../support/paths.js';

const c2b = helperCommand('cli/c2b');

let namespace: NetworkNamespace;
before(async () => {
  namespace = await createNetworkNamespace();
});
after(async () => {
  await namespace?.dispose();
});

function config(directory: string): string {
  const path = join(directory, 'config.toml');
  writeFileSync(
    path,
    `[general]\ndb_path = "${join(directory, 'state.db')}"\n[services.ssh]\nlog_path = "/var/log/auth.log"\n` +
      `[whitelist]\nenabled = true\n[[whitelist.sources]]\ntype = "networks"\nnetworks = ["192.0.2.0/24"]\n`,
  );
  return path;
}

test('c2b init creates the table, sets and chains with the whitelist, and a second run changes nothing', async () => {
  const directory = temporaryDirectory();
  try {
    const path = config(directory.path);
    const first = await namespace.run([...c2b, 'init', '-c', path], { timeoutMs: 30_000 });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /nftables table inet croissant2ban is ready: sets blocked_v4, blocked_v6 \(bans\), allow_v4, allow_v6 \(whitelist\); chains input and forward at priority -100/);
    assert.match(first.stdout, /Undo with: nft delete table inet croissant2ban/);
    const table = await namespace.check(['nft', 'list', 'table', 'inet', 'croissant2ban']);
    assert.match(table, /set allow_v4 \{[\s\S]*elements = \{ 192\.0\.2\.0\/24 \}/);
    assert.match(table, /ip saddr @blocked_v4 drop/);
    const second = await namespace.run([...c2b, 'init', '-c', path], { timeoutMs: 30_000 });
    assert.equal(second.status, 0, second.stderr);
    assert.equal(await namespace.check(['nft', 'list', 'table', 'inet', 'croissant2ban']), table);
  } finally {
    await namespace.run(['nft', 'delete', 'table', 'inet', 'croissant2ban']);
    directory.dispose();
  }
});

test('c2b flush --yes empties the ban sets and ends every ban in the database, with an activity record', async () => {
  const directory = temporaryDirectory();
  try {
    const path = config(directory.path);
    assert.equal((await namespace.run([...c2b, 'init', '-c', path], { timeoutMs: 30_000 })).status, 0);
    await namespace.check(['nft', 'add', 'element', 'inet', 'croissant2ban', 'blocked_v4', '{ 203.0.113.1 timeout 1h }']);
    await namespace.check(['nft', 'add', 'element', 'inet', 'croissant2ban', 'blocked_v6', '{ 2001:db8::1 }']);
    const store = new Store(join(directory.path, 'state.db'));
    const now = Date.now();
    store.addBans([
      { address: '203.0.113.1', family: 4, service: 'ssh', reason: 'x', source: 'detector', failures: 5, bannedAt: now, expiresAt: now + 3_600_000 },
      { address: '2001:db8::1', family: 6, service: null, reason: 'manual', source: 'manual', failures: 0, bannedAt: now, expiresAt: null },
    ]);
    store.close();

    const refused = await namespace.run([...c2b, 'flush', '-c', path], { timeoutMs: 30_000 });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /say --yes to do it/);

    const flushed = await namespace.run([...c2b, 'flush', '--yes', '-c', path], { timeoutMs: 30_000 });
    assert.equal(flushed.status, 0, flushed.stderr);
    assert.match(flushed.stdout, /flushed: 2 active bans ended/);
    const table = await namespace.check(['nft', 'list', 'table', 'inet', 'croissant2ban']);
    assert.doesNotMatch(table, /203\.0\.113\.1|2001:db8::1/);
    assert.match(table, /192\.0\.2\.0\/24/, 'the whitelist stays');
    const database = new Database(join(directory.path, 'state.db'), { readonly: true });
    try {
      assert.equal(database.prepare('SELECT COUNT(*) FROM bans WHERE ended_at IS NULL').pluck().get(), 0);
      assert.deepEqual(database.prepare("SELECT DISTINCT end_reason FROM bans").pluck().all(), ['flushed']);
      assert.deepEqual(database.prepare('SELECT actor_uid, action, detail FROM activity_log').get(), { actor_uid: 0, action: 'flush', detail: '2 bans ended' });
    } finally {
      database.close();
    }
  } finally {
    await namespace.run(['nft', 'delete', 'table', 'inet', 'croissant2ban']);
    directory.dispose();
  }
});

test('c2b init and flush refuse a user who is not root, with exit status 77', async () => {
  const directory = temporaryDirectory();
  try {
    const path = config(directory.path);
    // As root (CI), drop to nobody; as a developer, the test already is not root.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
    for (const command of [['init'], ['flush', '--yes']]) {
      const result = await runCommand([...asUser, ...c2b, ...command, '-c', path], { timeoutMs: 30_000 });
      assert.equal(result.status, 77, `${command.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`c2b ${command[0]}: changes the firewall, so it must run as root`));
    }
  } finally {
    directory.dispose();
  }
});
