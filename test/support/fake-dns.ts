// A UDP DNS server on 127.0.0.1 that answers PTR, A and AAAA queries from a table, in RFC 1035 wire format.
// Real resolvers (node:dns, c-ares) can point at it with setServers([fake.server]); nothing leaves loopback.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

export interface DnsRecords {
  ptr?: Record<string, string[]>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
}

export interface FakeDns {
  readonly address: string;
  readonly port: number;
  /** 'ADDRESS:PORT', the form dns.Resolver.setServers takes. */
  readonly server: string;
  /** Every question seen, names lower-cased and without the trailing dot. */
  queries: { name: string; type: number }[];
  setRecords(records: DnsRecords): void;
  /** While true, queries are recorded but never answered (to exercise the caller's timeout). */
  hang: boolean;
  close(): Promise<void>;
}

export const TYPE_A = 1;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
const CLASS_IN = 1;
const TTL_SECONDS = 60;
const HEADER_BYTES = 12;
const RCODE_FORMAT_ERROR = 1;
const RCODE_NAME_ERROR = 3;
const RCODE_NOT_IMPLEMENTED = 4;

/** The reverse-lookup name for an address: '4.3.2.1.in-addr.arpa' or the 32-nibble ip6.arpa name. */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const nibbles = [...ipv6Bytes(ip)].flatMap((byte) => [byte >> 4, byte & 0x0f]);
  return `${nibbles.reverse().map((nibble) => nibble.toString(16)).join('.')}.ip6.arpa`;
}

/** The 16 bytes of an IPv6 address, including the '::' and embedded-IPv4 spellings. */
function ipv6Bytes(ip: string): Buffer {
  if (!isIPv6(ip)) throw new Error(`not an IPv6 address: ${ip}`);
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2));
  return bytes;
}

interface Question {
  /** As written in the query (case kept, because resolvers using 0x20 randomisation compare it). */
  name: string;
  type: number;
  class: number;
}

/** Reads a possibly compressed name at offset; returns it and where the field ends in the message. */
function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let position = offset;
  let end = -1;
  // Pointers may only be followed a bounded number of times, so a pointer loop ends as a format error.
  for (let jumps = 0; jumps < 64; ) {
    const length = message[position];
    if (length === undefined) throw new Error('name runs past the message');
    if ((length & 0xc0) === 0xc0) {
      const second = message[position + 1];
      if (second === undefined) throw new Error('truncated compression pointer');
      if (end < 0) end = position + 2;
      position = ((length & 0x3f) << 8) | second;
      jumps += 1;
      continue;
    }
    if ((length & 0xc0) !== 0) throw new Error('unknown label type');
    if (length === 0) return { name: labels.join('.'), end: end < 0 ? position + 1 : end };
    if (position + 1 + length > message.length) throw new Error('label runs past the message');
    labels.push(message.toString('latin1', position + 1, position + 1 + length));
    position += 1 + length;
  }
  throw new Error('compression pointer loop');
}

function parseQuestions(message: Buffer): Question[] {
  const count = message.readUInt16BE(4);
  const questions: Question[] = [];
  let offset = HEADER_BYTES;
  for (let index = 0; index < count; index += 1) {
    const { name, end } = readName(message, offset);
    if (end + 4 > message.length) throw new Error('question runs past the message');
    questions.push({ name, type: message.readUInt16BE(end), class: message.readUInt16BE(end + 2) });
    offset = end + 4;
  }
  return questions;
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((label) => label !== '');
  return Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')])), Buffer.from([0])]);
}

function header(id: number, queryFlags: number, rcode: number, questions: number, answers: number): Buffer {
  const buffer = Buffer.alloc(HEADER_BYTES);
  buffer.writeUInt16BE(id, 0);
  const opcode = queryFlags & 0x7800;
  const recursionDesired = queryFlags & 0x0100;
  // QR (response), AA (we are the authority for the table), RD copied from the query, RA set.
  buffer.writeUInt16BE(0x8000 | opcode | 0x0400 | recursionDesired | 0x0080 | rcode, 2);
  buffer.writeUInt16BE(questions, 4);
  buffer.writeUInt16BE(answers, 6);
  return buffer;
}

