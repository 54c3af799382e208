// The shipped systemd unit: systemd itself checks it, and it says what the issue asks: Type=dbus
// with the helper's bus name, restart on failure, and the hardening that keeps root in a box.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CONFIG_PATH, DEFAULT_LOG_FILE } from '../../../helper/config/defaults.js';
import { defaultConfig } from '../../../helper/config/load.js';
import { BUS_NAME } from '../../../helper/protocol/index.js';
import { repositoryRoot, temporaryDirectory } from '../../support/paths.js';

const unitText = readFileSync(join(repositoryRoot, 'conf/systemd/croissant2ban.service'), 'utf8');

function settings(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) found.set(match[1]!, [...(found.get(match[1]!) ?? []), match[2]!]);
  }
  return found;
}

/** The unit with ExecStart pointing at a binary that exists here, for systemd-analyze. */
function analysable(directory: string): string {
  const path = join(directory, 'croissant2ban.service');
  writeFileSync(path, unitText.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`));
  return path;
}

test('systemd-analyze verify accepts the unit', () => {
  const directory = temporaryDirectory();
  try {
    const result = spawnSync('systemd-analyze', ['verify', analysable(directory.path)], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr.trim(), '', 'no warnings');
  } finally {
    directory.dispose();
  }
});

test('it is a D-Bus service with the helper\'s name that restarts on failure, logs to the journal and reloads with SIGHUP', () => {
  const unit = settings(unitText);
  assert.deepEqual(unit.get('Type'), ['dbus']);
  assert.deepEqual(unit.get('BusName'), [BUS_NAME]);
  assert.deepEqual(unit.get('Restart'), ['on-failure']);
  assert.match(unit.get('ExecStart')![0]!, / -f( |$)/, 'in the foreground, so the journal gets its log');
  assert.deepEqual(unit.get('ExecReload'), ['/bin/kill -HUP $MAINPID']);
});

test('the hardening: read-only system except state, log and config; no new privileges; only the capabilities nft and log reading need', () => {
  const unit = settings(unitText);
  assert.deepEqual(unit.get('ProtectSystem'), ['strict']);
  assert.deepEqual(unit.get('NoNewPrivileges'), ['yes']);
  assert.deepEqual(unit.get('CapabilityBoundingSet')![0]!.split(' ').sort(), ['CAP_DAC_READ_SEARCH', 'CAP_NET_ADMIN', 'CAP_NET_RAW']);
  const writable = unit.get('ReadWritePaths')![0]!.split(' ');
  for (const path of [dirname(defaultConfig().general.dbPath), dirname(DEFAULT_LOG_FILE), dirname(DEFAULT_CONFIG_PATH)]) {
    assert.ok(writable.includes(path), `${path} is writable: ${writable.join(' ')}`);
  }
});

test('systemd rates its exposure as OK or better', () => {
  const directory = temporaryDirectory();
  try {
    const result = spawnSync('systemd-analyze', ['security', '--offline=true', analysable(directory.path)], { encoding: 'utf8', timeout: 30_000 });
    const level = /Overall exposure level for croissant2ban\.service: ([\d.]+) (\w+)/.exec(result.stdout);
    assert.ok(level, `${result.stdout}\n${result.stderr}`);
    assert.ok(Number(level[1]) <= 4.0, `exposure ${level[1]} ${level[2]}`);
  } finally {
    directory.dispose();
  }
});
