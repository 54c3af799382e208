import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientError } from '../../../helper/client/index.js';
import type { BridgeOperation, HelperConnection, Preferences, Result } from '../../../electron/bridge.js';
import { createOperations, isOperation, OPERATION_NAMES } from '../../../electron/main/operations.js';
import { FakeHelperClient, type ApiMethod } from './fake-helper-client.js';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const PREFERENCES: Preferences = { startAtLogin: false, attackNotifications: true, notificationsPausedUntil: 0 };

function harness(options: { client?: FakeHelperClient | null; startHelper?: () => Promise<void>; update?: (changes: Partial<Preferences>) => Promise<Preferences> } = {}) {
  const client = options.client === undefined ? new FakeHelperClient() : options.client;
  const connection: HelperConnection = { state: 'running' };
  let rechecks = 0;
  let startHelperCalls = 0;
  const updates: Partial<Preferences>[] = [];
  const operations = createOperations({
    link: { client: () => client, connection: () => connection, recheck: () => void rechecks++ },
    startHelper: async () => {
      startHelperCalls++;
      await options.startHelper?.();
    },
    preferences: {
      get: () => PREFERENCES,
      async update(changes) {
        updates.push(changes);
        return options.update ? options.update(changes) : { ...PREFERENCES, ...changes };
      },
    },
    now: () => NOW,
  });
  return {
    client,
    connection,
    updates,
    rechecks: () => rechecks,
    startHelperCalls: () => startHelperCalls,
    invoke: (operation: unknown, args: unknown) => operations.invoke(operation, args as unknown[]) as Promise<Result<unknown>>,
  };
}

/** The call is refused (InvalidRequest, or InvalidAddress for text that is no address), and nothing (helper, systemd, preferences) was reached. */
async function assertRefused(operation: unknown, args: unknown) {
  const h = harness();
  const result = await h.invoke(operation, args);
  const shown = `${String(typeof operation === 'string' ? operation : typeof operation)}(${describe(args)})`;
  assert.equal(result.ok, false, `${shown} was accepted`);
  if (result.ok) return;
  assert.ok(result.error.kind === 'InvalidRequest' || result.error.kind === 'InvalidAddress', shown);
  assert.equal(typeof result.error.message, 'string');
  assert.ok(result.error.message.length > 0);
  assert.deepEqual(h.client?.calls, [], `${shown} reached the helper`);
  assert.equal(h.client?.availableCalls, 0);
  assert.deepEqual(h.updates, [], `${shown} changed the preferences`);
  assert.equal(h.startHelperCalls(), 0, `${shown} started the helper`);
  assert.equal(h.rechecks(), 0);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, field: unknown) => (typeof field === 'bigint' ? `${field}n` : field)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A valid call of every operation, and what reaches the helper (null: an operation of the main process). */
const VALID: { readonly [Op in BridgeOperation]: { readonly args: readonly unknown[]; readonly method: ApiMethod | null } } = {
  status: { args: [], method: 'status' },
  getBans: { args: [], method: 'getBans' },
  getWhitelist: { args: [], method: 'getWhitelist' },
  getEvents: { args: [50, 1_699_999_000], method: 'getEvents' },
  getActivity: { args: [20], method: 'getActivity' },
  getStats: { args: [], method: 'getStats' },
  getServices: { args: [], method: 'getServices' },
  getIntel: { args: ['203.0.113.7', true], method: 'getIntel' },
  ban: { args: ['203.0.113.7', 3600, 'port scan'], method: 'ban' },
  unban: { args: ['2001:db8::7'], method: 'unban' },
  extendBan: { args: ['203.0.113.7', 7200], method: 'extendBan' },
  whitelistAdd: { args: ['192.0.2.0/24', 'office'], method: 'whitelistAdd' },
  whitelistRemove: { args: ['2001:db8::/48'], method: 'whitelistRemove' },
  startHelper: { args: [], method: null },
  connection: { args: [], method: null },
  getPreferences: { args: [], method: null },
  setPreferences: { args: [{ attackNotifications: false }], method: null },
};

// --- operation names and arity ------------------------------------------------------------------

