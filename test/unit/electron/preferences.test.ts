import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Preferences } from '../../../electron/bridge.js';
import type { Autostart } from '../../../electron/main/autostart.js';
import { createPreferenceStore, DEFAULT_PREFERENCES } from '../../../electron/main/preferences.js';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

function folder(t: TestContext) {
  const path = mkdtempSync(join(tmpdir(), 'croissant2ban-preferences-'));
  t.after(() => rmSync(path, { recursive: true, force: true }));
  return path;
}

/** A store on `file` with an autostart entry kept in memory and a clock the test moves. */
function open(file: string, options: { startAtLogin?: boolean } = {}) {
  let clock = NOW;
  let enabled = options.startAtLogin ?? false;
  const autostartSets: boolean[] = [];
  const autostart: Autostart = {
    enabled: () => enabled,
    set(value) {
      autostartSets.push(value);
      enabled = value;
    },
  };
  const warnings: string[] = [];
  const changes: Preferences[] = [];
  const store = createPreferenceStore({ file, autostart, now: () => clock, warn: (message) => warnings.push(message), changed: (preferences) => changes.push(preferences) });
  return { store, warnings, changes, autostartSets, advance: (ms: number) => (clock += ms) };
}

test('without a file the defaults apply, silently', (t) => {
  const { store, warnings } = open(join(folder(t), 'missing', 'preferences.json'));
  assert.deepEqual(DEFAULT_PREFERENCES, { startAtLogin: false, attackNotifications: false, notificationsPausedUntil: 0 });
  assert.deepEqual(store.get(), DEFAULT_PREFERENCES);
  assert.deepEqual(warnings, []);
});

test('start at login is what the autostart entry says', (t) => {
  const { store } = open(join(folder(t), 'preferences.json'), { startAtLogin: true });
  assert.equal(store.get().startAtLogin, true);
});

test('a broken file gives the defaults and one warning naming the file', (t) => {
  for (const content of ['{"attackNotifications": tru', '', '\u0000\u0001garbage']) {
    const file = join(folder(t), 'preferences.json');
    writeFileSync(file, content);
    const { store, warnings } = open(file);
    assert.deepEqual(store.get(), DEFAULT_PREFERENCES);
    assert.equal(warnings.length, 1, JSON.stringify(content));
    assert.ok(warnings[0]!.includes(file), warnings[0]);
    store.get();
    assert.equal(warnings.length, 1, 'warned once, not on every read');
  }
});

test('fields of the wrong type fall back to their defaults', (t) => {
  for (const content of ['null', '[]', '42', '{"attackNotifications": "yes", "notificationsPausedUntil": "soon"}', '{"notificationsPausedUntil": null}']) {
    const file = join(folder(t), 'preferences.json');
    writeFileSync(file, content);
    const { store } = open(file);
    assert.deepEqual(store.get(), DEFAULT_PREFERENCES, content);
  }
});

test('an update is saved, told, and read back by a new store', async (t) => {
  const file = join(folder(t), 'nested', 'folder', 'preferences.json');
  const first = open(file);
  const saved = await first.store.update({ attackNotifications: true, notificationsPausedUntil: NOW + HOUR });
  const expected = { startAtLogin: false, attackNotifications: true, notificationsPausedUntil: NOW + HOUR };
  assert.deepEqual(saved, expected);
  assert.deepEqual(first.store.get(), expected);
  assert.deepEqual(first.changes, [expected], 'changed() once, with the new preferences');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { attackNotifications: true, notificationsPausedUntil: NOW + HOUR });
  assert.deepEqual(readdirSync(join(file, '..')), ['preferences.json'], 'no temporary file left behind');

  const second = open(file);
  assert.deepEqual(second.store.get(), expected);
  assert.deepEqual(second.warnings, []);
});

test('an update keeps what it does not name', async (t) => {
  const file = join(folder(t), 'preferences.json');
  const { store } = open(file);
  await store.update({ attackNotifications: true });
  await store.update({ notificationsPausedUntil: NOW + HOUR });
  assert.deepEqual(store.get(), { startAtLogin: false, attackNotifications: true, notificationsPausedUntil: NOW + HOUR });
  await store.update({ notificationsPausedUntil: 0 });
  assert.deepEqual(store.get(), { startAtLogin: false, attackNotifications: true, notificationsPausedUntil: 0 }, '0 ends the pause');
  assert.deepEqual(open(file).store.get(), store.get());
});

test('start at login toggles the autostart entry, only when it changes', async (t) => {
  const { store, autostartSets, changes } = open(join(folder(t), 'preferences.json'));
  assert.equal((await store.update({ startAtLogin: true })).startAtLogin, true);
  assert.deepEqual(autostartSets, [true]);
  await store.update({ startAtLogin: true });
  await store.update({ attackNotifications: true });
  assert.deepEqual(autostartSets, [true], 'unchanged: the entry is left alone');
  assert.equal((await store.update({ startAtLogin: false })).startAtLogin, false);
  assert.deepEqual(autostartSets, [true, false]);
  assert.equal(store.get().startAtLogin, false);
  assert.equal(changes.length, 4);
});

test('a pause that has run out reads as 0', async (t) => {
  const file = join(folder(t), 'preferences.json');
  const { store, advance } = open(file);
  await store.update({ notificationsPausedUntil: NOW + HOUR });
  advance(HOUR - 1);
  assert.equal(store.get().notificationsPausedUntil, NOW + HOUR);
  advance(1);
  assert.equal(store.get().notificationsPausedUntil, 0);

  writeFileSync(file, JSON.stringify({ attackNotifications: true, notificationsPausedUntil: NOW - 1 }));
  assert.deepEqual(open(file).store.get(), { startAtLogin: false, attackNotifications: true, notificationsPausedUntil: 0 });
});
