// The helper's admin operations without a bus: validation, database, firewall and activity log together.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigText } from '../../../helper/config/load.js';
import { createLogger } from '../../../helper/daemon/log.js';
import { OperationError } from '../../../helper/daemon/operations.js';
import { createPipeline, type PipelineObserver } from '../../../helper/daemon/pipeline.js';
import { Store } from '../../../helper/store/store.js';
import { createMemoryFirewall } from '../../support/memory-firewall.js';
import { temporaryDirectory } from '../../support/paths.js';
import { syslogStamp } from '../../support/syslog.js';

const NOW = new Date(2026, 6, 1, 12, 0, 0).getTime();

async function harness() {
  const directory = temporaryDirectory();
  const store = new Store(join(directory.path, 'state.db'));
  const firewall = createMemoryFirewall();
  const config = parseConfigText(
    `[general]\ndb_path = "${join(directory.path, 'state.db')}"\n[services.ssh]\nlog_path = "${join(directory.path, 'absent.log')}"\nmax_failures = 2\n`,
    { file: null, format: 'toml' },
  );
  /** The helper's clock: tests move it on. */
  const clock = { now: NOW };
  /** What the pipeline told its observer (the D-Bus signals), one line each. */
  const told: string[] = [];
  const observer: PipelineObserver = {
    banAdded: (ban) => told.push(`added ${ban.address} ${ban.source} ${ban.seconds}`),
    banRemoved: (address, reason) => told.push(`removed ${address} ${reason}`),
    banExtended: (ban) => told.push(`extended ${ban.address} ${ban.seconds}`),
    attack: () => {},
  };
  const pipeline = createPipeline({ config, store, firewall, logger: createLogger({ level: 'error', write: () => {} }), now: () => clock.now, observer });
  await pipeline.start();
  const fail = async (address: string) => {
    pipeline.accept({ service: 'ssh', origin: 'test', text: `${syslogStamp(NOW)} host sshd[5]: Failed password for root from ${address} port 22 ssh2` });
    await pipeline.settle();
  };
  const activity = () => store.recentActivity(20).map((entry) => `${entry.actorUid} ${entry.action} ${entry.target ?? ''}`);
  const dispose = async () => {
    await pipeline.stop();
    store.close();
    directory.dispose();
  };
  return { pipeline, operations: pipeline.operations, store, firewall, config, clock, told, fail, activity, dispose };
}

async function refusal(promise: Promise<unknown>): Promise<OperationError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  assert.ok(error instanceof OperationError, `expected a refusal, got ${String(error)}`);
  return error;
}

test('a manual ban is recorded, blocked with its duration and logged with the caller; a permanent one has no end', async () => {
  const helper = await harness();
  try {
    const record = await helper.operations.ban({ address: '2001:DB8::5', seconds: 600, reason: 'port scan', actorUid: 1000 });
    assert.equal(record.address, '2001:db8::5');
    assert.equal(record.source, 'manual');
    assert.equal(record.expiresAt, NOW + 600_000);
    assert.deepEqual(helper.firewall.blocked.get('2001:db8::5'), { address: '2001:db8::5', family: 6, seconds: 600 });
    await helper.operations.ban({ address: '203.0.113.5', seconds: 0, reason: '', actorUid: 0 });
    assert.equal(helper.store.activeBan('203.0.113.5')?.expiresAt, null);
    assert.equal(helper.store.activeBan('203.0.113.5')?.reason, 'manual ban');
    assert.deepEqual(helper.activity(), ['0 ban 203.0.113.5', '1000 ban 2001:db8::5']);
  } finally {
    await helper.dispose();
  }
});

test('banning a banned address replaces its ban with the new duration', async () => {
  const helper = await harness();
  try {
    await helper.operations.ban({ address: '203.0.113.6', seconds: 60, reason: 'first', actorUid: 0 });
    await helper.operations.ban({ address: '203.0.113.6', seconds: 7200, reason: 'second', actorUid: 0 });
    assert.equal(helper.store.activeBan('203.0.113.6')?.expiresAt, NOW + 7_200_000);
    assert.equal(helper.firewall.blocked.get('203.0.113.6')?.seconds, 7200);
    assert.equal(helper.store.banCount('203.0.113.6'), 2);
  } finally {
    await helper.dispose();
  }
});