test('OPERATION_NAMES lists exactly the bridge operations, each a known operation', () => {
  assert.deepEqual([...OPERATION_NAMES].sort(), Object.keys(VALID).sort());
  for (const name of OPERATION_NAMES) assert.equal(isOperation(name), true, name);
});

test('every operation in OPERATION_NAMES is dispatchable with valid arguments', async () => {
  for (const operation of OPERATION_NAMES) {
    const h = harness();
    const { args, method } = VALID[operation];
    const result = (await h.invoke(operation, args)) as unknown;
    if (operation === 'connection') assert.deepEqual(result, { state: 'running' });
    else if (operation === 'getPreferences') assert.deepEqual(result, PREFERENCES);
    else assert.equal((result as Result<unknown>).ok, true, `${operation}: ${describe(result)}`);
    if (method === null) assert.deepEqual(h.client?.calls, [], operation);
    else assert.deepEqual(h.client?.calls, [{ method, args }], operation);
  }
});

test('unknown operation names are refused, including inherited object keys and non-strings', async () => {
  const names: unknown[] = [
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '__defineGetter__',
    'onEvent',
    'flush',
    'reload',
    'isBanned',
    'Status',
    'status ',
    'croissant2ban:status',
    '',
    null,
    undefined,
    42,
    true,
    {},
    ['status'],
    Symbol('status'),
    Object.create(null),
  ];
  for (const name of names) {
    assert.equal(isOperation(name), false);
    await assertRefused(name, []);
  }
});

test('the wrong number of arguments is refused, and arguments that are not a list', async () => {
  await assertRefused('status', [1]);
  await assertRefused('getBans', [undefined]);
  await assertRefused('getEvents', [50]);
  await assertRefused('getEvents', [50, 0, 0]);
  await assertRefused('getActivity', []);
  await assertRefused('getIntel', ['203.0.113.7']);
  await assertRefused('ban', ['203.0.113.7', 60]);
  await assertRefused('ban', ['203.0.113.7', 60, 'x', 'extra']);
  await assertRefused('unban', []);
  await assertRefused('whitelistAdd', ['192.0.2.1']);
  await assertRefused('whitelistRemove', ['192.0.2.1', 'x']);
  await assertRefused('startHelper', [true]);
  await assertRefused('setPreferences', []);
  await assertRefused('setPreferences', [{}, {}]);
  for (const args of [null, undefined, 'status', 0, {}, { length: 0 }, { 0: '203.0.113.7', length: 1 }]) {
    await assertRefused('status', args);
    await assertRefused('unban', args);
  }
});

// --- numbers -------------------------------------------------------------------------------------

test('limits must be whole numbers from 1 to 100000', async () => {
  const bad = [0, -1, 1.5, 100_001, Number.NaN, Infinity, -Infinity, '10', 10n, null, undefined, true, [10], { valueOf: () => 10 }];
  for (const limit of bad) {
    await assertRefused('getActivity', [limit]);
    await assertRefused('getEvents', [limit, 0]);
  }
  for (const limit of [1, 100_000]) {
    const h = harness();
    assert.equal((await h.invoke('getActivity', [limit])).ok, true);
    assert.deepEqual(h.client?.calls, [{ method: 'getActivity', args: [limit] }]);
  }
});

test('since must be a whole number of seconds from 0 to the largest safe integer', async () => {
  for (const since of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Infinity, '0', null, 0n]) await assertRefused('getEvents', [10, since]);
  for (const since of [0, Number.MAX_SAFE_INTEGER]) {
    const h = harness();
    assert.equal((await h.invoke('getEvents', [10, since])).ok, true);
    assert.deepEqual(h.client?.calls, [{ method: 'getEvents', args: [10, since] }]);
  }
});

test('a ban duration must fit the helper: whole seconds from 0 (permanent) to 2^32 - 1', async () => {
  for (const duration of [-1, 0.5, 2 ** 32, Number.NaN, Infinity, '60', null, 60n]) await assertRefused('ban', ['203.0.113.7', duration, 'x']);
  for (const duration of [0, 2 ** 32 - 1]) {
    const h = harness();
    assert.equal((await h.invoke('ban', ['203.0.113.7', duration, 'x'])).ok, true);
    assert.deepEqual(h.client?.calls, [{ method: 'ban', args: ['203.0.113.7', duration, 'x'] }]);
  }
});

