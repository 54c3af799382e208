// Strict IP address and network parsing: the one place that decides what counts as an address.
//
// Everything the helper bans or whitelists goes through parseAddress or parseNetwork, so the rules
// live here once: dotted quads without leading zeros (01.02.03.04 is ambiguous: inet_aton reads it
// as octal), IPv6 per RFC 4291 without zone ids, IPv4-mapped IPv6 (::ffff:a.b.c.d) folded to IPv4,
// and a canonical text form (RFC 5952 for IPv6) so that one host is one key.

export type Family = 4 | 6;

export interface Address {
  /** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
  readonly text: string;
  readonly family: Family;
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly bytes: Uint8Array;
}

export interface Network {
  /** Canonical "address/prefix" with host bits cleared. */
  readonly text: string;
  readonly family: Family;
  readonly prefix: number;
  readonly bytes: Uint8Array;
}

const IPV4_OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4Bytes(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let index = 0; index < 4; index++) {
    const part = parts[index]!;
    if (!IPV4_OCTET.test(part)) return null;
    bytes[index] = Number(part);
  }
  return bytes;
}

function parseIpv6Bytes(input: string): Uint8Array | null {
  if (input.length < 2 || input.length > 45) return null;
  // A trailing dotted quad (::ffff:192.0.2.1) is two groups: rewrite it as hex, then parse hex only.
  let text = input;
  const lastColon = text.lastIndexOf(':');
  const tailPart = text.slice(lastColon + 1);
  if (tailPart.includes('.')) {
    const quad = parseIpv4Bytes(tailPart);
    if (quad === null) return null;
    const high = ((quad[0]! << 8) | quad[1]!).toString(16);
    const low = ((quad[2]! << 8) | quad[3]!).toString(16);
    text = `${text.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (half: string): number[] | null => {
    if (half === '') return [];
    const words: number[] = [];
    for (const group of half.split(':')) {
      if (!IPV6_GROUP.test(group)) return null;
      words.push(parseInt(group, 16));
    }
    return words;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  let words: number[];
  if (halves.length === 1) {
    if (head.length !== 8) return null;
    words = head;
  } else {
    const zeros = 8 - head.length - tail.length;
    if (zeros < 1) return null;
    words = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  }
  const bytes = new Uint8Array(16);
  words.forEach((word, index) => {
    bytes[index * 2] = word >> 8;
    bytes[index * 2 + 1] = word & 0xff;
  });
  return bytes;
}

function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let index = 0; index < 10; index++) if (bytes[index] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

function formatIpv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let index = 0; index < 16; index += 2) words.push((bytes[index]! << 8) | bytes[index + 1]!);
  // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 0;
  for (let index = 0; index < 8; ) {
    if (words[index] !== 0) {
      index++;
      continue;
    }
    let end = index;
    while (end < 8 && words[end] === 0) end++;
    if (end - index > bestLength) {
      bestStart = index;
      bestLength = end - index;
    }
    index = end;
  }
  const hex = words.map((word) => word.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Parses one address strictly; null when the text is not exactly an IPv4 or IPv6 address. */
export function parseAddress(text: string): Address | null {
  if (text.length === 0 || text.length > 45) return null;
  if (text.includes(':')) {
    const bytes = parseIpv6Bytes(text);
    if (bytes === null) return null;
    if (isIpv4Mapped(bytes)) {
      const v4 = bytes.slice(12);
      return { text: formatIpv4(v4), family: 4, bytes: v4 };
    }
    return { text: formatIpv6(bytes), family: 6, bytes };
  }
  const bytes = parseIpv4Bytes(text);
  return bytes === null ? null : { text: formatIpv4(bytes), family: 4, bytes };
}

/** The canonical text of an address, or null when it is not one. */
export function canonicalAddress(text: string): string | null {
  return parseAddress(text)?.text ?? null;
}

/** Parses "address" or "address/prefix"; a bare address is a host network (/32 or /128). */
export function parseNetwork(text: string): Network | null {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const address = parseAddress(addressText);
  if (address === null) return null;
  const maximum = address.family === 4 ? 32 : 128;
  let prefix = maximum;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^(?:0|[1-9]\d{0,2})$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    // A mapped IPv6 network (::ffff:10.0.0.0/104) becomes the IPv4 network it names.
    if (address.family === 4 && addressText.includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > maximum) return null;
  }
  const bytes = address.bytes.slice();
  for (let bit = prefix; bit < maximum; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  const base = address.family === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
  return { text: `${base}/${prefix}`, family: address.family, prefix, bytes };
}

/** True when address lies inside network (same family, same leading prefix bits). */
export function networkContains(network: Network, address: Address): boolean {
  if (network.family !== address.family) return false;
  const fullBytes = network.prefix >> 3;
  for (let index = 0; index < fullBytes; index++) if (network.bytes[index] !== address.bytes[index]) return false;
  const remainingBits = network.prefix & 7;
  if (remainingBits === 0) return true;
  const mask = (0xff << (8 - remainingBits)) & 0xff;
  return (network.bytes[fullBytes]! & mask) === (address.bytes[fullBytes]! & mask);
}

/** Loopback: 127.0.0.0/8 and ::1 (mapped loopback is already folded to IPv4 by parseAddress). */
export function isLoopback(address: Address): boolean {
  if (address.family === 4) return address.bytes[0] === 127;
  for (let index = 0; index < 15; index++) if (address.bytes[index] !== 0) return false;
  return address.bytes[15] === 1;
}

/** The unspecified address (0.0.0.0, ::): never a real peer. */
export function isUnspecified(address: Address): boolean {
  return address.bytes.every((byte) => byte === 0);
}
