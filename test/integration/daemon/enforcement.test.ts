// The helper enforcing bans in real nftables, inside a user+network namespace of the test's own.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { defaultConfig } from '../../../helper/config/load.js';
import type { Config } from '../../../helper/config/types.js';
import { createNftablesBackend } from '../../../helper/firewall/nftables.js';
import { createNetworkNamespace, type NetworkNamespace } from '../../support/namespace.js';
import { helperCommand, temporaryDirectory } from '../../support/paths.js';
import { sshFailures } from '../../support/syslog.js';
import { waitFor } from '../../support/wait.js';

const [node, ...daemonArguments] = helperCommand('daemon/main');

const names: Config['nftables'] = defaultConfig().nftables;

let namespace: NetworkNamespace;
before(async () => {
  namespace = await createNetworkNamespace();
});
after(async () => {
  await namespace?.dispose();
});

interface Helper {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

function setup(directory: string, options: { maxFailures?: number; banTime?: number } = {}) {
  const log = join(directory, 'auth.log');
  const database = join(directory, 'state.db');
  const config = join(directory, 'config.toml');
  writeFileSync(log, '');
  writeFileSync(
    config,
    `[general]\ndb_path = "${database}"\npid_file = "${join(directory, 'helper.pid')}"\n` +
      `[services.ssh]\nlog_path = "${log}"\nmax_failures = ${options.maxFailures ?? 2}\nban_time = ${options.banTime ?? 600}\n`,
  );
  return { log, database, config };
}

async function startHelper(config: string, env: NodeJS.ProcessEnv = process.env): Promise<Helper> {
  const child = namespace.spawn([node!, ...daemonArguments, '-f', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(() => output.includes('msg=started') || child.exitCode !== null, { what: 'the helper to start', timeoutMs: 30_000 });
  assert.ok(output.includes('msg=started'), output);
  return { child, output: () => output, exited };
}

async function stopHelper(helper: Helper): Promise<void> {
  helper.child.kill('SIGTERM');
  assert.equal(await helper.exited, 0, helper.output());
}

const kernel = () => createNftablesBackend({ names, nft: namespace.nft });

async function blocked(): Promise<Map<string, { family: number; seconds: number }>> {
  const backend = kernel();
  try {
    return new Map((await backend.list()).map((entry) => [entry.address, entry]));
  } finally {
    await backend.close();
  }
}

async function resetFirewall(): Promise<void> {
  await namespace.run(['nft', 'delete', 'table', 'inet', names.tableName]);
}

/** Waits until every address is in the kernel's sets; returns what the kernel holds. */
function bannedInKernel(addresses: readonly string[], timeoutMs = 15_000) {
  return waitFor(
    async () => {
      const found = await blocked();
      return addresses.every((address) => found.has(address)) ? found : null;
    },
    { what: `${addresses.length} addresses in the kernel`, timeoutMs, intervalMs: 100 },
  );
}

function readDatabase<T>(path: string, query: (database: Database.Database) => T): T {
  const database = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return query(database);
  } finally {
    database.close();
  }
}

test('a line that crosses the threshold puts the address in the set of its family, with a timeout close to the ban time', async () => {
  const directory = temporaryDirectory();
  const paths = setup(directory.path);
  const helper = await startHelper(paths.config);
  try {
    appendFileSync(paths.log, sshFailures('203.0.113.20', 2, Date.now()) + sshFailures('2001:db8::20', 2, Date.now()));
    const found = await bannedInKernel(['203.0.113.20', '2001:db8::20']);
    assert.equal(found.get('203.0.113.20')!.family, 4);
    assert.equal(found.get('2001:db8::20')!.family, 6);
    for (const address of ['203.0.113.20', '2001:db8::20']) assert.ok(Math.abs(found.get(address)!.seconds - 600) <= 5, `${address}: ${found.get(address)!.seconds} s`);
    assert.match(await namespace.check(['nft', 'list', 'set', 'inet', names.tableName, names.setV6]), /2001:db8::20 timeout 10m expires/);
  } finally {
    await stopHelper(helper);
    await resetFirewall();
    directory.dispose();
  }
});

test('kill -9 during a burst, then a restart: every ban is in the set, none twice, no line counted twice', async () => {
  const directory = temporaryDirectory();
  const paths = setup(directory.path);
  const attackers = Array.from({ length: 120 }, (_unused, index) => `198.51.100.${index + 1}`);
  let helper = await startHelper(paths.config);
  try {
    // The first half of the burst, then the kill while the second half is being written.
    for (const address of attackers.slice(0, 60)) appendFileSync(paths.log, sshFailures(address, 2, Date.now()));
    await bannedInKernel(attackers.slice(0, 20));
    for (const address of attackers.slice(60, 90)) appendFileSync(paths.log, sshFailures(address, 2, Date.now()));
    helper.child.kill('SIGKILL');
    await helper.exited;
    for (const address of attackers.slice(90)) appendFileSync(paths.log, sshFailures(address, 2, Date.now()));

    helper = await startHelper(paths.config);
    await bannedInKernel(attackers);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rows = readDatabase(paths.database, (database) => ({
      events: database.prepare('SELECT COUNT(*) FROM events').pluck().get() as number,
      bans: database.prepare('SELECT address, COUNT(*) AS count FROM bans GROUP BY address HAVING count > 1').all(),
      active: database.prepare('SELECT COUNT(*) FROM bans WHERE ended_at IS NULL').pluck().get() as number,
    }));
    assert.equal(rows.events, attackers.length * 2, 'every failure line counted exactly once');
    assert.deepEqual(rows.bans, [], 'no address banned twice');
    assert.equal(rows.active, attackers.length);
  } finally {
    await stopHelper(helper);
    await resetFirewall();
    directory.dispose();
  }
});

test('a firewall emptied while the helper was stopped gets the active bans back with the time they have left', async () => {
  const directory = temporaryDirectory();
  const paths = setup(directory.path, { banTime: 900 });
  let helper = await startHelper(paths.config);
  try {
    appendFileSync(paths.log, sshFailures('192.0.2.31', 2, Date.now()) + sshFailures('2001:db8::31', 2, Date.now()));
    await bannedInKernel(['192.0.2.31', '2001:db8::31']);
    await stopHelper(helper);
    // What a reboot does to the kernel's tables.
    await resetFirewall();
    assert.equal((await blocked()).size, 0);

    helper = await startHelper(paths.config);
    const found = await bannedInKernel(['192.0.2.31', '2001:db8::31']);
    for (const address of ['192.0.2.31', '2001:db8::31']) {
      const seconds = found.get(address)!.seconds;
      assert.ok(seconds > 850 && seconds <= 900, `${address}: ${seconds} s left`);
    }
    assert.match(helper.output(), /count=2 action=restore msg="restored bans missing from the firewall"/);
  } finally {
    await stopHelper(helper);
    await resetFirewall();
    directory.dispose();
  }
});

test('with nft failing the helper says why, stays up and keeps detecting, and applies the bans once nft works', async () => {
  const directory = temporaryDirectory();
  const paths = setup(directory.path);
  const fakeBin = join(directory.path, 'bin');
  mkdirSync(fakeBin);
  const fakeNft = join(fakeBin, 'nft');
  writeFileSync(fakeNft, '#!/bin/sh\necho "Error: Could not process rule: Operation not supported" >&2\nexit 1\n');
  chmodSync(fakeNft, 0o755);
  const helper = await startHelper(paths.config, { ...process.env, PATH: `${fakeBin}:${process.env.PATH ?? '/usr/bin:/usr/sbin'}` });
  try {
    assert.match(helper.output(), /level=error .*Operation not supported.*msg="the firewall cannot be set up; detecting anyway and retrying"/);
    appendFileSync(paths.log, sshFailures('203.0.113.44', 2, Date.now()));
    await waitFor(() => /address=203\.0\.113\.44 action=ban/.test(helper.output()), { what: 'the ban decision', timeoutMs: 10_000 });
    assert.equal(helper.child.exitCode, null, 'the helper is still running');

    rmSync(fakeNft); // nft is back
    await bannedInKernel(['203.0.113.44'], 30_000);
    await waitFor(() => helper.output().includes('the firewall is in line with the database again'), { what: 'the repair message', timeoutMs: 10_000 });
  } finally {
    await stopHelper(helper);
    await resetFirewall();
    directory.dispose();
  }
});
