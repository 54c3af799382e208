import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { helperCommand, temporaryDirectory } from '../../support/paths.js';
import { syslogStamp } from '../../support/syslog.js';
import { waitFor } from '../../support/wait.js';

const [node, ...daemonArguments] = helperCommand('daemon/main');

test('a bad config stops the daemon before it starts, naming the file and the key, with exit status 78', () => {
  const directory = temporaryDirectory();
  try {
    const config = join(directory.path, 'config.toml');
    writeFileSync(config, '[services.ssh]\nlog_path = "/var/log/auth.log"\nmax_failures = -3\nfind_tme = 60\n');
    const result = spawnSync(node!, [...daemonArguments, '-f', '-c', config], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 78, result.stderr);
    assert.match(result.stderr, new RegExp(`${config}: services\\.ssh\\.max_failures: must be an integer`));
    assert.match(result.stderr, /services\.ssh\.find_tme: unknown key.*find_time/);
  } finally {
    directory.dispose();
  }
});

test('a user regex that backtracks catastrophically stops the daemon with exit 78 before it creates anything', () => {
  const directory = temporaryDirectory();
  try {
    const config = join(directory.path, 'config.toml');
    const database = join(directory.path, 'state', 'state.db');
    writeFileSync(
      config,
      `[general]\ndb_path = "${database}"\n[services.web]\nlog_path = "/var/log/web.log"\n[[services.web.patterns]]\nname = "x"\nregex = '(a+)+$'\n`,
    );
    const result = spawnSync(node!, [...daemonArguments, '-f', '-c', config], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 78, result.stderr);
    assert.match(result.stderr, /services\.web\.patterns\[1\]\.regex: refused: it can take exponential time/);
    assert.equal(existsSync(join(directory.path, 'state')), false, 'nothing was created');
  } finally {
    directory.dispose();
  }
});

test('the daemon in the foreground logs a dry-run ban as structured lines and stops cleanly on SIGTERM', async () => {
  const directory = temporaryDirectory();
  try {
    const log = join(directory.path, 'auth.log');
    const config = join(directory.path, 'config.toml');
    writeFileSync(log, '');
    writeFileSync(
      config,
      `[general]\ndb_path = "${join(directory.path, 'db', 'state.db')}"\n[firewall]\nbackend = "null"\n` +
        `[services.ssh]\nlog_path = "${log}"\nmax_failures = 2\n`,
    );
    const child = spawn(node!, [...daemonArguments, '-f', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stderr.includes('msg=started'), { what: 'the daemon to start', timeoutMs: 20_000 });
      appendFileSync(log, `${syslogStamp(Date.now())} host sshd[9]: Invalid user zz from 2001:db8::66 port 5\n`.repeat(2));
      await waitFor(() => /level=info service=ssh address=2001:db8::66 action=ban/.test(stderr), { what: 'the ban line', timeoutMs: 10_000 });
      assert.match(stderr, /level=info address=2001:db8::66 seconds=\d+ action=dry-run msg="dry run: would block"/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /msg=stopped/);
  } finally {
    directory.dispose();
  }
});
