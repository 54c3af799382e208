// c2b when the helper is not there (exit 69 with a hint), and c2b start / stop without systemd.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DaemonClient } from '../../../helper/client/index.js';
import { runCli } from '../../support/cli.js';
import { startPrivateBus } from '../../support/dbus.js';
import { helperCommand, temporaryDirectory } from '../../support/paths.js';
import { waitFor } from '../../support/wait.js';

// c2b intel is not among them: without a helper it looks up directly (test/integration/intel/cli-direct.test.ts).
test('every command that needs the helper exits 69 with a hint when no bus or no helper is there', async () => {
  const noBus = { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
  for (const argv of [['status'], ['list'], ['ban', '192.0.2.1'], ['whitelist', 'list'], ['logs'], ['stats'], ['services'], ['reload']]) {
    const result = await runCli(argv, { env: noBus });
    assert.equal(result.status, 69, `c2b ${argv.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /cannot reach the helper: .*\n.*start it with: sudo c2b start/, argv.join(' '));
  }
  const bus = await startPrivateBus();
  try {
    const result = await runCli(['list'], { env: bus.env });
    assert.equal(result.status, 69);
    assert.match(result.stderr, /the helper is not running \(no one owns org\.croissant2ban\.Daemon on the bus\)/);
  } finally {
    await bus.dispose();
  }
});

test('c2b start runs the helper in the background, c2b status sees it, c2b stop ends it', async () => {
  const bus = await startPrivateBus();
  const directory = temporaryDirectory();
  try {
    const config = join(directory.path, 'config.toml');
    writeFileSync(join(directory.path, 'auth.log'), '');
    writeFileSync(
      config,
      `[general]\ndb_path = "${join(directory.path, 'state.db')}"\npid_file = "${join(directory.path, 'helper.pid')}"\n` +
        `[firewall]\nbackend = "null"\n[services.ssh]\nlog_path = "${join(directory.path, 'auth.log')}"\n`,
    );
    const env = { ...bus.env, C2B_NO_SYSTEMD: '1' };
    const c2b = helperCommand('cli/c2b');
    // As a separate process: start detaches a daemon, which must outlive the command.
    const started = spawnSync(c2b[0]!, [...c2b.slice(1), 'start', '-c', config, '-o', join(directory.path, 'helper.log')], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(started.status, 0, started.stderr);
    const client = await DaemonClient.connect({ address: bus.address });
    try {
      await waitFor(() => client.available(), { what: 'the helper on the bus', timeoutMs: 20_000 });
      const status = await runCli(['status'], { env });
      assert.match(status.stdout, /helper\s+running/);
    } finally {
      client.close();
    }
    const stopped = await runCli(['stop', '-c', config], { env });
    assert.equal(stopped.status, 0, stopped.stderr);
    assert.match(stopped.stdout, /stopped the helper \(pid \d+\)/);
    assert.equal((await runCli(['status'], { env })).status, 69);
    const again = await runCli(['stop', '-c', config], { env });
    assert.equal(again.status, 0);
    assert.match(again.stdout, /not running/);
  } finally {
    await bus.dispose();
    directory.dispose();
  }
});
