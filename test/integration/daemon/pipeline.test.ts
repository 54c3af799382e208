import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../helper/config/load.js';
import { createLogger } from '../../../helper/daemon/log.js';
import { createPipeline } from '../../../helper/daemon/pipeline.js';
import type { BlockRequest } from '../../../helper/firewall/backend.js';
import { createNullBackend } from '../../../helper/firewall/null-backend.js';
import { Store } from '../../../helper/store/store.js';
import { temporaryDirectory } from '../../support/paths.js';
import { sshFailures, syslogStamp } from '../../support/syslog.js';
import { waitFor } from '../../support/wait.js';

function setup(directory: string) {
  const log = join(directory, 'auth.log');
  const database = join(directory, 'state.db');
  const config = join(directory, 'config.toml');
  writeFileSync(log, `${syslogStamp(Date.now())} host sshd[1]: Server listening on 0.0.0.0 port 22.\n`);
  writeFileSync(
    config,
    `[general]\ndb_path = "${database}"\nlog_level = "debug"\n\n[services.ssh]\nenabled = true\nlog_path = "${log}"\nmax_failures = 5\nfind_time = 600\nban_time = 3600\n`,
  );
  return { log, database, config };
}

function start(paths: { config: string; database: string }) {
  const blocks: BlockRequest[] = [];
  const logLines: string[] = [];
  const store = new Store(paths.database);
  const firewall = createNullBackend(() => {});
  const recordingFirewall = { ...firewall, block: async (requests: readonly BlockRequest[]) => void blocks.push(...requests) };
  const pipeline = createPipeline({
    config: loadConfig(paths.config),
    store,
    firewall: recordingFirewall,
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
  });
  return { pipeline, store, blocks, logLines };
}

test('a failure line appended to a followed log crosses the threshold and the address is banned and recorded', async () => {
  const directory = temporaryDirectory();
  const paths = setup(directory.path);
  const helper = start(paths);
  try {
    await helper.pipeline.start();
    appendFileSync(paths.log, sshFailures('203.0.113.50', 4, Date.now() - 5000));
    await waitFor(() => helper.store.recentEvents({ since: 0, limit: 10 }).length === 4, { what: 'four recorded failures' });
    assert.equal(helper.blocks.length, 0, 'four failures do not ban');

    appendFileSync(paths.log, sshFailures('203.0.113.50', 1, Date.now()));
    const ban = await waitFor(() => helper.store.activeBan('203.0.113.50'), { what: 'the ban in the database' });
    await helper.pipeline.settle();
    assert.equal(ban.service, 'ssh');
    assert.equal(ban.failures, 5);
    assert.equal(helper.blocks.length, 1);
    assert.equal(helper.blocks[0]!.address, '203.0.113.50');
    assert.ok(Math.abs(helper.blocks[0]!.seconds - 3600) <= 2, `ban time ${helper.blocks[0]!.seconds}`);
    assert.ok(helper.logLines.some((line) => /level=info service=ssh address=203\.0\.113\.50 action=ban/.test(line)));
  } finally {
    await helper.pipeline.stop();
    helper.store.close();
    directory.dispose();
  }
});

test('after a restart reading resumes where it stopped: lines written meanwhile are read once, none twice, and windows carry over', async () => {
  const directory = temporaryDirectory();
  const paths = setup(directory.path);
  let helper = start(paths);
  try {
    await helper.pipeline.start();
    appendFileSync(paths.log, sshFailures('198.51.100.60', 3, Date.now() - 10_000));
    await waitFor(() => helper.store.recentEvents({ since: 0, limit: 100 }).length === 3, { what: 'three failures' });
    await helper.pipeline.stop();
    helper.store.close();

    // While the helper is stopped: two more failures of the same address, and a burst from another one.
    appendFileSync(paths.log, sshFailures('198.51.100.60', 2, Date.now() - 5000));
    appendFileSync(paths.log, sshFailures('198.51.100.61', 5, Date.now() - 4000));

    helper = start(paths);
    await helper.pipeline.start();
    await waitFor(() => helper.store.activeBan('198.51.100.61'), { what: 'the ban of the address that attacked while stopped' });
    // 3 failures before the stop and 2 after add up: the windows are rebuilt from the store.
    await waitFor(() => helper.store.activeBan('198.51.100.60'), { what: 'the ban of the address whose failures span the restart' });
    await helper.pipeline.settle();
    const events = helper.store.recentEvents({ since: 0, limit: 100 });
    assert.equal(events.length, 10, 'every failure recorded exactly once across the restart');
  } finally {
    await helper.pipeline.stop();
    helper.store.close();
    directory.dispose();
  }
});

test('failures written while the helper was stopped whose ban would already be over ban nobody', async () => {
  const directory = temporaryDirectory();
  const paths = setup(directory.path);
  appendFileSync(paths.log, sshFailures('192.0.2.70', 5, Date.now() - 2 * 3600_000));
  appendFileSync(paths.log, sshFailures('192.0.2.71', 5, Date.now() - 1800_000));
  const helper = start(paths);
  try {
    await helper.pipeline.start();
    await helper.pipeline.settle();
    assert.ok(helper.logLines.some((line) => /address=192\.0\.2\.70 action=skip msg="ban would already have ended; not applied"/.test(line)));
    assert.equal(helper.store.activeBan('192.0.2.70'), null);
    // Half an hour ago: banned for the half hour that is left.
    assert.deepEqual(helper.blocks.map((block) => block.address), ['192.0.2.71']);
    assert.ok(Math.abs(helper.blocks[0]!.seconds - 1800) <= 10, `remaining ${helper.blocks[0]!.seconds}`);
  } finally {
    await helper.pipeline.stop();
    helper.store.close();
    directory.dispose();
  }
});

test('once live, a log whose clock lags ours still bans for the whole ban time, with a warning', async () => {
  const directory = temporaryDirectory();
  const paths = setup(directory.path);
  const helper = start(paths);
  try {
    await helper.pipeline.start();
    appendFileSync(paths.log, sshFailures('192.0.2.80', 5, Date.now() - 2 * 3600_000));
    await waitFor(() => helper.store.activeBan('192.0.2.80'), { what: 'the ban despite the lagging clock' });
    await helper.pipeline.settle();
    assert.ok(Math.abs(helper.blocks[0]!.seconds - 3600) <= 2);
    assert.ok(helper.logLines.some((line) => /level=warn .*lag_seconds=\d+ msg="log timestamps lag this clock/.test(line)));
  } finally {
    await helper.pipeline.stop();
    helper.store.close();
    directory.dispose();
  }
});