/** One answer record whose owner is the question name, written as a pointer to it (offset 12). */
function answerRecord(type: number, data: Buffer): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc000 | HEADER_BYTES, 0);
  fixed.writeUInt16BE(type, 2);
  fixed.writeUInt16BE(CLASS_IN, 4);
  fixed.writeUInt32BE(TTL_SECONDS, 6);
  fixed.writeUInt16BE(data.length, 10);
  return Buffer.concat([fixed, data]);
}

function recordData(type: number, value: string): Buffer {
  if (type === TYPE_PTR) return encodeName(value);
  if (type === TYPE_A) return Buffer.from(value.split('.').map(Number));
  return ipv6Bytes(value);
}

function normalise(records: DnsRecords): Map<number, Map<string, string[]>> {
  const table = new Map<number, Map<string, string[]>>();
  const entries: [number, Record<string, string[]> | undefined][] = [[TYPE_PTR, records.ptr], [TYPE_A, records.a], [TYPE_AAAA, records.aaaa]];
  for (const [type, byName] of entries) {
    table.set(type, new Map(Object.entries(byName ?? {}).map(([name, values]) => [name.toLowerCase().replace(/\.$/, ''), values])));
  }
  return table;
}

/** The reply to one query message, or null when it is too short to carry an id. */
function respond(message: Buffer, table: Map<number, Map<string, string[]>>, seen: FakeDns['queries']): Buffer | null {
  if (message.length < HEADER_BYTES) return null;
  const id = message.readUInt16BE(0);
  const flags = message.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) return null; // a response sent to us: never answer those
  let questions: Question[];
  try {
    questions = parseQuestions(message);
  } catch {
    return header(id, flags, RCODE_FORMAT_ERROR, 0, 0);
  }
  for (const question of questions) seen.push({ name: question.name.toLowerCase(), type: question.type });
  const question = questions[0];
  if (!question) return header(id, flags, RCODE_FORMAT_ERROR, 0, 0);
  // Only the first question is answered and echoed: servers in the wild do the same or refuse.
  const echoed = Buffer.concat([encodeName(question.name), Buffer.from([question.type >> 8, question.type & 0xff, question.class >> 8, question.class & 0xff])]);
  if ((flags & 0x7800) !== 0) return Buffer.concat([header(id, flags, RCODE_NOT_IMPLEMENTED, 1, 0), echoed]);
  const key = question.name.toLowerCase();
  const exists = [...table.values()].some((byName) => byName.has(key));
  if (!exists) return Buffer.concat([header(id, flags, RCODE_NAME_ERROR, 1, 0), echoed]);
  const values = table.get(question.type)?.get(key) ?? [];
  const answers = values.map((value) => answerRecord(question.type, recordData(question.type, value)));
  return Buffer.concat([header(id, flags, 0, 1, answers.length), echoed, ...answers]);
}

export async function startFakeDns(records: DnsRecords = {}): Promise<FakeDns> {
  const socket = createSocket('udp4');
  let table = normalise(records);
  const fake = {
    address: '127.0.0.1',
    port: 0,
    server: '',
    queries: [] as FakeDns['queries'],
    hang: false,
    setRecords(next: DnsRecords) {
      table = normalise(next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Closing twice (a test's finally after an explicit close) is harmless, as for the other fakes.
        try {
          socket.close(() => resolve());
        } catch {
          resolve();
        }
      }),
  };
  // A late send failure (the client went away) must not crash the test run.
  socket.on('error', () => {});
  socket.on('message', (message: Buffer, sender: RemoteInfo) => {
    const reply = respond(message, table, fake.queries);
    if (reply && !fake.hang) socket.send(reply, sender.port, sender.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  fake.port = socket.address().port;
  fake.server = `${fake.address}:${fake.port}`;
  return fake;
}
