import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INVALID, closestKey, integer, list, table, tagged, withDefault, type ReadContext } from '../../../helper/config/schema.js';

const SERVICE_KEYS = ['enabled', 'log_path', 'journal_units', 'filter', 'patterns', 'max_failures', 'find_time', 'ban_time', 'port'];

test('a key spelled without underscores or in another case finds its known key', () => {
  assert.equal(closestKey('findtime', SERVICE_KEYS), 'find_time');
  assert.equal(closestKey('LogPath', SERVICE_KEYS), 'log_path');
});

test('fail2ban names point to their counterparts', () => {
  assert.equal(closestKey('maxretry', SERVICE_KEYS), 'max_failures');
  assert.equal(closestKey('failregex', SERVICE_KEYS), 'patterns');
});

test('a typo within two edits finds its known key', () => {
  assert.equal(closestKey('max_failure', SERVICE_KEYS), 'max_failures');
  assert.equal(closestKey('enabeld', SERVICE_KEYS), 'enabled');
});

test('a shortened key is suggested only when a single known key fits', () => {
  assert.equal(closestKey('journal', SERVICE_KEYS), 'journal_units');
  assert.equal(closestKey('set', ['set_v4', 'set_v6']), null);
});

test('a key far from every known key gets no suggestion', () => {
  assert.equal(closestKey('colour', SERVICE_KEYS), null);
});

test('a table reads defaults for missing keys and reports each bad key once', () => {
  const context: ReadContext = { issues: [], format: 'toml' };
  const check = table({ count: withDefault(integer(1, 9), 3), items: withDefault(list(integer(0, 1)), []) });
  assert.deepEqual(check.read({}, 'top', context), { count: 3, items: [] });
  assert.equal(check.read({ count: 10, items: [0, 2, 5] }, 'top', context), INVALID);
  assert.deepEqual(context.issues.map((issue) => issue.key), ['top.count', 'top.items[2]', 'top.items[3]']);
});

test('JSON documents hear about objects where TOML hears about tables', () => {
  const context: ReadContext = { issues: [], format: 'json' };
  table({}).read([], 'thing', context);
  assert.equal(context.issues[0]!.problem, 'must be an object, got an empty array');
});

test('a tagged table keeps its type and reads the keys of its variant only', () => {
  const context: ReadContext = { issues: [], format: 'toml' };
  const check = tagged({ one: { size: withDefault(integer(1, 5), 1) }, two: {} });
  assert.deepEqual(check.read({ type: 'one', size: 4 }, 'entry', context), { type: 'one', size: 4 });
  assert.deepEqual(check.read({ type: 'two' }, 'entry', context), { type: 'two' });
  assert.equal(check.read({ type: 'two', size: 4 }, 'entry', context), INVALID);
  assert.deepEqual(context.issues, [{ key: 'entry.size', problem: 'unknown key; the keys here are type' }]);
});
