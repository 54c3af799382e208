// The pipeline's bookkeeping of decisions, with a controlled clock and lines fed as a source would.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigText } from '../../../helper/config/load.js';
import { createLogger } from '../../../helper/daemon/log.js';
import { createPipeline } from '../../../helper/daemon/pipeline.js';
import type { BlockRequest, FirewallBackend } from '../../../helper/firewall/backend.js';
import { createNullBackend } from '../../../helper/firewall/null-backend.js';
import { Store } from '../../../helper/store/store.js';
import { temporaryDirectory } from '../../support/paths.js';
import { syslogStamp } from '../../support/syslog.js';
import { waitFor } from '../../support/wait.js';

const START = new Date(2026, 4, 10, 12, 0, 0).getTime();

function harness(options: { refuse?: () => boolean; database?: string } = {}) {
  const directory = temporaryDirectory();
  const database = options.database ?? join(directory.path, 'state.db');
  const config = parseConfigText(
    `[general]\ndb_path = "${database}"\n[services.ssh]\nlog_path = "${join(directory.path, 'absent.log')}"\nmax_failures = 2\nfind_time = 600\nban_time = 60\n`,
    { file: null, format: 'toml' },
  );
  const clock = { now: START };
  const blocks: BlockRequest[] = [];
  const logLines: string[] = [];
  const firewall: FirewallBackend = {
    ...createNullBackend(() => {}),
    async block(requests) {
      if (options.refuse?.()) throw new Error('nft: Could not process rule: No such file or directory');
      blocks.push(...requests);
    },
    async list() {
      if (options.refuse?.()) throw new Error('nft: Could not process rule: No such file or directory');
      return blocks.map((block) => ({ ...block }));
    },
  };
  const store = new Store(database);
  const pipeline = createPipeline({
    config,
    store,
    firewall,
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    now: () => clock.now,
  });
  const fail = (address: string) =>
    pipeline.accept({
      service: 'ssh',
      origin: 'test',
      text: `${syslogStamp(clock.now)} host sshd[77]: Failed password for root from ${address} port 4242 ssh2`,
    });
  const dispose = async () => {
    await pipeline.stop();
    store.close();
    if (options.database === undefined) directory.dispose();
  };
  return { pipeline, store, clock, blocks, logLines, fail, dispose, directory };
}

test('an address banned again right after its ban expired is recorded, and so is the rest of its batch', async () => {
  const helper = harness();
  try {
    await helper.pipeline.start();
    helper.fail('203.0.113.1');
    helper.fail('203.0.113.1');
    await helper.pipeline.settle();
    assert.equal(helper.store.activeBan('203.0.113.1')?.expiresAt, START + 60_000);

    // 62 s later the ban is over but the database cleanup has not run yet.
    helper.clock.now += 62_000;
    helper.fail('203.0.113.1');
    helper.fail('198.51.100.7');
    helper.fail('203.0.113.1');
    helper.fail('198.51.100.7');
    await helper.pipeline.settle();
    assert.deepEqual(helper.blocks.map((block) => block.address), ['203.0.113.1', '203.0.113.1', '198.51.100.7']);
    assert.equal(helper.store.activeBan('203.0.113.1')?.expiresAt, START + 122_000);
    assert.notEqual(helper.store.activeBan('198.51.100.7'), null);
    assert.equal(helper.store.banCount('203.0.113.1'), 2);
    assert.ok(!helper.logLines.some((line) => line.includes('level=error')), helper.logLines.join(''));
  } finally {
    await helper.dispose();
  }
});

test('bans the firewall refuses are recorded and reach the firewall once it works again', async () => {
  let refuse = true;
  const helper = harness({ refuse: () => refuse });
  try {
    await helper.pipeline.start();
    helper.fail('203.0.113.5');
    helper.fail('203.0.113.5');
    await helper.pipeline.settle();
    assert.notEqual(helper.store.activeBan('203.0.113.5'), null, 'the decision is recorded');
    assert.deepEqual(helper.blocks, []);
    assert.ok(helper.logLines.some((line) => /level=error .*msg="the firewall refused the bans; retrying until it takes them"/.test(line)));

    refuse = false;
    await waitFor(() => helper.blocks.some((block) => block.address === '203.0.113.5'), { what: 'the repair loop to apply the ban', timeoutMs: 10_000 });
    assert.ok(helper.logLines.some((line) => line.includes('msg="the firewall is in line with the database again"')));
  } finally {
    await helper.dispose();
  }
});

test('a ban that a crash kept from being applied is applied when the windows are rebuilt at start-up', async () => {
  const directory = temporaryDirectory();
  const database = join(directory.path, 'state.db');
  try {
    // What a crash between recording the failures and recording the ban leaves behind.
    const crashed = new Store(database);
    for (const second of [0, 5]) {
      crashed.addEvents([{ time: START + second * 1000, service: 'ssh', address: '198.51.100.40', eventType: 'failed_auth', pattern: 'failed_password' }]);
    }
    crashed.close();

    const helper = harness({ database });
    helper.clock.now = START + 20_000;
    try {
      await helper.pipeline.start();
      await helper.pipeline.settle();
      // Decided by the failure at +5 s while catching up: 60 s from then, 45 s left at +20 s.
      assert.deepEqual(helper.blocks.map((block) => [block.address, block.seconds]), [['198.51.100.40', 45]]);
      assert.notEqual(helper.store.activeBan('198.51.100.40'), null);
    } finally {
      await helper.dispose();
    }
  } finally {
    directory.dispose();
  }
});
