// The compact address-to-ASN table shipped with the helper, built from ip-location-db's CSV at build
// time (there is no ASN .mmdb on npm): sorted ranges in typed arrays, found by binary search.
//
// Layout, little-endian, every section 8-byte aligned:
//   "C2BASN01", u32 asCount, u32 stringBytes, u32 v4Count, u32 v6Count, f64 builtAt (epoch ms)
//   asn u32[asCount], orgEnd u32[asCount] (end offset of each organisation in the strings)
//   strings: UTF-8 organisation names, concatenated
//   v4: start u32[], end u32[], asIndex u32[]
//   v6: start u64[], end u64[] (the upper 64 bits), asIndex u32[]
// IPv6 ranges are kept to /64 precision: about 0.2% of the source's ranges are finer than a /64, and
// within such a /64 the later range wins. Routing and allocation do not go below /64 in practice.
import type { Address } from '../core/address.js';

const MAGIC = 'C2BASN01';
const HEADER_BYTES = 32;

export interface AsnRange {
  /** Inclusive bounds: 4-byte or 16-byte addresses as bigint. */
  readonly start: bigint;
  readonly end: bigint;
  readonly asn: number;
  readonly organization: string;
}

export interface AsnFacts {
  readonly asn: number;
  readonly organization: string;
}

export interface AsnTable {
  lookup(address: Address): AsnFacts | null;
  readonly builtAt: number;
  readonly rangeCount: number;
}

const align8 = (size: number) => (size + 7) & ~7;

/** Serialises ranges (any order; IPv4 ranges have end < 2^32, IPv6 ones are flagged by family). */
export function encodeAsnTable(ranges: { readonly v4: readonly AsnRange[]; readonly v6: readonly AsnRange[] }, builtAt: number): Buffer {
  const asIndex = new Map<string, number>();
  const asns: number[] = [];
  const organizations: Buffer[] = [];
  const indexOf = (range: AsnRange) => {
    const key = `${range.asn}\u0000${range.organization}`;
    let index = asIndex.get(key);
    if (index === undefined) {
      index = asns.length;
      asIndex.set(key, index);
      asns.push(range.asn);
      organizations.push(Buffer.from(range.organization, 'utf8'));
    }
    return index;
  };
  const v4 = [...ranges.v4].sort((left, right) => (left.start < right.start ? -1 : left.start > right.start ? 1 : 0));
  const v6 = [...ranges.v6].sort((left, right) => (left.start < right.start ? -1 : left.start > right.start ? 1 : 0));
  const v4Index = v4.map(indexOf);
  const v6Index = v6.map(indexOf);
  const stringBytes = organizations.reduce((sum, organization) => sum + organization.length, 0);

  const asSection = align8(asns.length * 8);
  const stringSection = align8(stringBytes);
  const v4Section = align8(v4.length * 12);
  const v6Section = align8(v6.length * 20);
  const buffer = Buffer.alloc(HEADER_BYTES + asSection + stringSection + v4Section + v6Section);
  buffer.write(MAGIC, 0, 'latin1');
  buffer.writeUInt32LE(asns.length, 8);
  buffer.writeUInt32LE(stringBytes, 12);
  buffer.writeUInt32LE(v4.length, 16);
  buffer.writeUInt32LE(v6.length, 20);
  buffer.writeDoubleLE(builtAt, 24);

  let offset = HEADER_BYTES;
  let stringEnd = 0;
  asns.forEach((asn, index) => {
    buffer.writeUInt32LE(asn, offset + index * 4);
    stringEnd += organizations[index]!.length;
    buffer.writeUInt32LE(stringEnd, offset + asns.length * 4 + index * 4);
  });
  offset += asSection;
  let stringOffset = offset;
  for (const organization of organizations) stringOffset += organization.copy(buffer, stringOffset);
  offset += stringSection;
  v4.forEach((range, index) => {
    buffer.writeUInt32LE(Number(range.start), offset + index * 4);
    buffer.writeUInt32LE(Number(range.end), offset + v4.length * 4 + index * 4);
    buffer.writeUInt32LE(v4Index[index]!, offset + v4.length * 8 + index * 4);
  });
  offset += v4Section;
  v6.forEach((range, index) => {
    buffer.writeBigUInt64LE(range.start >> 64n, offset + index * 8);
    buffer.writeBigUInt64LE(range.end >> 64n, offset + v6.length * 8 + index * 8);
    buffer.writeUInt32LE(v6Index[index]!, offset + v6.length * 16 + index * 4);
  });
  return buffer;
}