test('refresh must be true or false', async () => {
  for (const refresh of ['true', 1, 0, null, undefined, {}]) await assertRefused('getIntel', ['203.0.113.7', refresh]);
  const h = harness();
  assert.equal((await h.invoke('getIntel', ['203.0.113.7', false])).ok, true);
  assert.deepEqual(h.client?.calls, [{ method: 'getIntel', args: ['203.0.113.7', false] }]);
});

// --- addresses -----------------------------------------------------------------------------------

const ADDRESSES = ['203.0.113.7', '0.0.0.0', '255.255.255.255', '2001:db8::1', '::1', '::', 'fe80::1:2:3:4', '::ffff:192.0.2.1', '2001:0db8:0000:0000:0000:0000:0000:0001'];

const HOSTILE: unknown[] = [
  '1.2.3.4; rm -rf /',
  '1.2.3.4\n',
  '1.2.3.4\r\n',
  '\n1.2.3.4',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '1.2.3.4\u0000',
  '../etc',
  '/etc/passwd',
  '1.2.3.4/../../etc',
  '$(id)',
  '`id`',
  '',
  'a'.repeat(65),
  `${'1'.repeat(30)}.${'2'.repeat(34)}`,
  'localhost',
  'example.org',
  '256.1.1.1',
  '1.2.3',
  '01.2.3.4',
  '1.2.3.4.5',
  '0x7f.0.0.1',
  '2001:db8:::1',
  '2001:db8::g',
  '[2001:db8::1]',
  'fe80::1%eth0',
  'fe80::1%..',
  1234,
  16909060,
  null,
  undefined,
  true,
  {},
  { address: '1.2.3.4' },
  ['1.2.3.4'],
  { toString: () => '1.2.3.4' },
];

const NETWORKS = ['203.0.113.0/24', '0.0.0.0/0', '10.0.0.0/8', '192.0.2.1/32', '2001:db8::/32', '::/0', '2001:db8::1/128'];

const BAD_NETWORKS = [
  '192.0.2.0/33',
  '2001:db8::/129',
  '192.0.2.0/',
  '192.0.2.0/-1',
  '192.0.2.0/+8',
  '192.0.2.0/ 8',
  '192.0.2.0/8 ',
  '192.0.2.0/0x10',
  '192.0.2.0/1e1',
  '192.0.2.0/8.0',
  '192.0.2.0/24/8',
  '192.0.2.0/1000',
  '192.0.2.0/024',
  '192.0.2.0/24; rm -rf /',
  '/24',
  'office/24',
];

test('valid IPv4 and IPv6 addresses reach the helper as they are, for every address operation', async () => {
  for (const ip of ADDRESSES) {
    for (const [operation, args, method, sent] of [
      ['getIntel', [ip, false], 'getIntel', [ip, false]],
      ['ban', [ip, 60, 'r'], 'ban', [ip, 60, 'r']],
      ['unban', [ip], 'unban', [ip]],
      ['whitelistAdd', [ip, 'c'], 'whitelistAdd', [ip, 'c']],
      ['whitelistRemove', [ip], 'whitelistRemove', [ip]],
    ] as const) {
      const h = harness();
      const result = await h.invoke(operation, args);
      assert.deepEqual(result, { ok: true, value: { reply: method } }, `${operation}(${ip})`);
      assert.deepEqual(h.client?.calls, [{ method, args: sent }], `${operation}(${ip})`);
    }
  }
});

test('hostile and malformed addresses are refused by every address operation', async () => {
  for (const ip of HOSTILE) {
    await assertRefused('getIntel', [ip, false]);
    await assertRefused('ban', [ip, 60, 'r']);
    await assertRefused('unban', [ip]);
    await assertRefused('whitelistAdd', [ip, 'c']);
    await assertRefused('whitelistRemove', [ip]);
  }
});

