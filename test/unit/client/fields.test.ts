import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFields, readLooseFields, toVariants, writeFields } from '../../../helper/client/fields.js';
import { decodeMessage, encodeBody, encodeMessage, MessageType, parseSignature, Reader, Variant, WireError, Writer } from '../../../helper/client/wire.js';
import {
  ACTIVITY_FIELDS,
  BAN_FIELDS,
  type BanInfo,
  EVENT_FIELDS,
  type FieldTable,
  type Fields,
  SERVICE_FIELDS,
  type ServiceInfo,
  STATS_FIELDS,
  type StatsInfo,
  STATUS_FIELDS,
  type StatusInfo,
  WHITELIST_FIELDS,
} from '../../../helper/protocol/index.js';

const BAN: BanInfo = {
  ip: '203.0.113.7',
  service: 'sshd',
  reason: '5 failures in 600 s — ünïcödé 🥐',
  source: 'detector',
  banned_at: 1_700_000_000,
  expires_at: 1_700_003_600,
  failures: 5,
};

const PERMANENT_BAN: BanInfo = { ip: '2001:db8::1', service: '', reason: '', source: 'manual', banned_at: 1_700_000_100, expires_at: 0, failures: 0 };

const SERVICE: ServiceInfo = {
  name: 'sshd',
  enabled: true,
  filter: 'sshd',
  log_paths: ['/var/log/auth.log', '/var/log/secure'],
  journal_units: [],
  max_retry: 5,
  find_time_secs: 600,
  ban_time_secs: 3600,
  active_bans: 2,
  events_24h: 40,
};

const STATS: StatsInfo = {
  active_bans: 3,
  permanent_bans: 1,
  bans_total: 120,
  bans_24h: 7,
  events_total: 9_000_000_000,
  events_24h: 44,
  unique_attackers_24h: 12,
  events_by_service_24h: { sshd: 40, nginx: 4 },
  bans_by_source: {},
  events_per_hour_24h: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 40, 1],
  bans_per_hour_24h: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0],
};

const STATUS: StatusInfo = {
  version: '0.1.0',
  running: true,
  pid: 4242,
  started_at: 1_700_000_000,
  uptime_secs: 86_400,
  active_bans: 3,
  events_processed: 123_456,
  services: ['sshd', 'nginx'],
  firewall_backend: 'nftables',
  dry_run: false,
  config_path: '/etc/croissant2ban/config.toml',
  database_path: '/var/lib/croissant2ban/db.sqlite',
  authorization: 'polkit',
};

/** writeFields into a fresh writer, then read the bytes back as a{sv} with the generic reader. */
function writeAndRead<T extends FieldTable>(table: T, record: Fields<T>): unknown {
  const writer = new Writer();
  writeFields(writer, table, record);
  const bytes = Buffer.from(writer.bytes());
  const reader = new Reader(bytes, true);
  const value = reader.value(parseSignature('a{sv}')[0]!);
  assert.equal(reader.offset, bytes.length, 'the reader consumed every byte');
  return value;
}

function assertWireError(run: () => unknown, label?: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof WireError, `${label ?? ''}: expected WireError, got ${String(error)}`);
    return true;
  });
}

test('a ban written by writeFields and read as a{sv} comes back as the same record through readFields', () => {
  for (const ban of [BAN, PERMANENT_BAN]) {
    const value = writeAndRead(BAN_FIELDS, ban);
    assert.ok(value instanceof Map);
    assert.deepEqual([...value.keys()], Object.keys(BAN_FIELDS));
    assert.deepEqual(readFields(BAN_FIELDS, value), ban);
  }
});

test('writeFields writes each field as a variant of the signature its table gives', () => {
  const value = writeAndRead(BAN_FIELDS, BAN) as Map<string, Variant>;
  for (const [key, signature] of Object.entries(BAN_FIELDS)) {
    const variant = value.get(key);
    assert.ok(variant instanceof Variant, key);
    assert.equal(variant.signature, signature, key);
    assert.equal(variant.value, BAN[key as keyof BanInfo], key);
  }
});

test('writeFields writes the same bytes as the generic writer given toVariants', () => {
  const cases: [FieldTable, Record<string, unknown>][] = [
    [BAN_FIELDS, BAN],
    [SERVICE_FIELDS, SERVICE],
    [STATS_FIELDS, STATS],
    [STATUS_FIELDS, STATUS],
  ];
  for (const [table, record] of cases) {
    const direct = new Writer();
    writeFields(direct, table, record as Fields<FieldTable>);
    const generic = encodeBody('a{sv}', [toVariants(table, record as Fields<FieldTable>)]);
    assert.deepEqual(Buffer.from(direct.bytes()), generic);
  }
});

