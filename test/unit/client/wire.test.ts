import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeMessage,
  encodeBody,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  type Message,
  MessageFlag,
  messageLength,
  MessageType,
  parseSignature,
  Reader,
  type TypeNode,
  Variant,
  WireError,
  Writer,
} from '../../../helper/client/wire.js';

// --- helpers --------------------------------------------------------------------------------------

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[^0-9a-f]/gi, ''), 'hex');
}

function write(signature: string, values: readonly unknown[]): Buffer {
  const writer = new Writer();
  writer.values(signature, values);
  return Buffer.from(writer.bytes());
}

/** Writes values, reads them back, checks that the reader consumed every byte; returns what it read. */
function roundTrip(signature: string, values: readonly unknown[]): unknown[] {
  const bytes = write(signature, values);
  const reader = new Reader(bytes, true);
  const read = reader.values(signature);
  assert.equal(reader.offset, bytes.length, `reader stopped before the end for ${signature}`);
  return read;
}

function assertWireError(run: () => unknown, label?: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof WireError, `${label ?? ''}: expected WireError, got ${String(error)}`);
    return true;
  });
}

/** A deterministic pseudo-random generator (mulberry32), so the corruption tests always test the same bytes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A minimal big-endian marshaller, for the reading tests only (the codec writes little-endian).
 * Offsets for alignment count from the start of the message, as in D-Bus.
 */
class BigEndianWriter {
  private readonly parts: Buffer[] = [];
  length = 0;