/** The index of the last start <= value, or -1. */
function lastAtOrBelow<T extends number | bigint>(starts: ArrayLike<T>, value: T): number {
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (starts[middle]! <= value) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** Reads a table written by encodeAsnTable; throws with what is wrong when the bytes are not one. */
export function readAsnTable(bytes: Uint8Array): AsnTable {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < HEADER_BYTES || buffer.toString('latin1', 0, 8) !== MAGIC) throw new Error('not a croissant2ban ASN table (bad magic)');
  const asCount = buffer.readUInt32LE(8);
  const stringBytes = buffer.readUInt32LE(12);
  const v4Count = buffer.readUInt32LE(16);
  const v6Count = buffer.readUInt32LE(20);
  const builtAt = buffer.readDoubleLE(24);
  const expected = HEADER_BYTES + align8(asCount * 8) + align8(stringBytes) + align8(v4Count * 12) + align8(v6Count * 20);
  if (buffer.length !== expected) throw new Error(`ASN table is ${buffer.length} bytes, its header says ${expected}`);
  // Typed arrays need aligned offsets: copy once into a fresh, aligned buffer.
  const aligned = new Uint8Array(buffer.length);
  aligned.set(buffer);
  const memory = aligned.buffer;

  let offset = HEADER_BYTES;
  const asns = new Uint32Array(memory, offset, asCount);
  const organizationEnds = new Uint32Array(memory, offset + asCount * 4, asCount);
  offset += align8(asCount * 8);
  const strings = Buffer.from(memory, offset, stringBytes);
  offset += align8(stringBytes);
  const v4Starts = new Uint32Array(memory, offset, v4Count);
  const v4Ends = new Uint32Array(memory, offset + v4Count * 4, v4Count);
  const v4Index = new Uint32Array(memory, offset + v4Count * 8, v4Count);
  offset += align8(v4Count * 12);
  const v6Starts = new BigUint64Array(memory, offset, v6Count);
  const v6Ends = new BigUint64Array(memory, offset + v6Count * 8, v6Count);
  const v6Index = new Uint32Array(memory, offset + v6Count * 16, v6Count);

  const facts = (index: number): AsnFacts => {
    if (index >= asCount) throw new Error(`ASN table is corrupt: AS index ${index} of ${asCount}`);
    const start = index === 0 ? 0 : organizationEnds[index - 1]!;
    return { asn: asns[index]!, organization: strings.toString('utf8', start, organizationEnds[index]!) };
  };

  return {
    builtAt,
    rangeCount: v4Count + v6Count,
    lookup(address) {
      const { bytes: addressBytes } = address;
      if (address.family === 4) {
        const value = ((addressBytes[0]! << 24) | (addressBytes[1]! << 16) | (addressBytes[2]! << 8) | addressBytes[3]!) >>> 0;
        const index = lastAtOrBelow(v4Starts, value);
        return index >= 0 && value <= v4Ends[index]! ? facts(v4Index[index]!) : null;
      }
      let value = 0n;
      for (let byte = 0; byte < 8; byte++) value = (value << 8n) | BigInt(addressBytes[byte]!);
      const index = lastAtOrBelow(v6Starts, value);
      return index >= 0 && value <= v6Ends[index]! ? facts(v6Index[index]!) : null;
    },
  };
}

/** Splits one CSV line of ip-location-db's asn-*-num.csv: start,end,asn,organisation (quoted when needed). */
export function parseAsnCsvLine(line: string): AsnRange | null {
  const match = /^(\d+),(\d+),(\d+),(.*)$/.exec(line);
  if (match === null) return null;
  let organization = match[4]!;
  if (organization.startsWith('"') && organization.endsWith('"') && organization.length >= 2) organization = organization.slice(1, -1).replaceAll('""', '"');
  return { start: BigInt(match[1]!), end: BigInt(match[2]!), asn: Number(match[3]!), organization };
}
