// Start-up reconciliation of the firewall with the database, and the repair loop when the firewall fails.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigText } from '../../../helper/config/load.js';
import { createLogger } from '../../../helper/daemon/log.js';
import { createPipeline } from '../../../helper/daemon/pipeline.js';
import { Store } from '../../../helper/store/store.js';
import { createMemoryFirewall, type MemoryFirewall } from '../../support/memory-firewall.js';
import { temporaryDirectory } from '../../support/paths.js';
import { waitFor } from '../../support/wait.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

function ban(address: string, expiresAt: number | null) {
  return { address, family: (address.includes(':') ? 6 : 4) as 4 | 6, service: 'ssh', reason: '5 failures', source: 'detector', failures: 5, bannedAt: NOW - 60_000, expiresAt };
}

async function startWith(store: Store, firewall: MemoryFirewall, directory: string, whitelist = '') {
  const logLines: string[] = [];
  const config = parseConfigText(
    `[general]\ndb_path = "${join(directory, 'state.db')}"\n[services.ssh]\nlog_path = "${join(directory, 'absent.log')}"\n${whitelist}`,
    { file: null, format: 'toml' },
  );
  const pipeline = createPipeline({ config, store, firewall, logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }), now: () => NOW });
  await pipeline.start();
  return { pipeline, logLines };
}

test('start-up puts active bans back with the time they have left, leaves present ones alone and skips expired ones', async () => {
  const directory = temporaryDirectory();
  const store = new Store(join(directory.path, 'state.db'));
  // A: active, missing from the kernel (a reboot emptied it); B: active and present; C: expired; D: permanent, missing.
  store.addBans([ban('203.0.113.1', NOW + 600_000), ban('203.0.113.2', NOW + 600_000), ban('203.0.113.3', NOW - 1000), ban('2001:db8::4', null)]);
  const firewall = createMemoryFirewall([{ address: '203.0.113.2', family: 4, seconds: 598 }]);
  const { pipeline } = await startWith(store, firewall, directory.path);
  try {
    const changes = firewall.calls.filter((call) => call.startsWith('block') || call.startsWith('release'));
    assert.equal(changes.length, 1, 'one batch, no release');
    assert.deepEqual(changes[0]!.replace('block ', '').split(',').sort(), ['2001:db8::4', '203.0.113.1']);
    assert.deepEqual(firewall.blocked.get('203.0.113.1'), { address: '203.0.113.1', family: 4, seconds: 600 });
    assert.equal(firewall.blocked.get('2001:db8::4')?.seconds, 0);
    assert.equal(firewall.blocked.get('203.0.113.2')?.seconds, 598, 'not unbanned and re-banned');
    assert.equal(firewall.blocked.has('203.0.113.3'), false);
    assert.equal(store.activeBan('203.0.113.3'), null, 'the expired ban is closed');
  } finally {
    await pipeline.stop();
    store.close();
    directory.dispose();
  }
});

test('blocks whose ban the database ended are released; blocks it never knew are adopted, not lifted', async () => {
  const directory = temporaryDirectory();
  const store = new Store(join(directory.path, 'state.db'));
  store.addBan(ban('198.51.100.1', NOW + 600_000));
  store.endBan('198.51.100.1', 'unbanned', NOW - 5000);
  const firewall = createMemoryFirewall([
    { address: '198.51.100.1', family: 4, seconds: 500 },
    { address: '198.51.100.2', family: 4, seconds: 300 },
  ]);
  const { pipeline, logLines } = await startWith(store, firewall, directory.path);
  try {
    assert.equal(firewall.blocked.has('198.51.100.1'), false);
    assert.equal(firewall.blocked.has('198.51.100.2'), true);
    const adopted = store.activeBan('198.51.100.2');
    assert.equal(adopted?.source, 'firewall');
    assert.equal(adopted?.expiresAt, NOW + 300_000);
    assert.ok(logLines.some((line) => /level=warn .*action=adopt/.test(line)));
  } finally {
    await pipeline.stop();
    store.close();
    directory.dispose();
  }
});

test('the whitelist of the config and of the database is accepted by the firewall ahead of the blocks', async () => {
  const directory = temporaryDirectory();
  const store = new Store(join(directory.path, 'state.db'));
  store.addWhitelist({ network: '192.0.2.0/24', comment: 'office', addedAt: NOW, addedBy: 0 });
  const firewall = createMemoryFirewall();
  const whitelist = '[whitelist]\nenabled = true\n[[whitelist.sources]]\ntype = "database"\n[[whitelist.sources]]\ntype = "networks"\nnetworks = ["10.0.0.0/8", "2001:db8:1::/48"]\n';
  const { pipeline } = await startWith(store, firewall, directory.path, whitelist);
  try {
    assert.deepEqual([...firewall.allowed].sort(), ['10.0.0.0/8', '192.0.2.0/24', '2001:db8:1::/48']);
  } finally {
    await pipeline.stop();
    store.close();
    directory.dispose();
  }
});

test('a firewall that fails at start-up does not stop the helper; the bans reach it once it works', async () => {
  const directory = temporaryDirectory();
  const store = new Store(join(directory.path, 'state.db'));
  store.addBan(ban('203.0.113.9', NOW + 600_000));
  const firewall = createMemoryFirewall();
  firewall.failing = true;
  const { pipeline, logLines } = await startWith(store, firewall, directory.path);
  try {
    assert.ok(logLines.some((line) => /level=error .*msg="the firewall cannot be set up; detecting anyway and retrying"/.test(line)));
    assert.ok(logLines.some((line) => line.includes('msg=started')));
    firewall.failing = false;
    await waitFor(() => firewall.blocked.has('203.0.113.9'), { what: 'the repair loop', timeoutMs: 10_000 });
  } finally {
    await pipeline.stop();
    store.close();
    directory.dispose();
  }
});
