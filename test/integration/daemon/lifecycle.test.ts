// The daemon as an admin runs it: detached with a pid file, reloaded with SIGHUP, stopped with SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { helperCommand, temporaryDirectory } from '../../support/paths.js';
import { sshFailures } from '../../support/syslog.js';
import { waitFor } from '../../support/wait.js';

const [node, ...daemonArguments] = helperCommand('daemon/main');

function configText(directory: string, maxFailures: number | string): string {
  return (
    `[general]\ndb_path = "${join(directory, 'state.db')}"\npid_file = "${join(directory, 'run', 'helper.pid')}"\n` +
    `[firewall]\nbackend = "null"\n[services.ssh]\nlog_path = "${join(directory, 'auth.log')}"\nmax_failures = ${maxFailures}\n`
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('without -f the helper detaches, writes its pid file, refuses a second start and stops cleanly on SIGTERM', async () => {
  const directory = temporaryDirectory();
  const config = join(directory.path, 'config.toml');
  const log = join(directory.path, 'helper.log');
  const pidFile = join(directory.path, 'run', 'helper.pid');
  writeFileSync(join(directory.path, 'auth.log'), '');
  writeFileSync(config, configText(directory.path, 3));
  let pid = 0;
  try {
    const first = spawnSync(node!, [...daemonArguments, '-c', config, '-o', log], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(first.status, 0, first.stderr);
    pid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.match(first.stdout, new RegExp(`started \\(pid ${pid}\\); log: ${log}`));
    assert.ok(alive(pid), 'the detached helper runs');
    assert.match(readFileSync(log, 'utf8'), /msg=started/);

    const second = spawnSync(node!, [...daemonArguments, '-c', config, '-o', log], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(second.status, 1);
    assert.match(second.stderr, new RegExp(`already running \\(pid ${pid}`));

    appendFileSync(join(directory.path, 'auth.log'), sshFailures('203.0.113.77', 3, Date.now()));
    await waitFor(() => /address=203\.0\.113\.77 action=ban/.test(readFileSync(log, 'utf8')), { what: 'the ban in the log', timeoutMs: 10_000 });

    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(pid), { what: 'the helper to exit', timeoutMs: 10_000 });
    assert.equal(existsSync(pidFile), false, 'the pid file is removed');
    assert.match(readFileSync(log, 'utf8'), /msg=stopped/);
  } finally {
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    directory.dispose();
  }
});

test('SIGHUP reloads a valid configuration and refuses an invalid one, keeping the running one', async () => {
  const directory = temporaryDirectory();
  const config = join(directory.path, 'config.toml');
  const authLog = join(directory.path, 'auth.log');
  writeFileSync(authLog, '');
  writeFileSync(config, configText(directory.path, 5));
  const child = spawn(node!, [...daemonArguments, '-f', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(() => output.includes('msg=started'), { what: 'the start', timeoutMs: 20_000 });

    writeFileSync(config, configText(directory.path, '"two"'));
    child.kill('SIGHUP');
    await waitFor(() => output.includes('new configuration refused; the running one stays'), { what: 'the refusal', timeoutMs: 10_000 });
    assert.match(output, /services\.ssh\.max_failures/);
    appendFileSync(authLog, sshFailures('198.51.100.5', 4, Date.now()));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.doesNotMatch(output, /address=198\.51\.100\.5 action=ban/, 'still the old threshold of 5');

    writeFileSync(config, configText(directory.path, 2));
    child.kill('SIGHUP');
    await waitFor(() => output.includes('msg="configuration reloaded"'), { what: 'the reload', timeoutMs: 10_000 });
    appendFileSync(authLog, sshFailures('198.51.100.6', 2, Date.now()));
    await waitFor(() => /address=198\.51\.100\.6 action=ban/.test(output), { what: 'a ban at the new threshold of 2', timeoutMs: 10_000 });
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, output);
  directory.dispose();
});