test('networks (CIDR) are taken by whitelistAdd and whitelistRemove only, within 32 and 128 bits', async () => {
  for (const network of NETWORKS) {
    for (const [operation, args] of [
      ['whitelistAdd', [network, 'lan']],
      ['whitelistRemove', [network]],
    ] as const) {
      const h = harness();
      assert.deepEqual(await h.invoke(operation, args), { ok: true, value: { reply: operation } }, `${operation}(${network})`);
      assert.deepEqual(h.client?.calls, [{ method: operation, args }]);
    }
    await assertRefused('ban', [network, 60, 'r']);
    await assertRefused('unban', [network]);
    await assertRefused('getIntel', [network, false]);
  }
  for (const network of BAD_NETWORKS) {
    await assertRefused('whitelistAdd', [network, 'lan']);
    await assertRefused('whitelistRemove', [network]);
  }
});

// --- text ----------------------------------------------------------------------------------------

test('reasons and comments are text of at most 500 characters without control characters', async () => {
  const bad: unknown[] = [
    'x'.repeat(501),
    'line\nbreak',
    'carriage\rreturn',
    'tab\there',
    'nul\u0000',
    'escape \u001b[2J',
    'delete\u007f',
    'next line\u0085',
    'csi \u009b2J',
    5,
    null,
    undefined,
    {},
    ['reason'],
  ];
  for (const reason of bad) {
    await assertRefused('ban', ['203.0.113.7', 60, reason]);
    await assertRefused('whitelistAdd', ['203.0.113.7', reason]);
  }
  for (const reason of ['', 'x'.repeat(500), 'croissant — 🥐, "quoted" & <b>not html</b>', 'ssh: 5 failures; rm -rf /']) {
    const h = harness();
    assert.equal((await h.invoke('ban', ['203.0.113.7', 60, reason])).ok, true);
    assert.equal((await h.invoke('whitelistAdd', ['203.0.113.7', reason])).ok, true);
    assert.deepEqual(
      h.client?.calls.map((call) => call.args.at(-1)),
      [reason, reason],
    );
  }
});

// --- preferences ---------------------------------------------------------------------------------

test('setPreferences passes known preferences with the right types to the store and answers with the result', async () => {
  for (const changes of [
    {},
    { startAtLogin: true },
    { attackNotifications: false },
    { notificationsPausedUntil: 0 },
    { notificationsPausedUntil: NOW },
    { notificationsPausedUntil: NOW + HOUR },
    { notificationsPausedUntil: NOW + WEEK },
    { startAtLogin: false, attackNotifications: true, notificationsPausedUntil: NOW + 1 },
  ]) {
    const h = harness();
    assert.deepEqual(await h.invoke('setPreferences', [changes]), { ok: true, value: { ...PREFERENCES, ...changes } });
    assert.deepEqual(h.updates, [changes]);
  }
});

test('setPreferences refuses unknown keys, wrong types and pauses in the past or beyond a week', async () => {
  const bad: unknown[] = [
    null,
    undefined,
    'startAtLogin',
    42,
    true,
    [],
    [{ startAtLogin: true }],
    { theme: 'dark' },
    { startAtLogin: true, extra: 1 },
    JSON.parse('{"__proto__": {"startAtLogin": true}}'),
    { constructor: { prototype: {} } },
    { toString: 'x' },
    { startAtLogin: 'yes' },
    { startAtLogin: 1 },
    { startAtLogin: null },
    { attackNotifications: 'false' },
    { attackNotifications: 0 },
    { notificationsPausedUntil: NOW - 1 },
    { notificationsPausedUntil: 1 },
    { notificationsPausedUntil: -1 },
    { notificationsPausedUntil: NOW + WEEK + 1 },
    { notificationsPausedUntil: NOW + 0.5 },
    { notificationsPausedUntil: Number.NaN },
    { notificationsPausedUntil: Infinity },
    { notificationsPausedUntil: String(NOW + HOUR) },
    { notificationsPausedUntil: null },
    { notificationsPausedUntil: true },
  ];
  for (const changes of bad) await assertRefused('setPreferences', [changes]);
});

test('a store that cannot save answers Failed, naming why', async () => {
  const h = harness({
    update: async () => {
      throw new Error('EACCES: permission denied');
    },
  });
  const result = await h.invoke('setPreferences', [{ attackNotifications: true }]);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.error.kind, 'Failed');
  assert.match(result.error.message, /EACCES: permission denied/);
});