test('writeFields aligns each record when written after other data, as in a GetBans reply', () => {
  // The service writes aa{sv} by hand: an array, then one writeFields per ban.
  const writer = new Writer();
  const element = parseSignature('aa{sv}')[0]!.children[0]!;
  const lengthAt = writer.beginArray(element);
  for (const ban of [BAN, PERMANENT_BAN, BAN]) writeFields(writer, BAN_FIELDS, ban);
  writer.finishArray(lengthAt, element);
  const encodedBody = Buffer.from(writer.bytes());
  assert.deepEqual(encodedBody, encodeBody('aa{sv}', [[BAN, PERMANENT_BAN, BAN].map((ban) => toVariants(BAN_FIELDS, ban))]));

  const message = decodeMessage(encodeMessage({ type: MessageType.methodReturn, serial: 2, replySerial: 1, signature: 'aa{sv}', encodedBody }));
  const bans = (message.body![0] as unknown[]).map((value) => readFields(BAN_FIELDS, value));
  assert.deepEqual(bans, [BAN, PERMANENT_BAN, BAN]);
});

test('writeFields after an odd number of bytes still pads the dictionary to 8', () => {
  const writer = new Writer();
  writer.byte(1);
  writeFields(writer, WHITELIST_FIELDS, { network: '10.0.0.0/8', comment: '', added_at: 1, added_by: 0xffff_ffff });
  const bytes = Buffer.from(writer.bytes());
  const [first, dictionary] = new Reader(bytes, true).values('ya{sv}');
  assert.equal(first, 1);
  assert.deepEqual(readFields(WHITELIST_FIELDS, dictionary), { network: '10.0.0.0/8', comment: '', added_at: 1, added_by: 0xffff_ffff });
});

test('writeFields refuses a field whose value does not fit its signature', () => {
  assertWireError(() => writeFields(new Writer(), BAN_FIELDS, { ...BAN, failures: -1 }));
  assertWireError(() => writeFields(new Writer(), BAN_FIELDS, { ...BAN, failures: 2 ** 32 }));
  assertWireError(() => writeFields(new Writer(), BAN_FIELDS, { ...BAN, banned_at: 1.5 }));
  assertWireError(() => writeFields(new Writer(), BAN_FIELDS, { ...BAN, ip: 'nul\0inside' }));
  assertWireError(() => writeFields(new Writer(), BAN_FIELDS, { ...BAN, reason: undefined } as unknown as BanInfo));
  assertWireError(() => writeFields(new Writer(), SERVICE_FIELDS, { ...SERVICE, enabled: 1 } as unknown as ServiceInfo));
  assertWireError(() => writeFields(new Writer(), SERVICE_FIELDS, { ...SERVICE, log_paths: 'one' } as unknown as ServiceInfo));
});

test('records of every field table round-trip through writeFields and readFields', () => {
  const cases: [FieldTable, Record<string, unknown>][] = [
    [BAN_FIELDS, BAN],
    [WHITELIST_FIELDS, { network: '2001:db8::/32', comment: 'office', added_at: 1_700_000_000, added_by: 1000 }],
    [EVENT_FIELDS, { time: 1_700_000_000, service: 'sshd', ip: '203.0.113.7', event_type: 'auth_failure', pattern: 'Failed password for .*' }],
    [ACTIVITY_FIELDS, { time: 1_700_000_000, uid: 0xffff_ffff, action: 'ban', target: '203.0.113.7', detail: '' }],
    [SERVICE_FIELDS, SERVICE],
    [STATS_FIELDS, STATS],
    [STATUS_FIELDS, STATUS],
  ];
  for (const [table, record] of cases) {
    assert.deepEqual(readFields(table, writeAndRead(table, record as Fields<FieldTable>)), record);
  }
});

test('a{st} fields come back as plain objects, not Maps', () => {
  const stats = readFields(STATS_FIELDS, writeAndRead(STATS_FIELDS, STATS));
  assert.equal(Object.getPrototypeOf(stats.events_by_service_24h), Object.prototype);
  assert.ok(!(stats.events_by_service_24h instanceof Map));
  assert.deepEqual(stats.events_by_service_24h, { sshd: 40, nginx: 4 });
  assert.deepEqual(stats.bans_by_source, {});
  assert.equal(stats.events_total, 9_000_000_000);
});

test('as fields come back as arrays and b fields as booleans', () => {
  const service = readFields(SERVICE_FIELDS, writeAndRead(SERVICE_FIELDS, SERVICE));
  assert.ok(Array.isArray(service.log_paths));
  assert.deepEqual(service.log_paths, ['/var/log/auth.log', '/var/log/secure']);
  assert.deepEqual(service.journal_units, []);
  assert.equal(service.enabled, true);
  const status = readFields(STATUS_FIELDS, writeAndRead(STATUS_FIELDS, STATUS));
  assert.equal(status.dry_run, false);
  assert.equal(status.running, true);
});

test('readFields throws WireError when a field is missing', () => {
  for (const key of Object.keys(BAN_FIELDS)) {
    const value = toVariants(BAN_FIELDS, BAN);
    value.delete(key);
    assertWireError(() => readFields(BAN_FIELDS, value), key);
  }
  assertWireError(() => readFields(BAN_FIELDS, new Map()));
});