test('extending a detector ban moves only its end: the same record, the new timeout in the firewall, "extend" in the log, no new ban told', async () => {
  const helper = await harness();
  try {
    await helper.fail('203.0.113.7');
    await helper.fail('203.0.113.7');
    const before = helper.store.activeBan('203.0.113.7')!;
    assert.equal(before.source, 'detector');
    helper.told.length = 0;
    helper.clock.now = NOW + 30_000;
    const record = await helper.operations.extend({ address: '203.0.113.7', seconds: 7200, actorUid: 1000 });
    const after = helper.store.activeBan('203.0.113.7')!;
    assert.deepEqual(after, { ...before, expiresAt: NOW + 30_000 + 7_200_000 }, 'service, reason, source, failures and start unchanged');
    assert.deepEqual(record, after);
    assert.equal(helper.store.banCount('203.0.113.7'), 1, 'no second ban row');
    assert.deepEqual(helper.firewall.blocked.get('203.0.113.7'), { address: '203.0.113.7', family: 4, seconds: 7200 });
    assert.deepEqual(helper.told, ['extended 203.0.113.7 7200'], 'no banAdded, no banRemoved');
    assert.equal(helper.pipeline.isBanned('203.0.113.7'), true);
    const [entry] = helper.store.recentActivity(1);
    assert.deepEqual(entry, { time: NOW + 30_000, actorUid: 1000, action: 'extend', target: '203.0.113.7', detail: 'for 7200 s' });

    await helper.operations.extend({ address: '203.0.113.7', seconds: 0, actorUid: 0 });
    assert.equal(helper.store.activeBan('203.0.113.7')?.expiresAt, null);
    assert.equal(helper.firewall.blocked.get('203.0.113.7')?.seconds, 0, 'permanent: no timeout');
    assert.equal(helper.store.recentActivity(1)[0]?.detail, 'permanent');
    assert.equal(helper.pipeline.activeBanCount, 1);
  } finally {
    await helper.dispose();
  }
});

test('extending is refused by name for a bad address, a bad duration and an address with no running ban, and changes nothing', async () => {
  const helper = await harness();
  try {
    await helper.operations.ban({ address: '203.0.113.8', seconds: 60, reason: 'short', actorUid: 0 });
    const invalid = await refusal(helper.operations.extend({ address: '1.2.3', seconds: 60, actorUid: 0 }));
    assert.equal(invalid.kind, 'InvalidAddress');
    assert.match(invalid.message, /^not an IP address: "1\.2\.3"/);
    assert.equal((await refusal(helper.operations.extend({ address: '203.0.113.8', seconds: -1, actorUid: 0 }))).kind, 'Failed');
    assert.equal((await refusal(helper.operations.extend({ address: '203.0.113.8', seconds: 11 * 365 * 86_400, actorUid: 0 }))).kind, 'Failed');
    const absent = await refusal(helper.operations.extend({ address: '203.0.113.9', seconds: 60, actorUid: 0 }));
    assert.equal(absent.kind, 'NotFound');
    assert.equal(absent.message, '203.0.113.9 is not banned');
    await helper.operations.unban('203.0.113.8', 0);
    assert.equal((await refusal(helper.operations.extend({ address: '203.0.113.8', seconds: 60, actorUid: 0 }))).kind, 'NotFound', 'an ended ban');
    await helper.operations.ban({ address: '203.0.113.8', seconds: 60, reason: 'again', actorUid: 0 });
    helper.clock.now = NOW + 61_000;
    assert.equal((await refusal(helper.operations.extend({ address: '203.0.113.8', seconds: 60, actorUid: 0 }))).kind, 'NotFound', 'expired, not closed yet');
    assert.equal(helper.store.activeBan('203.0.113.8')?.expiresAt, NOW + 60_000);
    assert.equal(helper.firewall.blocked.has('203.0.113.9'), false);
    assert.deepEqual(helper.activity(), ['0 ban 203.0.113.8', '0 unban 203.0.113.8', '0 ban 203.0.113.8'], 'no refusal was logged as an extension');
  } finally {
    await helper.dispose();
  }
});

test('after a restart that emptied the firewall an extended ban comes back with the time left of its new end', async () => {
  const helper = await harness();
  try {
    await helper.operations.ban({ address: '2001:db8::8', seconds: 60, reason: 'short', actorUid: 0 });
    await helper.operations.extend({ address: '2001:db8::8', seconds: 3600, actorUid: 0 });
    await helper.pipeline.stop();
    // Past the first end: the cleanup at start-up must not close it.
    helper.clock.now = NOW + 600_000;
    const rebooted = createMemoryFirewall();
    const restarted = createPipeline({ config: helper.config, store: helper.store, firewall: rebooted, logger: createLogger({ level: 'error', write: () => {} }), now: () => helper.clock.now });
    await restarted.start();
    try {
      assert.deepEqual(rebooted.blocked.get('2001:db8::8'), { address: '2001:db8::8', family: 6, seconds: 3000 });
      assert.equal(restarted.isBanned('2001:db8::8'), true);
      assert.equal(helper.store.activeBan('2001:db8::8')?.reason, 'short');
    } finally {
      await restarted.stop();
    }
  } finally {
    await helper.dispose();
  }
});