// --- results and errors --------------------------------------------------------------------------

test('what the helper answers comes back as { ok: true, value }', async () => {
  const h = harness();
  h.client!.answer = (method, args) => (method === 'whitelistAdd' ? ['192.0.2.5', '192.0.2.9'] : args);
  assert.deepEqual(await h.invoke('whitelistAdd', ['192.0.2.0/24', 'office']), { ok: true, value: ['192.0.2.5', '192.0.2.9'] });
});

test("a helper error becomes { ok: false } with the error's kind and message, without a recheck", async () => {
  for (const kind of ['NotAuthorized', 'InvalidAddress', 'Whitelisted', 'NotFound', 'InteractionRequired', 'AccessDenied', 'Timeout', 'BadReply'] as const) {
    const h = harness();
    h.client!.answer = () => {
      throw new ClientError(kind, `${kind} happened`);
    };
    assert.deepEqual(await h.invoke('unban', ['203.0.113.7']), { ok: false, error: { kind, message: `${kind} happened` } });
    assert.equal(h.rechecks(), 0, kind);
  }
});

test('an Unreachable error makes the link check again whether the helper is there', async () => {
  const h = harness();
  h.client!.answer = async () => {
    throw new ClientError('Unreachable', 'the helper is not running');
  };
  assert.deepEqual(await h.invoke('getBans', []), { ok: false, error: { kind: 'Unreachable', message: 'the helper is not running' } });
  assert.equal(h.rechecks(), 1);
});

test('other errors become Failed with their message; nothing is thrown', async () => {
  const h = harness();
  h.client!.answer = () => {
    throw new TypeError('something odd');
  };
  assert.deepEqual(await h.invoke('status', []), { ok: false, error: { kind: 'Failed', message: 'something odd' } });
  h.client!.answer = () => Promise.reject('a string');
  assert.deepEqual(await h.invoke('status', []), { ok: false, error: { kind: 'Failed', message: 'a string' } });
});

test('without a connected client, helper operations answer Unreachable without throwing', async () => {
  const h = harness({ client: null });
  for (const operation of OPERATION_NAMES) {
    const { method, args } = VALID[operation];
    if (method === null) continue;
    const result = await h.invoke(operation, args);
    assert.equal(result.ok, false, operation);
    if (!result.ok) assert.equal(result.error.kind, 'Unreachable', operation);
  }
  assert.deepEqual(await h.invoke('connection', []), { state: 'running' }, 'the main process answers for itself');
  assert.deepEqual(await h.invoke('getPreferences', []), PREFERENCES);
});

test('startHelper answers ok, or the kind of the error it met', async () => {
  assert.deepEqual(await harness().invoke('startHelper', []), { ok: true, value: undefined });
  const denied = harness({
    startHelper: async () => {
      throw new ClientError('AccessDenied', 'polkit said no');
    },
  });
  assert.deepEqual(await denied.invoke('startHelper', []), { ok: false, error: { kind: 'AccessDenied', message: 'polkit said no' } });
  assert.equal(denied.startHelperCalls(), 1);
  const broken = harness({
    startHelper: async () => {
      throw new Error('systemctl exited with 5');
    },
  });
  assert.deepEqual(await broken.invoke('startHelper', []), { ok: false, error: { kind: 'Failed', message: 'systemctl exited with 5' } });
  assert.deepEqual(broken.client?.calls, [], 'starting the helper is not a call to it');
});

test('text that is not an address is refused as InvalidAddress, as the helper would say; a wrong type is InvalidRequest', async () => {
  const h = harness();
  const words = (await h.invoke('unban', ['1.2.3.4; rm -rf /'])) as { ok: false; error: { kind: string } };
  assert.equal(words.error.kind, 'InvalidAddress');
  const prefix = (await h.invoke('whitelistAdd', ['10.0.0.0/33', ''])) as { ok: false; error: { kind: string } };
  assert.equal(prefix.error.kind, 'InvalidAddress');
  const number = (await h.invoke('unban', [1234])) as { ok: false; error: { kind: string } };
  assert.equal(number.error.kind, 'InvalidRequest');
  assert.deepEqual(h.client?.calls, []);
});