  push(bytes: Buffer) {
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  align(boundary: number) {
    const padding = (boundary - (this.length % boundary)) % boundary;
    if (padding > 0) this.push(Buffer.alloc(padding));
  }

  fixed(size: number, fill: (bytes: Buffer) => void): Buffer {
    this.align(size);
    const bytes = Buffer.alloc(size);
    fill(bytes);
    this.push(bytes);
    return bytes;
  }

  value(type: TypeNode, value: unknown) {
    switch (type.code) {
      case 'y':
        this.push(Buffer.from([value as number]));
        return;
      case 'b':
        this.fixed(4, (bytes) => bytes.writeUInt32BE(value ? 1 : 0));
        return;
      case 'n':
        this.fixed(2, (bytes) => bytes.writeInt16BE(value as number));
        return;
      case 'q':
        this.fixed(2, (bytes) => bytes.writeUInt16BE(value as number));
        return;
      case 'i':
        this.fixed(4, (bytes) => bytes.writeInt32BE(value as number));
        return;
      case 'u':
        this.fixed(4, (bytes) => bytes.writeUInt32BE(value as number));
        return;
      case 'x':
        this.fixed(8, (bytes) => bytes.writeBigInt64BE(BigInt(value as number | bigint)));
        return;
      case 't':
        this.fixed(8, (bytes) => bytes.writeBigUInt64BE(BigInt(value as number | bigint)));
        return;
      case 'd':
        this.fixed(8, (bytes) => bytes.writeDoubleBE(value as number));
        return;
      case 's':
      case 'o': {
        const text = Buffer.from(value as string, 'utf8');
        this.fixed(4, (bytes) => bytes.writeUInt32BE(text.length));
        this.push(Buffer.concat([text, Buffer.alloc(1)]));
        return;
      }
      case 'g': {
        const text = Buffer.from(value as string, 'latin1');
        this.push(Buffer.from([text.length]));
        this.push(Buffer.concat([text, Buffer.alloc(1)]));
        return;
      }
      case 'v': {
        const variant = value as Variant;
        this.value(parseSignature('g')[0]!, variant.signature);
        this.value(parseSignature(variant.signature)[0]!, variant.value);
        return;
      }
      case '(':
        this.align(8);
        type.children.forEach((child, index) => this.value(child, (value as unknown[])[index]));
        return;
      case 'a': {
        const element = type.children[0]!;
        const lengthBytes = this.fixed(4, () => {});
        const elementAlignment = { y: 1, g: 1, v: 1, n: 2, q: 2, x: 8, t: 8, d: 8, '(': 8, '{': 8 }[element.code] ?? 4;
        this.align(elementAlignment);
        const start = this.length;
        if (element.code === '{') {
          for (const [key, item] of value as Map<unknown, unknown>) {
            this.align(8);
            this.value(element.children[0]!, key);
            this.value(element.children[1]!, item);
          }
        } else {
          for (const item of value as unknown[]) this.value(element, item);
        }
        lengthBytes.writeUInt32BE(this.length - start);
        return;
      }
      default:
        throw new Error(`the test writer cannot write ${type.code}`);
    }
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

/** A whole big-endian message: header fields as [code, signature, value]. */
function bigEndianMessage(options: {
  type: number;
  flags?: number;
  serial: number;
  fields: [number, string, unknown][];
  signature?: string;
  body?: unknown[];
}): Buffer {
  const writer = new BigEndianWriter();
  writer.push(Buffer.from([0x42, options.type, options.flags ?? 0, 1]));
  const bodyLength = writer.fixed(4, () => {});
  writer.fixed(4, (bytes) => bytes.writeUInt32BE(options.serial));
  const fields = options.signature ? [...options.fields, [8, 'g', options.signature] as [number, string, unknown]] : options.fields;
  writer.value(parseSignature('a(yv)')[0]!, fields.map(([code, signature, value]) => [code, new Variant(signature, value)]));
  writer.align(8);
  const bodyStart = writer.length;
  if (options.signature) {
    parseSignature(options.signature).forEach((type, index) => writer.value(type, options.body![index]));
  }
  bodyLength.writeUInt32BE(writer.length - bodyStart);
  return writer.bytes();
}

/** A realistic GetBans reply body. */
const BANS = [
  { ip: '203.0.113.7', service: 'sshd', reason: '5 failures in 600 s', source: 'detector', banned_at: 1_700_000_000, expires_at: 1_700_003_600, failures: 5 },
  { ip: '2001:db8::1', service: '', reason: 'manual — été 🥐', source: 'manual', banned_at: 1_700_000_100, expires_at: 0, failures: 0 },
  { ip: '198.51.100.4', service: 'nginx', reason: '', source: 'firewall', banned_at: 0, expires_at: 4_294_967_296, failures: 4_294_967_295 },
];
const BAN_SIGNATURES = { ip: 's', service: 's', reason: 's', source: 's', banned_at: 't', expires_at: 't', failures: 'u' } as const;

function banAsVariants(ban: (typeof BANS)[number]): Map<string, Variant> {
  return new Map(Object.entries(ban).map(([key, value]) => [key, new Variant(BAN_SIGNATURES[key as keyof typeof BAN_SIGNATURES], value)]));
}

function getBansReply(serial: number): Message {
  return { type: MessageType.methodReturn, serial, replySerial: 41, destination: ':1.77', sender: ':1.3', signature: 'aa{sv}', body: [BANS.map(banAsVariants)] };
}

function banCall(serial: number): Message {
  return {
    type: MessageType.methodCall,
    serial,
    path: '/org/croissant2ban/Daemon',
    interface: 'org.croissant2ban.Daemon1',
    member: 'Ban',
    destination: 'org.croissant2ban.Daemon',
    signature: 'sus',
    body: ['203.0.113.7', 3600, 'brute force'],
  };
}

// --- signatures -----------------------------------------------------------------------------------

test('parseSignature splits a signature into its complete types, each with its own text', () => {
  const types = parseSignature('sa{sv}(iai)aa{sv}vay');
  assert.deepEqual(
    types.map((type) => type.text),
    ['s', 'a{sv}', '(iai)', 'aa{sv}', 'v', 'ay'],
  );
  assert.deepEqual(
    types.map((type) => type.code),
    ['s', 'a', '(', 'a', 'v', 'a'],
  );
  const dict = types[1]!.children[0]!;
  assert.equal(dict.code, '{');
  assert.deepEqual(
    dict.children.map((child) => child.code),
    ['s', 'v'],
  );
  assert.deepEqual(
    types[2]!.children.map((child) => child.text),
    ['i', 'ai'],
  );
});

test('parseSignature reads the empty signature as no types at all', () => {
  assert.deepEqual(parseSignature(''), []);
});

test('a signature of exactly 255 characters and one nested 64 levels deep are accepted', () => {
  assert.equal(parseSignature('y'.repeat(255)).length, 255);
  assert.equal(parseSignature(`${'a'.repeat(64)}y`).length, 1);
});

test('invalid signatures are refused with WireError', () => {
  const invalid = [
    '(s', // unclosed struct
    '(',
    '((s)',
    'a', // array without an element type
    'aa',
    'a{',
    'a{s',
    'a{sv', // unclosed dict entry
    'a{vs}', // dict entry with a non-basic key
    'a{(s)s}',
    'a{ass}',
    'a{s}', // dict entry with one type
    'a{sss}', // dict entry with three types
    '()', // empty struct
    'a{}',
    'z', // unknown type code
    'sz',
    'S',
    ')',
    '}',
    'a{sv}}',
    ' ',
    's'.repeat(256), // over 255 characters
    `${'a'.repeat(65)}y`, // nested too deep
    `${'('.repeat(65)}y${')'.repeat(65)}`,
  ];
  for (const signature of invalid) assertWireError(() => parseSignature(signature), JSON.stringify(signature));
});

// --- Writer and Reader ----------------------------------------------------------------------------

test('every basic type round-trips through Writer and Reader at the limits of its range', () => {
  const cases: [string, unknown[]][] = [
    ['y', [0, 1, 127, 255]],
    ['b', [true, false]],
    ['n', [-0x8000, -1, 0, 0x7fff]],
    ['q', [0, 1, 0xffff]],
    ['i', [-0x8000_0000, -1, 0, 0x7fff_ffff]],
    ['u', [0, 1, 0xffff_ffff]],
    ['x', [Number.MIN_SAFE_INTEGER, -1, 0, Number.MAX_SAFE_INTEGER]],
    ['t', [0, 1, 0xffff_ffff + 1, Number.MAX_SAFE_INTEGER]],
    ['d', [0, -0, 1.5, -2.25e-300, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN]],
    ['s', ['', 'hello', 'naïve — 日本語 🥐', 'a'.repeat(70_000)]],
    ['o', ['/', '/org/croissant2ban/Daemon']],
    ['g', ['', 'a{sv}', 'y'.repeat(255)]],
  ];
  for (const [signature, values] of cases) {
    for (const value of values) {
      assert.deepEqual(roundTrip(signature, [value]), [value], `${signature} ${String(value).slice(0, 40)}`);
      // After a leading byte too, so that alignment padding is exercised.
      assert.deepEqual(roundTrip(`y${signature}`, [7, value]), [7, value], `y${signature} ${String(value).slice(0, 40)}`);
    }
  }
});

test('64-bit values beyond 2^53 are written from bigint and read back as bigint, safe ones as numbers', () => {
  assert.deepEqual(roundTrip('t', [2n ** 64n - 1n]), [2n ** 64n - 1n]);
  assert.deepEqual(roundTrip('t', [2n ** 53n]), [2n ** 53n]);
  assert.deepEqual(roundTrip('x', [-(2n ** 63n)]), [-(2n ** 63n)]);
  assert.deepEqual(roundTrip('x', [2n ** 63n - 1n]), [2n ** 63n - 1n]);
  assert.deepEqual(roundTrip('x', [-(2n ** 53n)]), [-(2n ** 53n)]);
  assert.deepEqual(roundTrip('t', [5n]), [5]);
  assert.deepEqual(roundTrip('x', [-5n]), [-5]);
  assert.deepEqual(roundTrip('u', [7n]), [7]);
});

test('fixed-size values are written little-endian at their natural alignment with zero padding', () => {
  assert.deepEqual(write('yq', [1, 0x0203]), hex('01 00 0302'));
  assert.deepEqual(write('yn', [1, -2]), hex('01 00 feff'));
  assert.deepEqual(write('yu', [1, 0x01020304]), hex('01 000000 04030201'));
  assert.deepEqual(write('yi', [1, -1]), hex('01 000000 ffffffff'));
  assert.deepEqual(write('yb', [1, true]), hex('01 000000 01000000'));
  assert.deepEqual(write('yt', [1, 0x0102030405]), hex('01 00000000000000 0504030201000000'));
  assert.deepEqual(write('yx', [1, -2]), hex('01 00000000000000 feffffffffffffff'));
  assert.deepEqual(write('yd', [1, 1.5]), hex('01 00000000000000 000000000000f83f'));
  assert.deepEqual(write('y(y)', [1, [2]]), hex('01 00000000000000 02'));
  assert.deepEqual(write('yy', [1, 2]), hex('01 02'));
});

test('strings are written as a length, UTF-8 bytes and a NUL; signatures with a one-byte length', () => {
  assert.deepEqual(write('s', ['é']), hex('02000000 c3a9 00'));
  assert.deepEqual(write('s', ['']), hex('00000000 00'));
  assert.deepEqual(write('o', ['/a']), hex('02000000 2f61 00'));
  assert.deepEqual(write('g', ['ai']), hex('02 6169 00'));
  assert.deepEqual(write('g', ['']), hex('00 00'));
  assert.deepEqual(write('v', [new Variant('y', 9)]), hex('01 79 00 09'));
});

test('arrays round-trip, whether empty, of basic types, of structs or of arrays', () => {
  const cases: [string, unknown][] = [
    ['ai', []],
    ['ai', [1, -2, 3]],
    ['as', []],
    ['as', ['', 'one', 'deux', '三']],
    ['ab', [true, false, true]],
    ['at', [0, 1, Number.MAX_SAFE_INTEGER]],
    ['ad', [0.5, -1]],
    ['an', [-1, 2]],
    ['ag', ['', 'a{sv}']],
    ['ao', ['/a', '/b/c']],
    ['a(su)', []],
    ['a(su)', [['a', 1], ['b', 2]]],
    ['a(yt)', [[1, 2], [3, 4]]],
    ['aai', [[1], [], [2, 3]]],
    ['aas', [[], ['x']]],
    ['(sa(ib)ay)', ['s', [[1, true]], Buffer.from([9])]],
  ];
  for (const [signature, value] of cases) {
    assert.deepEqual(roundTrip(signature, [value]), [value], signature);
    assert.deepEqual(roundTrip(`y${signature}y`, [1, value, 2]), [1, value, 2], `y${signature}y`);
  }
});

test('an empty array of 8-aligned elements still carries the padding after its length', () => {
  assert.deepEqual(write('at', [[]]), hex('00000000 00000000'));
  assert.deepEqual(write('a(y)', [[]]), hex('00000000 00000000'));
  assert.deepEqual(write('a{sv}', [new Map()]), hex('00000000 00000000'));
  assert.deepEqual(write('ai', [[]]), hex('00000000'));
  // The length counts the elements only, not the padding before the first one.
  assert.deepEqual(write('at', [[1]]), hex('08000000 00000000 0100000000000000'));
  assert.deepEqual(roundTrip('uat', [5, []]), [5, []]);
});

test('a byte array is written from a Buffer or numbers and always read back as a Buffer', () => {
  assert.deepEqual(write('ay', [Buffer.from([1, 2, 3])]), hex('03000000 010203'));
  assert.deepEqual(write('ay', [[1, 2, 3]]), hex('03000000 010203'));
  const [fromBuffer] = roundTrip('ay', [Buffer.from('bytes\0with NUL')]);
  assert.ok(Buffer.isBuffer(fromBuffer));
  assert.deepEqual(fromBuffer, Buffer.from('bytes\0with NUL'));
  const [fromNumbers] = roundTrip('ay', [[255, 0]]);
  assert.deepEqual(fromNumbers, Buffer.from([255, 0]));
  assert.deepEqual(roundTrip('ay', [Buffer.alloc(0)]), [Buffer.alloc(0)]);
  // A byte array larger than the writer's first allocation.
  const big = Buffer.alloc(10_000, 0xab);
  assert.deepEqual(roundTrip('ayu', [big, 1]), [big, 1]);
});

test('dictionaries are written from a Map or a plain object and read back as a Map', () => {
  const expected = new Map<string, unknown>([
    ['a', 1],
    ['b', 2],
  ]);
  assert.deepEqual(roundTrip('a{st}', [new Map([['a', 1], ['b', 2]])]), [expected]);
  assert.deepEqual(roundTrip('a{st}', [{ a: 1, b: 2 }]), [expected]);
  assert.deepEqual(write('a{st}', [{ a: 1, b: 2 }]), write('a{st}', [expected]));
  assert.deepEqual(roundTrip('a{us}', [new Map([[1, 'one'], [0xffff_ffff, 'max']])]), [new Map([[1, 'one'], [0xffff_ffff, 'max']])]);
  assert.deepEqual(roundTrip('a{ys}', [new Map()]), [new Map()]);
  assert.deepEqual(roundTrip('a{sas}', [{ x: ['1', '2'], y: [] }]), [new Map([['x', ['1', '2']], ['y', []]])]);
  // Entries are 8-aligned: the second key starts on a boundary.
  assert.deepEqual(write('a{yy}', [new Map([[1, 2], [3, 4]])]), hex('0a000000 00000000 0102 000000000000 0304'));
});

test('a dictionary with every field a variant (a{sv}) round-trips, nested containers included', () => {
  const value = new Map<string, Variant>([
    ['text', new Variant('s', 'x')],
    ['count', new Variant('t', 1_700_000_000)],
    ['flag', new Variant('b', false)],
    ['list', new Variant('as', ['a', 'b'])],
    ['counts', new Variant('a{st}', new Map([['sshd', 3]]))],
    ['inner', new Variant('a{sv}', new Map([['deep', new Variant('v', new Variant('i', -1))]]))],
    ['pair', new Variant('(sai)', ['p', [1, 2]])],
    ['bytes', new Variant('ay', Buffer.from([0, 1]))],
    ['real', new Variant('d', 0.25)],
  ]);
  const [read] = roundTrip('a{sv}', [value]);
  assert.deepEqual(read, value);
  assert.ok(read instanceof Map);
  assert.ok(read.get('inner') instanceof Variant);
});

test('variants carry their signature and may hold other variants', () => {
  const cases = [
    new Variant('s', 'hello'),
    new Variant('u', 7),
    new Variant('v', new Variant('v', new Variant('t', 3))),
    new Variant('av', [new Variant('s', 'a'), new Variant('y', 1)]),
    new Variant('(yv)', [1, new Variant('o', '/x')]),
    new Variant('aa{sv}', [new Map([['k', new Variant('g', 'sv')]])]),
  ];
  for (const variant of cases) {
    const [read] = roundTrip('yv', [1, variant]).slice(1);
    assert.ok(read instanceof Variant, variant.signature);
    assert.deepEqual(read, variant, variant.signature);
  }
});

test('nested arrays of dictionaries (aa{sv}) round-trip, including an empty outer and inner array', () => {
  const bans = BANS.map(banAsVariants);
  assert.deepEqual(roundTrip('aa{sv}', [bans]), [bans]);
  assert.deepEqual(roundTrip('aa{sv}', [[]]), [[]]);
  assert.deepEqual(roundTrip('aa{sv}', [[new Map(), bans[0]!, new Map()]]), [[new Map(), bans[0]!, new Map()]]);
});

test('the writer grows past its first allocation without losing what it wrote', () => {
  const strings = Array.from({ length: 2_000 }, (_, index) => `string number ${index}`);
  assert.deepEqual(roundTrip('asu', [strings, 9]), [strings, 9]);
});

test('Writer.values refuses a number of values that does not match the signature', () => {
  assertWireError(() => write('su', ['only one']));
  assertWireError(() => write('s', ['one', 'two']));
  assertWireError(() => write('', [1]));
});

test('Reader.values reads consecutive values and reports its offset', () => {
  const bytes = write('ysu', [1, 'ab', 9]);
  const reader = new Reader(bytes, true);
  assert.deepEqual(reader.values('y'), [1]);
  assert.equal(reader.offset, 1);
  assert.deepEqual(reader.values('s'), ['ab']);
  assert.equal(reader.offset, 4 + 4 + 3);
  assert.deepEqual(reader.values('u'), [9]);
  assert.equal(reader.offset, bytes.length);
});

// --- Writer refusals -------------------------------------------------------------------------------

test('the writer refuses integers out of the range of their type', () => {
  const cases: [string, unknown][] = [
    ['y', 256],
    ['y', -1],
    ['n', 0x8000],
    ['n', -0x8001],
    ['q', -1],
    ['q', 0x1_0000],
    ['i', 0x8000_0000],
    ['i', -0x8000_0001],
    ['u', -1],
    ['u', 0x1_0000_0000],
    ['u', 2n ** 32n],
    ['x', Number.MAX_SAFE_INTEGER + 1],
    ['x', Number.MIN_SAFE_INTEGER - 1],
    ['t', -1],
    ['t', Number.MAX_SAFE_INTEGER + 1],
  ];
  for (const [signature, value] of cases) assertWireError(() => write(signature, [value]), `${signature} ${String(value)}`);
});

test('the writer refuses non-integers and non-numbers for integer types', () => {
  const cases: [string, unknown][] = [
    ['u', 1.5],
    ['u', NaN],
    ['u', Infinity],
    ['u', '5'],
    ['u', null],
    ['u', undefined],
    ['u', true],
    ['y', 0.5],
    ['i', '1'],
    ['t', 1.25],
    ['x', '1'],
    ['n', []],
  ];
  for (const [signature, value] of cases) assertWireError(() => write(signature, [value]), `${signature} ${String(value)}`);
});

test('the writer refuses values of the wrong kind for booleans, doubles, strings, arrays and signatures', () => {
  const cases: [string, unknown][] = [
    ['b', 1],
    ['b', 'true'],
    ['d', '1.5'],
    ['d', 1n],
    ['s', 5],
    ['s', undefined],
    ['o', null],
    ['g', 5],
    ['g', 'a{vs}'],
    ['g', 'z'],
    ['g', 'y'.repeat(256)],
    ['as', 'abc'],
    ['as', undefined],
    ['ai', new Set([1])],
    ['as', [1]],
    ['ay', new Uint16Array([1])],
  ];
  for (const [signature, value] of cases) assertWireError(() => write(signature, [value]), `${signature} ${String(value)}`);
});

test('the writer refuses strings and object paths that contain NUL', () => {
  assertWireError(() => write('s', ['a\0b']));
  assertWireError(() => write('s', ['\0']));
  assertWireError(() => write('o', ['/a\0']));
  assertWireError(() => write('as', [['fine', 'not\0fine']]));
});

test('the writer refuses a struct of the wrong arity or a struct that is not an array', () => {
  assertWireError(() => write('(si)', [['only']]));
  assertWireError(() => write('(si)', [['a', 1, 2]]));
  assertWireError(() => write('(si)', [[]]));
  assertWireError(() => write('(si)', [{ 0: 'a', 1: 1, length: 2 }]));
  assertWireError(() => write('(si)', [null]));
  assertWireError(() => write('a(si)', [[['a', 1], ['b']]]));
});

test('the writer refuses a variant that is not a Variant or holds other than one complete type', () => {
  assertWireError(() => write('v', ['plain string']));
  assertWireError(() => write('v', [{ signature: 's', value: 'duck-typed' }]));
  assertWireError(() => write('v', [null]));
  assertWireError(() => write('v', [new Variant('ss', ['a', 'b'])]));
  assertWireError(() => write('v', [new Variant('', [])]));
  assertWireError(() => write('v', [new Variant('a{vs}', new Map())]));
  assertWireError(() => write('v', [new Variant('s', 5)]));
  assertWireError(() => write('a{sv}', [new Map([['k', 'not a variant']])]));
  assertWireError(() => write('a{sv}', [{ k: 1 }]));
});

test('the writer refuses dictionary keys of the wrong type', () => {
  // Keys of a plain object are strings, so they cannot fill an integer key.
  assertWireError(() => write('a{us}', [{ 1: 'one' }]));
  assertWireError(() => write('a{us}', [new Map([[-1, 'minus one']])]));
  assertWireError(() => write('a{ss}', [new Map([[1, 'one']])]));
});

// --- messages ---------------------------------------------------------------------------------------

test('a method call round-trips through encodeMessage and decodeMessage with every header field', () => {
  const message: Message = {
    type: MessageType.methodCall,
    flags: MessageFlag.noAutoStart | MessageFlag.allowInteractiveAuthorization,
    serial: 0xffff_ffff,
    path: '/org/croissant2ban/Daemon',
    interface: 'org.croissant2ban.Daemon1',
    member: 'Ban',
    destination: 'org.croissant2ban.Daemon',
    sender: ':1.42',
    signature: 'sus',
    body: ['203.0.113.7', 3600, 'reason with ünïcödé'],
  };
  const bytes = encodeMessage(message);
  assert.deepEqual(decodeMessage(bytes), message);
});

test('a method return with a reply serial and an aa{sv} body round-trips', () => {
  const message = getBansReply(12);
  const decoded = decodeMessage(encodeMessage(message));
  assert.deepEqual(decoded, { ...message, flags: 0 });
  assert.equal(decoded.type, MessageType.methodReturn);
  assert.equal(decoded.replySerial, 41);
});

test('an error message keeps its error name, reply serial and text', () => {
  const message: Message = {
    type: MessageType.error,
    flags: MessageFlag.noReplyExpected,
    serial: 3,
    replySerial: 2,
    errorName: 'org.croissant2ban.Daemon1.Error.NotFound',
    destination: ':1.9',
    signature: 's',
    body: ['no ban for 203.0.113.7'],
  };
  assert.deepEqual(decodeMessage(encodeMessage(message)), message);
});

test('a signal without a body decodes with an empty signature and an empty body', () => {
  const message: Message = { type: MessageType.signal, serial: 5, path: '/org/croissant2ban/Daemon', interface: 'org.croissant2ban.Daemon1', member: 'DaemonStarted' };
  const bytes = encodeMessage(message);
  assert.equal(bytes.readUInt32LE(4), 0, 'body length');
  assert.deepEqual(decodeMessage(bytes), { ...message, flags: 0, signature: '', body: [] });
  // An empty signature is the same as none: no signature header field is written.
  assert.deepEqual(encodeMessage({ ...message, signature: '', body: [] }), bytes);
});

test('a signal with arguments round-trips', () => {
  const message: Message = {
    type: MessageType.signal,
    flags: 0,
    serial: 77,
    path: '/org/croissant2ban/Daemon',
    interface: 'org.croissant2ban.Daemon1',
    member: 'BanAdded',
    sender: ':1.3',
    signature: 'sssu',
    body: ['2001:db8::1', 'too many failures', 'detector', 600],
  };
  assert.deepEqual(decodeMessage(encodeMessage(message)), message);
});

test('a message with a body of every supported type round-trips', () => {
  const signature = 'ybnqiuxtdsogvayasa{su}(si)aa{sv}a(yv)at';
  const body = [
    200,
    true,
    -5,
    65000,
    -70000,
    4_000_000_000,
    -(2 ** 40),
    2 ** 52,
    1.5,
    'hé 🥐',
    '/o/p',
    'a{sv}',
    new Variant('(si)', ['x', 3]),
    Buffer.from([1, 2, 3]),
    ['a', 'b'],
    new Map([['k', 1]]),
    ['s', -1],
    [new Map([['x', new Variant('t', 5)]])],
    [[1, new Variant('s', 'z')]],
    [],
  ];
  const message: Message = { type: MessageType.signal, flags: 0, serial: 9, path: '/p', interface: 'a.b', member: 'S', signature, body };
  assert.deepEqual(decodeMessage(encodeMessage(message)), message);
});

test('encoded messages have the little-endian fixed header and a header padded to 8 bytes', () => {
  const bytes = encodeMessage(banCall(258));
  assert.equal(bytes[0], 0x6c, "endianness 'l'");
  assert.equal(bytes[1], MessageType.methodCall);
  assert.equal(bytes[2], 0, 'flags');
  assert.equal(bytes[3], 1, 'protocol version');
  const bodyLength = bytes.readUInt32LE(4);
  assert.equal(bodyLength, encodeBody('sus', ['203.0.113.7', 3600, 'brute force']).length);
  assert.equal(bytes.readUInt32LE(8), 258, 'serial');
  const headerLength = bytes.length - bodyLength;
  assert.equal(headerLength % 8, 0);
  assert.equal(headerLength, 16 + ((bytes.readUInt32LE(12) + 7) & ~7));
  assert.equal(messageLength(bytes), bytes.length);
});

test('encodeMessage uses an already encoded body in place of the body values', () => {
  const message = getBansReply(4);
  const encodedBody = encodeBody('aa{sv}', message.body!);
  const withEncoded = encodeMessage({ ...message, body: undefined, encodedBody });
  assert.deepEqual(withEncoded, encodeMessage(message));
  assert.deepEqual(decodeMessage(withEncoded).body, message.body);
});

test('encodeMessage refuses a message without a serial', () => {
  assertWireError(() => encodeMessage({ type: MessageType.methodCall, path: '/', member: 'Ping' }));
});

test('encodeMessage refuses a body that does not fit its signature', () => {
  assertWireError(() => encodeMessage({ ...banCall(1), body: ['203.0.113.7', -1, 'x'] }));
  assertWireError(() => encodeMessage({ ...banCall(1), body: ['203.0.113.7'] }));
});

test('header fields that D-Bus does not define are ignored when decoding', () => {
  // Field 9 (UNIX_FDS) and 200 are not ones the codec knows: the message decodes without them.
  const writer = new Writer();
  writer.byte(0x6c);
  writer.byte(MessageType.signal);
  writer.byte(0);
  writer.byte(1);
  writer.uint32(4);
  writer.uint32(6);
  writer.values('a(yv)', [
    [
      [1, new Variant('o', '/a')],
      [9, new Variant('u', 0)],
      [200, new Variant('as', ['anything'])],
      [3, new Variant('s', 'M')],
      [8, new Variant('g', 'u')],
    ],
  ]);
  writer.align(8);
  writer.uint32(99);
  assert.deepEqual(decodeMessage(Buffer.from(writer.bytes())), { type: MessageType.signal, flags: 0, serial: 6, path: '/a', member: 'M', signature: 'u', body: [99] });
});

test('a header field of another signature than the one D-Bus gives it is refused', () => {
  const build = (code: number, variant: Variant) => {
    const writer = new Writer();
    writer.byte(0x6c);
    writer.byte(MessageType.signal);
    writer.byte(0);
    writer.byte(1);
    writer.uint32(0);
    writer.uint32(6);
    writer.values('a(yv)', [[[code, variant]]]);
    writer.align(8);
    return Buffer.from(writer.bytes());
  };
  assert.equal(decodeMessage(build(5, new Variant('u', 1))).replySerial, 1);
  assertWireError(() => decodeMessage(build(5, new Variant('s', '1'))));
  assertWireError(() => decodeMessage(build(1, new Variant('s', '/a'))));
  assertWireError(() => decodeMessage(build(8, new Variant('s', 'u'))));
});

test('a hand-built big-endian signal is decoded', () => {
  const bytes = hex(`
    42 04 00 01  00000004  00000001  00000037
    01 01 6f 00  00000002  2f 61 00   0000000000
    02 01 73 00  00000003  63 2e 64 00   00000000
    03 01 73 00  00000001  42 00   000000000000
    08 01 67 00  01 75 00
    00
    01020304`);
  assert.equal(bytes.length, 76);
  assert.equal(messageLength(bytes), 76);
  assert.deepEqual(decodeMessage(bytes), { type: MessageType.signal, flags: 0, serial: 1, path: '/a', interface: 'c.d', member: 'B', signature: 'u', body: [0x01020304] });
});

test('big-endian messages with a body of every type are decoded', () => {
  const signature = 'ybnqiuxtdsogvayasa{sv}(si)aa{sv}ta{st}';
  const body = [
    200,
    true,
    -5,
    65000,
    -70000,
    4_000_000_000,
    -(2 ** 40),
    2 ** 52,
    -1.5,
    'hé 🥐',
    '/o/p',
    'a{sv}',
    new Variant('(si)', ['x', -3]),
    Buffer.from([1, 2, 3]),
    ['a', 'b'],
    new Map([['k', new Variant('u', 1)]]),
    ['s', -1],
    BANS.map(banAsVariants),
    2n ** 64n - 1n,
    new Map([['sshd', 12]]),
  ];
  const bytes = bigEndianMessage({
    type: MessageType.methodReturn,
    flags: MessageFlag.noAutoStart,
    serial: 0x01020304,
    fields: [
      [5, 'u', 0x0a0b0c0d],
      [6, 's', ':1.5'],
      [7, 's', ':1.6'],
    ],
    signature,
    body,
  });
  assert.equal(bytes[0], 0x42);
  assert.equal(messageLength(bytes), bytes.length);
  assert.deepEqual(decodeMessage(bytes), {
    type: MessageType.methodReturn,
    flags: MessageFlag.noAutoStart,
    serial: 0x01020304,
    replySerial: 0x0a0b0c0d,
    destination: ':1.5',
    sender: ':1.6',
    signature,
    body,
  });
});

test('a big-endian reader gives other values than a little-endian one for the same bytes', () => {
  const bytes = hex('01020304 00000000 0102030405060708');
  assert.deepEqual(new Reader(bytes, false).values('ut'), [0x01020304, 0x0102030405060708n]);
  assert.deepEqual(new Reader(bytes, true).values('ut'), [0x04030201, 0x0807060504030201n]);
  assert.deepEqual(new Reader(hex('fffe'), false).values('n'), [-2]);
  assert.deepEqual(new Reader(hex('3ff8000000000000'), false).values('d'), [1.5]);
});

// --- hostile input -------------------------------------------------------------------------------------

test('every truncation of a valid message is refused with WireError', () => {
  for (const message of [encodeMessage(getBansReply(3)), encodeMessage(banCall(4))]) {
    for (let length = 0; length < message.length; length++) {
      assertWireError(() => decodeMessage(message.subarray(0, length)), `truncated to ${length}`);
    }
  }
});

test('a message with bytes after its body is refused', () => {
  const message = encodeMessage(banCall(4));
  assertWireError(() => decodeMessage(Buffer.concat([message, Buffer.alloc(8)])));
});

test('a message whose body length disagrees with its size is refused', () => {
  const message = Buffer.from(encodeMessage(banCall(4)));
  message.writeUInt32LE(message.readUInt32LE(4) + 1, 4);
  assertWireError(() => decodeMessage(message));
  message.writeUInt32LE(0xffff_ffff, 4);
  assertWireError(() => decodeMessage(message));
});

test('a bad endianness byte is refused by decodeMessage and messageLength', () => {
  for (const first of [0x00, 0x4c, 0x62, 0xff]) {
    const message = Buffer.from(encodeMessage(banCall(4)));
    message[0] = first;
    assertWireError(() => decodeMessage(message), `byte ${first}`);
    assertWireError(() => messageLength(message), `byte ${first}`);
  }
  assertWireError(() => decodeMessage(Buffer.alloc(0)));
});

test('array lengths that run past the end of the data are refused', () => {
  assertWireError(() => new Reader(hex('e8030000 01000000'), true).values('ai'));
  assertWireError(() => new Reader(hex('ffffffff'), true).values('ay'));
  assertWireError(() => new Reader(hex('04000000 010203'), true).values('ay'));
  assertWireError(() => new Reader(hex('10000000 00000000 01'), true).values('a{yy}'));
  // The header field array of a whole message claiming more than there is.
  const message = Buffer.from(encodeMessage(banCall(4)));
  message.writeUInt32LE(message.length, 12);
  assertWireError(() => decodeMessage(message));
});

test('an array whose elements overrun its declared length is refused', () => {
  // Length 6 but elements of 4 bytes: the second element ends past the array.
  assertWireError(() => new Reader(hex('06000000 01000000 02000000'), true).values('ai'));
  assertWireError(() => new Reader(hex('03000000 01000000 61 00 0000'), true).values('as'));
});

test('the reader refuses to read outside the end it was given', () => {
  const bytes = hex('01000000 02000000');
  assert.deepEqual(new Reader(bytes, true, 0, 8).values('uu'), [1, 2]);
  assertWireError(() => new Reader(bytes, true, 0, 7).values('uu'));
  assertWireError(() => new Reader(bytes, true, 4, 4).values('u'));
});

test('strings without a NUL terminator or running past the end are refused', () => {
  assertWireError(() => new Reader(hex('02000000 6162 41'), true).values('s'));
  assertWireError(() => new Reader(hex('02000000 6162'), true).values('s'));
  assertWireError(() => new Reader(hex('ffffff7f 6162 00'), true).values('s'));
  assertWireError(() => new Reader(hex('02000000 2f61 01'), true).values('o'));
  assertWireError(() => new Reader(hex('02 6169 01'), true).values('g'));
  assertWireError(() => new Reader(hex('ff 6169 00'), true).values('g'));
  assertWireError(() => new Reader(hex('01 79 01 05'), true).values('v'));
  assert.deepEqual(new Reader(hex('02000000 6162 00'), true).values('s'), ['ab']);
});

test('a boolean other than 0 or 1 is refused', () => {
  assert.deepEqual(new Reader(hex('01000000'), true).values('b'), [true]);
  assert.deepEqual(new Reader(hex('00000000'), true).values('b'), [false]);
  assertWireError(() => new Reader(hex('02000000'), true).values('b'));
  assertWireError(() => new Reader(hex('00000001'), true).values('b'));
  assertWireError(() => new Reader(hex('ffffffff'), true).values('b'));
  assertWireError(() => new Reader(hex('00000002'), false).values('b'));
});

test('a variant whose signature is not exactly one complete type is refused', () => {
  assertWireError(() => new Reader(hex('02 7373 00 00000000 01000000 61 00 00 00 01000000 62 00'), true).values('v'), 'two types');
  assertWireError(() => new Reader(hex('00 00 00000000'), true).values('v'), 'no type');
  assertWireError(() => new Reader(hex('05 617b76737d 00 00 00000000'), true).values('v'), 'a{vs}');
  assertWireError(() => new Reader(hex('01 7a 00 00'), true).values('v'), 'unknown code z');
  assertWireError(() => new Reader(hex('02 2873 00 00000000'), true).values('v'), 'unclosed struct');
});

test('a message whose body signature is invalid is refused', () => {
  for (const signature of ['(s', 'a{vs}', 'z', 'a']) {
    const writer = new Writer();
    writer.byte(0x6c);
    writer.byte(MessageType.signal);
    writer.byte(0);
    writer.byte(1);
    writer.uint32(8);
    writer.uint32(1);
    const lengthAt = writer.beginArray(parseSignature('a(yv)')[0]!.children[0]!);
    writer.align(8);
    writer.byte(8);
    writer.signature('g');
    writer.signature(signature);
    writer.finishArray(lengthAt, parseSignature('a(yv)')[0]!.children[0]!);
    writer.align(8);
    writer.uint32(0);
    writer.uint32(0);
    assertWireError(() => decodeMessage(Buffer.from(writer.bytes())), signature);
  }
});

test('random corruption of valid messages raises nothing but WireError', () => {
  const next = random(0x5eed);
  const messages = [encodeMessage(getBansReply(3)), encodeMessage(banCall(4)), bigEndianMessage({ type: 4, serial: 1, fields: [[1, 'o', '/a']], signature: 'a{sv}', body: [banAsVariants(BANS[0]!)] })];
  let refused = 0;
  let decoded = 0;
  for (let round = 0; round < 3000; round++) {
    const message = Buffer.from(messages[round % messages.length]!);
    const changes = 1 + Math.floor(next() * 4);
    for (let change = 0; change < changes; change++) message[Math.floor(next() * message.length)] = Math.floor(next() * 256);
    try {
      decodeMessage(message);
      decoded++;
    } catch (error) {
      assert.ok(error instanceof WireError, `round ${round}: ${String(error)} for ${message.toString('hex')}`);
      refused++;
    }
  }
  // Both outcomes happen, so the corruption reaches past the checks at the start.
  assert.ok(refused > 100 && decoded > 100, `refused ${refused}, decoded ${decoded}`);
});

// --- messageLength ---------------------------------------------------------------------------------------

test('messageLength returns null until the 16 bytes of the fixed header are there', () => {
  const message = encodeMessage(getBansReply(3));
  for (let length = 0; length < 16; length++) assert.equal(messageLength(message.subarray(0, length)), null, `${length} bytes`);
  assert.equal(messageLength(message.subarray(0, 16)), message.length);
  assert.equal(messageLength(message), message.length);
  assert.equal(messageLength(Buffer.concat([message, encodeMessage(banCall(4))])), message.length);
});

test('messageLength rounds the header field array up to 8 bytes', () => {
  const header = Buffer.alloc(16);
  header.write('l', 0, 'latin1');
  header.writeUInt32LE(10, 4);
  for (const [fields, expected] of [
    [0, 16 + 0 + 10],
    [1, 16 + 8 + 10],
    [8, 16 + 8 + 10],
    [9, 16 + 16 + 10],
  ] as const) {
    header.writeUInt32LE(fields, 12);
    assert.equal(messageLength(header), expected, `fields ${fields}`);
  }
  const bigEndian = Buffer.from(header);
  bigEndian[0] = 0x42;
  bigEndian.writeUInt32BE(10, 4);
  bigEndian.writeUInt32BE(9, 12);
  assert.equal(messageLength(bigEndian), 16 + 16 + 10);
});

test('messageLength refuses a header claiming more than MAX_MESSAGE_BYTES', () => {
  const header = Buffer.alloc(16);
  header.write('l', 0, 'latin1');
  header.writeUInt32LE(MAX_MESSAGE_BYTES - 16, 4);
  assert.equal(messageLength(header), MAX_MESSAGE_BYTES);
  header.writeUInt32LE(MAX_MESSAGE_BYTES - 15, 4);
  assertWireError(() => messageLength(header));
  header.writeUInt32LE(0xffff_ffff, 4);
  assertWireError(() => messageLength(header));
  header.writeUInt32LE(0, 4);
  header.writeUInt32LE(MAX_MESSAGE_BYTES, 12);
  assertWireError(() => messageLength(header));
  header.writeUInt32LE(0x7fff_fff0, 12);
  assertWireError(() => messageLength(header));
  const bigEndian = Buffer.alloc(16);
  bigEndian[0] = 0x42;
  bigEndian.writeUInt32BE(MAX_MESSAGE_BYTES, 4);
  assertWireError(() => messageLength(bigEndian));
});
