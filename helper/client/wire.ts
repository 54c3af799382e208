// The D-Bus wire format (marshalling of values and messages), written for this project because the
// general library (dbus-next 0.10) takes ~2.7 s to marshal and ~1.2 s to unmarshal 100,000 ban
// dictionaries, blocking the helper's event loop. This codec does both in tens of milliseconds.
// It writes little-endian and reads both byte orders; every read is bounds-checked, so a hostile or
// truncated message raises WireError instead of reading past the buffer.

export class WireError extends Error {
  override readonly name = 'WireError';
}

/** A D-Bus variant: a value with its own signature. */
export class Variant<T = unknown> {
  constructor(
    readonly signature: string,
    readonly value: T,
  ) {}
}

// --- signatures -----------------------------------------------------------------------------------

export interface TypeNode {
  /** The type code: a basic code, 'a', 'v', '(' for a struct, '{' for a dict entry. */
  readonly code: string;
  readonly children: readonly TypeNode[];
  /** The signature text of this single complete type. */
  readonly text: string;
}

const BASIC = new Set(['y', 'b', 'n', 'q', 'i', 'u', 'x', 't', 'd', 's', 'o', 'g', 'h']);
const MAX_SIGNATURE = 255;
const MAX_DEPTH = 64;
const signatureCache = new Map<string, TypeNode[]>();

/** Parses a signature into its complete types; throws WireError when it is not valid. */
export function parseSignature(signature: string): TypeNode[] {
  const cached = signatureCache.get(signature);
  if (cached) return cached;
  if (signature.length > MAX_SIGNATURE) throw new WireError(`signature longer than ${MAX_SIGNATURE}`);
  let position = 0;
  const one = (depth: number): TypeNode => {
    if (depth > MAX_DEPTH) throw new WireError(`signature nested too deep: ${signature}`);
    const start = position;
    const code = signature[position++];
    if (code === undefined) throw new WireError(`incomplete signature: ${signature}`);
    if (BASIC.has(code) || code === 'v') return { code, children: [], text: code };
    if (code === 'a') {
      const child = one(depth + 1);
      return { code, children: [child], text: signature.slice(start, position) };
    }
    if (code === '(' || code === '{') {
      const close = code === '(' ? ')' : '}';
      const children: TypeNode[] = [];
      while (signature[position] !== close) {
        if (position >= signature.length) throw new WireError(`unclosed ${code} in signature: ${signature}`);
        children.push(one(depth + 1));
      }
      position++;
      if (children.length === 0) throw new WireError(`empty struct in signature: ${signature}`);
      if (code === '{' && (children.length !== 2 || !BASIC.has(children[0]!.code))) throw new WireError(`bad dict entry in signature: ${signature}`);
      return { code, children, text: signature.slice(start, position) };
    }
    throw new WireError(`unknown type code ${JSON.stringify(code)} in signature: ${signature}`);
  };
  const types: TypeNode[] = [];
  while (position < signature.length) types.push(one(0));
  if (signatureCache.size < 1000) signatureCache.set(signature, types);
  return types;
}