test('invalid addresses, whitelisted ones and bad durations are refused by name and change nothing', async () => {
  const helper = await harness();
  try {
    for (const text of ['999.1.1.1', '1.2.3', '01.02.03.04', 'example.com', '', 'x'.repeat(10_000)]) {
      const error = await refusal(helper.operations.ban({ address: text, seconds: 60, reason: '', actorUid: 0 }));
      assert.equal(error.kind, 'InvalidAddress');
      assert.match(error.message, /^not an IP address: "/);
    }
    assert.equal((await refusal(helper.operations.ban({ address: '127.0.0.1', seconds: 60, reason: '', actorUid: 0 }))).kind, 'Whitelisted');
    await helper.operations.whitelistAdd('198.51.100.0/24', 'office', 0);
    const whitelisted = await refusal(helper.operations.ban({ address: '198.51.100.7', seconds: 60, reason: '', actorUid: 0 }));
    assert.equal(whitelisted.kind, 'Whitelisted');
    assert.match(whitelisted.message, /198\.51\.100\.7 is never banned: whitelisted by 198\.51\.100\.0\/24 \(database\)/);
    assert.equal((await refusal(helper.operations.ban({ address: '203.0.113.1', seconds: -5, reason: '', actorUid: 0 }))).kind, 'Failed');
    assert.equal(helper.firewall.blocked.size, 0);
    assert.equal(helper.store.activeBanEnds().length, 0);
  } finally {
    await helper.dispose();
  }
});

test('unban lifts the ban in the database and the firewall, and the address is counted again afterwards', async () => {
  const helper = await harness();
  try {
    assert.equal((await refusal(helper.operations.unban('203.0.113.9', 0))).kind, 'NotFound');
    await helper.fail('203.0.113.9');
    await helper.fail('203.0.113.9');
    assert.ok(helper.firewall.blocked.has('203.0.113.9'));
    await helper.operations.unban('203.0.113.9', 1000);
    assert.equal(helper.firewall.blocked.has('203.0.113.9'), false);
    assert.equal(helper.store.activeBan('203.0.113.9'), null);
    assert.deepEqual(helper.activity()[0], '1000 unban 203.0.113.9');
    await helper.fail('203.0.113.9');
    await helper.fail('203.0.113.9');
    assert.ok(helper.firewall.blocked.has('203.0.113.9'), 'banned again after two new failures');
  } finally {
    await helper.dispose();
  }
});

test('whitelisting a network lifts the bans inside it, reaches the firewall, and spares the addresses from then on', async () => {
  const helper = await harness();
  try {
    await helper.operations.ban({ address: '192.0.2.10', seconds: 600, reason: '', actorUid: 0 });
    await helper.operations.ban({ address: '192.0.2.20', seconds: 600, reason: '', actorUid: 0 });
    await helper.operations.ban({ address: '203.0.113.30', seconds: 600, reason: '', actorUid: 0 });
    const result = await helper.operations.whitelistAdd('192.0.2.1/24', 'lab', 1000);
    assert.equal(result.network, '192.0.2.0/24');
    assert.deepEqual(result.unbanned.sort(), ['192.0.2.10', '192.0.2.20']);
    assert.deepEqual([...helper.firewall.blocked.keys()], ['203.0.113.30']);
    assert.deepEqual(helper.firewall.allowed, ['192.0.2.0/24']);
    assert.equal(helper.store.database.prepare("SELECT COUNT(*) FROM bans WHERE end_reason = 'whitelisted'").pluck().get(), 2);
    await helper.fail('192.0.2.10');
    await helper.fail('192.0.2.10');
    assert.equal(helper.firewall.blocked.has('192.0.2.10'), false, 'failures of a whitelisted address never ban');

    assert.equal((await refusal(helper.operations.whitelistAdd('10.0.0.0/33', '', 0))).kind, 'InvalidAddress');
    assert.equal((await refusal(helper.operations.whitelistRemove('10.0.0.0/8', 0))).kind, 'NotFound');
    await helper.operations.whitelistRemove('192.0.2.0/24', 1000);
    assert.deepEqual(helper.firewall.allowed, []);
    assert.deepEqual(helper.activity().slice(0, 2), ['1000 whitelist-remove 192.0.2.0/24', '1000 whitelist-add 192.0.2.0/24']);
  } finally {
    await helper.dispose();
  }
});

test('flush ends every ban, empties the firewall and records who did it', async () => {
  const helper = await harness();
  try {
    await helper.operations.ban({ address: '203.0.113.40', seconds: 600, reason: '', actorUid: 0 });
    await helper.fail('203.0.113.41');
    await helper.fail('203.0.113.41');
    assert.equal(await helper.operations.flush(1000), 2);
    assert.equal(helper.firewall.blocked.size, 0);
    assert.equal(helper.store.activeBanEnds().length, 0);
    assert.deepEqual(helper.activity()[0], '1000 flush ');
    await helper.fail('203.0.113.41');
    await helper.fail('203.0.113.41');
    assert.ok(helper.firewall.blocked.has('203.0.113.41'), 'counted again after the flush');
  } finally {
    await helper.dispose();
  }
});