test('readFields throws WireError when a field has another signature', () => {
  const cases: [string, Variant][] = [
    ['failures', new Variant('t', 5)],
    ['failures', new Variant('i', 5)],
    ['banned_at', new Variant('u', 1_700_000_000)],
    ['banned_at', new Variant('x', 1_700_000_000)],
    ['ip', new Variant('o', '/not/an/ip')],
    ['ip', new Variant('as', ['203.0.113.7'])],
    ['reason', new Variant('v', new Variant('s', 'wrapped'))],
  ];
  for (const [key, variant] of cases) {
    const value = toVariants(BAN_FIELDS, BAN);
    value.set(key, variant);
    assertWireError(() => readFields(BAN_FIELDS, value), `${key} as ${variant.signature}`);
  }
  // The same, as decoded off the wire.
  const writer = new Writer();
  writer.values('a{sv}', [new Map([...toVariants(BAN_FIELDS, BAN), ['failures', new Variant('s', '5')]])]);
  const decoded = new Reader(Buffer.from(writer.bytes()), true).values('a{sv}')[0];
  assertWireError(() => readFields(BAN_FIELDS, decoded));
});

test('readFields throws WireError when a field is not a variant or the value is not a dictionary', () => {
  const value = new Map<string, unknown>(toVariants(BAN_FIELDS, BAN));
  value.set('ip', '203.0.113.7');
  assertWireError(() => readFields(BAN_FIELDS, value));
  assertWireError(() => readFields(BAN_FIELDS, { ...BAN }));
  assertWireError(() => readFields(BAN_FIELDS, Object.fromEntries(toVariants(BAN_FIELDS, BAN))));
  assertWireError(() => readFields(BAN_FIELDS, null));
  assertWireError(() => readFields(BAN_FIELDS, undefined));
  assertWireError(() => readFields(BAN_FIELDS, [toVariants(BAN_FIELDS, BAN)]));
});

test('readFields keeps only the fields of its table and ignores others', () => {
  const value = toVariants(BAN_FIELDS, BAN) as Map<string, Variant>;
  value.set('country', new Variant('s', 'XX'));
  value.set('score', new Variant('d', 0.5));
  const ban = readFields(BAN_FIELDS, value);
  assert.deepEqual(ban, BAN);
  assert.ok(!('country' in ban));
});

test('toVariants gives one Variant per field of the table, in table order', () => {
  const variants = toVariants(BAN_FIELDS, BAN);
  assert.ok(variants instanceof Map);
  assert.deepEqual([...variants.keys()], Object.keys(BAN_FIELDS));
  for (const [key, variant] of variants) {
    assert.ok(variant instanceof Variant, key);
    assert.equal(variant.signature, BAN_FIELDS[key as keyof typeof BAN_FIELDS], key);
    assert.equal(variant.value, BAN[key as keyof BanInfo], key);
  }
  // Fields that the record has beyond the table are not sent.
  const extra = toVariants(BAN_FIELDS, { ...BAN, secret: 'x' } as BanInfo);
  assert.ok(!extra.has('secret'));
  assert.equal(extra.size, Object.keys(BAN_FIELDS).length);
});

test('toVariants output goes through a whole message and back to the record', () => {
  const message = encodeMessage({ type: MessageType.methodReturn, serial: 5, replySerial: 4, signature: 'a{sv}', body: [toVariants(STATS_FIELDS, STATS)] });
  const decoded = decodeMessage(message);
  assert.deepEqual(readFields(STATS_FIELDS, decoded.body![0]), STATS);
});

test('readLooseFields unwraps every variant into a plain object, dictionaries included', () => {
  const writer = new Writer();
  writer.values('a{sv}', [
    new Map<string, Variant>([
      ['country', new Variant('s', 'XX')],
      ['asn', new Variant('u', 64_500)],
      ['listed', new Variant('b', true)],
      ['lists', new Variant('as', ['one', 'two'])],
      ['seen', new Variant('t', 1_700_000_000)],
      ['ports', new Variant('a{st}', new Map([['22', 3]]))],
    ]),
  ]);
  const decoded = new Reader(Buffer.from(writer.bytes()), true).values('a{sv}')[0];
  const record = readLooseFields(decoded);
  assert.deepEqual({ ...record, ports: { ...(record.ports as object) } }, { country: 'XX', asn: 64_500, listed: true, lists: ['one', 'two'], seen: 1_700_000_000, ports: { '22': 3 } });
  assert.deepEqual({ ...readLooseFields(new Map()) }, {});
});

test('readLooseFields treats a field named __proto__ as data and refuses entries that are not variants', () => {
  const record = readLooseFields(new Map([['__proto__', new Variant('a{ss}', new Map([['country', 'XX']]))]]));
  assert.deepEqual(Object.keys(record), ['__proto__']);
  assert.equal((record as { country?: unknown }).country, undefined, 'the prototype was not replaced');
  assertWireError(() => readLooseFields(new Map([['a', 'b']])), 'a plain string value');
});

test('readLooseFields throws WireError when the value is not a dictionary', () => {
  for (const value of [null, undefined, 'text', 5, [], { a: new Variant('s', 'x') }]) {
    assertWireError(() => readLooseFields(value), JSON.stringify(value) ?? String(value));
  }
});