function alignmentOf(code: string): number {
  switch (code) {
    case 'y':
    case 'g':
    case 'v':
      return 1;
    case 'n':
    case 'q':
      return 2;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{':
      return 8;
    default:
      return 4;
  }
}

// --- writing ------------------------------------------------------------------------------------

/** Appends marshalled values to a growing buffer; offsets (for alignment) count from the start. */
export class Writer {
  private buffer = Buffer.allocUnsafe(256);
  private length = 0;

  get offset(): number {
    return this.length;
  }

  private reserve(bytes: number) {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  align(boundary: number) {
    const padding = (boundary - (this.length % boundary)) % boundary;
    if (padding === 0) return;
    this.reserve(padding);
    this.buffer.fill(0, this.length, this.length + padding);
    this.length += padding;
  }

  byte(value: number) {
    this.reserve(1);
    this.buffer[this.length++] = value & 0xff;
  }

  uint32(value: number) {
    this.align(4);
    this.reserve(4);
    this.buffer.writeUInt32LE(value >>> 0, this.length);
    this.length += 4;
  }

  /** Writes a uint32 at an earlier offset (array lengths, once the array is written). */
  patchUint32(at: number, value: number) {
    this.buffer.writeUInt32LE(value, at);
  }

  string(value: string) {
    const bytes = Buffer.byteLength(value);
    this.uint32(bytes);
    this.reserve(bytes + 1);
    this.buffer.write(value, this.length, 'utf8');
    this.length += bytes;
    this.buffer[this.length++] = 0;
  }

  signature(value: string) {
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_SIGNATURE) throw new WireError('signature too long');
    this.byte(bytes);
    this.reserve(bytes + 1);
    this.buffer.write(value, this.length, 'latin1');
    this.length += bytes;
    this.buffer[this.length++] = 0;
  }

  /** Starts an array: returns what finishArray needs. */
  beginArray(element: TypeNode): number {
    this.uint32(0);
    const lengthAt = this.length - 4;
    this.align(alignmentOf(element.code));
    return lengthAt;
  }

  finishArray(lengthAt: number, element: TypeNode) {
    // The length counts from the first element, after the padding that aligns it.
    const boundary = alignmentOf(element.code);
    const start = lengthAt + 4 + ((boundary - ((lengthAt + 4) % boundary)) % boundary);
    this.patchUint32(lengthAt, this.length - start);
  }

  value(type: TypeNode, value: unknown) {
    switch (type.code) {
      case 'y':
        this.byte(number(value, 0, 0xff));
        return;
      case 'b':
        if (typeof value !== 'boolean') throw new WireError(`expected a boolean, got ${typeof value}`);
        this.uint32(value ? 1 : 0);
        return;
      case 'n':
      case 'q': {
        const signed = type.code === 'n';
        const v = number(value, signed ? -0x8000 : 0, signed ? 0x7fff : 0xffff);
        this.align(2);
        this.reserve(2);
        if (signed) this.buffer.writeInt16LE(v, this.length);
        else this.buffer.writeUInt16LE(v, this.length);
        this.length += 2;
        return;
      }
      case 'i':
        this.align(4);
        this.reserve(4);
        this.buffer.writeInt32LE(number(value, -0x8000_0000, 0x7fff_ffff), this.length);
        this.length += 4;
        return;
      case 'u':
      case 'h':
        this.uint32(number(value, 0, 0xffff_ffff));
        return;
      case 'x':
      case 't': {
        this.align(8);
        this.reserve(8);
        const big = typeof value === 'bigint' ? value : BigInt(number(value, type.code === 't' ? 0 : Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
        const [low, high] = type.code === 't' ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
        if (big < low || big > high) throw new WireError(`${String(value)} is out of range for ${type.code}`);
        if (type.code === 't') this.buffer.writeBigUInt64LE(big, this.length);
        else this.buffer.writeBigInt64LE(big, this.length);
        this.length += 8;
        return;
      }
      case 'd':
        if (typeof value !== 'number') throw new WireError(`expected a number, got ${typeof value}`);
        this.align(8);
        this.reserve(8);
        this.buffer.writeDoubleLE(value, this.length);
        this.length += 8;
        return;
      case 's':
      case 'o':
        if (typeof value !== 'string') throw new WireError(`expected a string, got ${typeof value}`);
        if (value.includes('\0')) throw new WireError('strings cannot contain NUL');
        this.string(value);
        return;
      case 'g':
        if (typeof value !== 'string') throw new WireError(`expected a signature, got ${typeof value}`);
        parseSignature(value);
        this.signature(value);
        return;
      case 'v': {
        if (!(value instanceof Variant)) throw new WireError('expected a Variant');
        const inner = parseSignature(value.signature);
        if (inner.length !== 1) throw new WireError(`a variant holds one complete type, not ${value.signature}`);
        this.signature(value.signature);
        this.value(inner[0]!, value.value);
        return;
      }
      case '(': {
        if (!Array.isArray(value) || value.length !== type.children.length) throw new WireError(`expected a struct of ${type.children.length} values`);
        this.align(8);
        type.children.forEach((child, index) => this.value(child, value[index]));
        return;
      }
      case 'a': {
        const element = type.children[0]!;
        const lengthAt = this.beginArray(element);
        if (element.code === '{') {
          if (!(value instanceof Map) && (typeof value !== 'object' || value === null || Array.isArray(value))) {
            throw new WireError(`expected a Map or an object for ${type.text}`);
          }
          const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
          for (const [key, item] of entries) {
            this.align(8);
            this.value(element.children[0]!, key);
            this.value(element.children[1]!, item);
          }
        } else if (element.code === 'y' && Buffer.isBuffer(value)) {
          this.reserve(value.length);
          value.copy(this.buffer, this.length);
          this.length += value.length;
        } else {
          if (!Array.isArray(value)) throw new WireError(`expected an array for ${type.text}`);
          for (const item of value) this.value(element, item);
        }
        this.finishArray(lengthAt, element);
        return;
      }
      default:
        throw new WireError(`cannot write type ${type.code}`);
    }
  }

  /** Writes values for a signature (a message body). */
  values(signature: string, values: readonly unknown[]) {
    const types = parseSignature(signature);
    if (types.length !== values.length) throw new WireError(`signature ${signature} needs ${types.length} values, got ${values.length}`);
    types.forEach((type, index) => this.value(type, values[index]));
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function number(value: unknown, min: number, max: number): number {
  const numeric = typeof value === 'bigint' ? Number(value) : value;
  if (typeof numeric !== 'number' || !Number.isInteger(numeric) || numeric < min || numeric > max) {
    throw new WireError(`expected an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return numeric;
}

// --- reading ------------------------------------------------------------------------------------

/** Reads marshalled values; offsets count from `base` (the message start) for alignment. */
export class Reader {
  private position: number;

  constructor(
    private readonly buffer: Buffer,
    private readonly littleEndian: boolean,
    start = 0,
    private readonly end = buffer.length,
    private readonly base = 0,
  ) {
    this.position = start;
  }

  get offset(): number {
    return this.position;
  }

  private need(bytes: number) {
    if (this.position + bytes > this.end) throw new WireError('message truncated');
  }

  align(boundary: number) {
    const relative = this.position - this.base;
    const padding = (boundary - (relative % boundary)) % boundary;
    this.need(padding);
    this.position += padding;
  }

  byte(): number {
    this.need(1);
    return this.buffer[this.position++]!;
  }

  uint32(): number {
    this.align(4);
    this.need(4);
    const value = this.littleEndian ? this.buffer.readUInt32LE(this.position) : this.buffer.readUInt32BE(this.position);
    this.position += 4;
    return value;
  }

  private text(length: number, encoding: BufferEncoding): string {
    this.need(length + 1);
    const value = this.buffer.toString(encoding, this.position, this.position + length);
    if (this.buffer[this.position + length] !== 0) throw new WireError('string not NUL-terminated');
    this.position += length + 1;
    return value;
  }

  /** Variants nest inside one another without a signature that shows it: their depth is counted here. */
  private variantDepth = 0;

  value(type: TypeNode): unknown {
    switch (type.code) {
      case 'y':
        return this.byte();
      case 'b': {
        const value = this.uint32();
        if (value > 1) throw new WireError(`boolean out of range: ${value}`);
        return value === 1;
      }
      case 'n':
      case 'q': {
        this.align(2);
        this.need(2);
        const at = this.position;
        this.position += 2;
        if (type.code === 'n') return this.littleEndian ? this.buffer.readInt16LE(at) : this.buffer.readInt16BE(at);
        return this.littleEndian ? this.buffer.readUInt16LE(at) : this.buffer.readUInt16BE(at);
      }
      case 'i': {
        this.align(4);
        this.need(4);
        const at = this.position;
        this.position += 4;
        return this.littleEndian ? this.buffer.readInt32LE(at) : this.buffer.readInt32BE(at);
      }
      case 'u':
      case 'h':
        return this.uint32();
      case 'x':
      case 't': {
        this.align(8);
        this.need(8);
        const at = this.position;
        this.position += 8;
        const big =
          type.code === 't'
            ? this.littleEndian
              ? this.buffer.readBigUInt64LE(at)
              : this.buffer.readBigUInt64BE(at)
            : this.littleEndian
              ? this.buffer.readBigInt64LE(at)
              : this.buffer.readBigInt64BE(at);
        // Counts and epoch seconds are numbers; only values past 2^53 stay bigint.
        return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
      }
      case 'd': {
        this.align(8);
        this.need(8);
        const at = this.position;
        this.position += 8;
        return this.littleEndian ? this.buffer.readDoubleLE(at) : this.buffer.readDoubleBE(at);
      }
      case 's':
      case 'o':
        return this.text(this.uint32(), 'utf8');
      case 'g':
        return this.text(this.byte(), 'latin1');
      case 'v': {
        const signature = this.text(this.byte(), 'latin1');
        const inner = parseSignature(signature);
        if (inner.length !== 1) throw new WireError(`a variant holds one complete type, not ${signature}`);
        if (++this.variantDepth > MAX_DEPTH) throw new WireError(`variants nested deeper than ${MAX_DEPTH}`);
        try {
          return new Variant(signature, this.value(inner[0]!));
        } finally {
          this.variantDepth--;
        }
      }
      case '(': {
        this.align(8);
        return type.children.map((child) => this.value(child));
      }
      case 'a': {
        const length = this.uint32();
        const element = type.children[0]!;
        this.align(alignmentOf(element.code));
        const stop = this.position + length;
        if (stop > this.end) throw new WireError('array runs past the message');
        if (element.code === 'y') {
          const bytes = Buffer.from(this.buffer.subarray(this.position, stop));
          this.position = stop;
          return bytes;
        }
        if (element.code === '{') {
          const entries = new Map<unknown, unknown>();
          while (this.position < stop) {
            this.align(8);
            const key = this.value(element.children[0]!);
            entries.set(key, this.value(element.children[1]!));
          }
          if (this.position !== stop) throw new WireError('array length does not match its elements');
          return entries;
        }
        const items: unknown[] = [];
        while (this.position < stop) items.push(this.value(element));
        if (this.position !== stop) throw new WireError('array length does not match its elements');
        return items;
      }
      default:
        throw new WireError(`cannot read type ${type.code}`);
    }
  }

  values(signature: string): unknown[] {
    return parseSignature(signature).map((type) => this.value(type));
  }
}

// --- messages -------------------------------------------------------------------------------------

export const MessageType = { methodCall: 1, methodReturn: 2, error: 3, signal: 4 } as const;
export const MessageFlag = { noReplyExpected: 0x1, noAutoStart: 0x2, allowInteractiveAuthorization: 0x4 } as const;

export interface Message {
  readonly type: number;
  readonly flags?: number;
  serial?: number;
  readonly path?: string;
  readonly interface?: string;
  readonly member?: string;
  readonly errorName?: string;
  readonly replySerial?: number;
  readonly destination?: string;
  readonly sender?: string;
  /** Body signature; '' for none. */
  readonly signature?: string;
  readonly body?: readonly unknown[];
  /** An already marshalled body (for big replies encoded in slices); takes the place of body. */
  readonly encodedBody?: Buffer;
}

const FIELDS = [
  ['path', 1, 'o'],
  ['interface', 2, 's'],
  ['member', 3, 's'],
  ['errorName', 4, 's'],
  ['replySerial', 5, 'u'],
  ['destination', 6, 's'],
  ['sender', 7, 's'],
  ['signature', 8, 'g'],
] as const;
const FIELD_BY_CODE = new Map<number, (typeof FIELDS)[number]>(FIELDS.map((field) => [field[1], field]));

/** The D-Bus limit on a whole message. */
export const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

export function encodeBody(signature: string, body: readonly unknown[]): Buffer {
  const writer = new Writer();
  writer.values(signature, body);
  return writer.bytes();
}

/** Marshals a whole message (header, fields, body). */
export function encodeMessage(message: Message): Buffer {
  if (message.serial === undefined) throw new WireError('a message needs a serial');
  const body = message.encodedBody ?? (message.signature ? encodeBody(message.signature, message.body ?? []) : Buffer.alloc(0));
  const header = new Writer();
  header.byte('l'.charCodeAt(0));
  header.byte(message.type);
  header.byte(message.flags ?? 0);
  header.byte(1);
  header.uint32(body.length);
  header.uint32(message.serial);
  const fieldsAt = header.beginArray({ code: '(', children: [], text: '(yv)' });
  for (const [name, code, signature] of FIELDS) {
    const value = message[name];
    if (value === undefined || value === '' && name === 'signature') continue;
    header.align(8);
    header.byte(code);
    header.signature(signature);
    header.value({ code: signature, children: [], text: signature }, value);
  }
  header.finishArray(fieldsAt, { code: '(', children: [], text: '(yv)' });
  header.align(8);
  const total = header.offset + body.length;
  if (total > MAX_MESSAGE_BYTES) throw new WireError(`message of ${total} bytes exceeds the D-Bus limit`);
  return Buffer.concat([header.bytes(), body], total);
}

/** Bytes a message occupies, from its first 16 bytes; null when fewer are there. */
export function messageLength(buffer: Buffer): number | null {
  if (buffer.length < 16) return null;
  const littleEndian = buffer[0] === 0x6c;
  if (!littleEndian && buffer[0] !== 0x42) throw new WireError(`bad endianness byte ${buffer[0]}`);
  const bodyLength = littleEndian ? buffer.readUInt32LE(4) : buffer.readUInt32BE(4);
  const fieldsLength = littleEndian ? buffer.readUInt32LE(12) : buffer.readUInt32BE(12);
  // Plain arithmetic: a hostile 32-bit length must not wrap around through bitwise operators.
  const total = 16 + Math.ceil(fieldsLength / 8) * 8 + bodyLength;
  if (total > MAX_MESSAGE_BYTES) throw new WireError(`message of ${total} bytes exceeds the D-Bus limit`);
  return total;
}

/** Unmarshals one whole message. */
export function decodeMessage(buffer: Buffer): Message {
  const littleEndian = buffer[0] === 0x6c;
  if (!littleEndian && buffer[0] !== 0x42) throw new WireError(`bad endianness byte ${buffer[0]}`);
  const reader = new Reader(buffer, littleEndian, 4);
  const bodyLength = reader.uint32();
  const serial = reader.uint32();
  const fields: Record<string, unknown> = {};
  const fieldArray = reader.value(parseSignature('a(yv)')[0]!) as [number, Variant][];
  for (const [code, variant] of fieldArray) {
    const field = FIELD_BY_CODE.get(code);
    if (field === undefined) continue; // Unknown header fields must be ignored.
    if (variant.signature !== field[2]) throw new WireError(`header field ${field[0]} has signature ${variant.signature}`);
    fields[field[0]] = variant.value;
  }
  reader.align(8);
  const bodyStart = reader.offset;
  if (bodyStart + bodyLength !== buffer.length) throw new WireError('body length does not match the message');
  const signature = (fields.signature as string | undefined) ?? '';
  const body = signature === '' ? [] : new Reader(buffer, littleEndian, bodyStart, buffer.length, bodyStart).values(signature);
  return {
    type: buffer[1]!,
    flags: buffer[2]!,
    serial,
    ...fields,
    signature,
    body,
  } as Message;
}
