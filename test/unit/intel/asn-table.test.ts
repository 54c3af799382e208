import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddress } from '../../../helper/core/address.js';
import { encodeAsnTable, parseAsnCsvLine, readAsnTable, type AsnRange, type AsnTable } from '../../../helper/intel/asn-table.js';

/** An address (IPv4 or IPv6) as the bigint the ranges use. */
function value(text: string): bigint {
  const address = parseAddress(text);
  assert.ok(address !== null, `${text} parses`);
  return address.bytes.reduce((sum, byte) => (sum << 8n) | BigInt(byte), 0n);
}

const range = (start: string, end: string, asn: number, organization: string): AsnRange => ({ start: value(start), end: value(end), asn, organization });

const CLOUDFLARE = 'Cloudflare, Inc.';
const RIPE = 'Réseaux IP Européens Network Coordination Centre (RIPE NCC) — 🥐';
const QUOTED = 'LLC "SPUTNIK"';

// Deliberately out of order: the encoder sorts.
const V4 = [
  range('193.0.0.0', '193.0.7.255', 3333, RIPE),
  range('1.0.0.0', '1.0.0.255', 13335, CLOUDFLARE),
  range('8.8.8.0', '8.8.8.255', 15169, 'Google LLC'),
  range('35.0.0.0', '35.0.3.255', 201907, QUOTED),
  range('104.16.0.0', '104.31.255.255', 13335, CLOUDFLARE),
  range('223.255.255.0', '223.255.255.255', 64512, ''),
];
const V6 = [
  range('2a00:1450::', '2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff', 15169, 'Google LLC'),
  range('2001:4860::', '2001:4860:ffff:ffff:ffff:ffff:ffff:ffff', 15169, 'Google LLC'),
  range('2606:4700::', '2606:4700:ffff:ffff:ffff:ffff:ffff:ffff', 13335, CLOUDFLARE),
  range('2001:67c:2e8::', '2001:67c:2e8:ffff:ffff:ffff:ffff:ffff', 3333, RIPE),
];
const BUILT_AT = 1_781_654_400_123;

const table = readAsnTable(encodeAsnTable({ v4: V4, v6: V6 }, BUILT_AT));

function lookup(from: AsnTable, text: string) {
  const address = parseAddress(text);
  assert.ok(address !== null, `${text} parses`);
  return from.lookup(address);
}

test('an encoded table reads back with its build time and range count', () => {
  assert.equal(table.builtAt, BUILT_AT);
  assert.equal(table.rangeCount, V4.length + V6.length);
});

test('an IPv4 address inside a range or on either of its bounds finds that range', () => {
  assert.deepEqual(lookup(table, '8.8.8.8'), { asn: 15169, organization: 'Google LLC' });
  assert.deepEqual(lookup(table, '8.8.8.0'), { asn: 15169, organization: 'Google LLC' });
  assert.deepEqual(lookup(table, '8.8.8.255'), { asn: 15169, organization: 'Google LLC' });
  assert.deepEqual(lookup(table, '1.0.0.0'), { asn: 13335, organization: CLOUDFLARE });
  assert.deepEqual(lookup(table, '104.16.0.0'), { asn: 13335, organization: CLOUDFLARE });
  assert.deepEqual(lookup(table, '104.31.255.255'), { asn: 13335, organization: CLOUDFLARE });
});

test('IPv4 addresses with the top bit set are found (no signed 32-bit arithmetic)', () => {
  assert.deepEqual(lookup(table, '193.0.6.139'), { asn: 3333, organization: RIPE });
  assert.deepEqual(lookup(table, '193.0.0.0'), { asn: 3333, organization: RIPE });
  assert.deepEqual(lookup(table, '193.0.7.255'), { asn: 3333, organization: RIPE });
  assert.equal(lookup(table, '193.0.8.0'), null);
});

test('an IPv4 address just outside a range, in a gap, before the first or after the last range finds nothing', () => {
  assert.equal(lookup(table, '8.8.7.255'), null, 'just below a range');
  assert.equal(lookup(table, '8.8.9.0'), null, 'just above a range');
  assert.equal(lookup(table, '50.0.0.1'), null, 'in the gap between two ranges');
  assert.equal(lookup(table, '0.255.255.255'), null, 'before the first range');
  assert.equal(lookup(table, '0.0.0.0'), null, 'the lowest address');
  assert.equal(lookup(table, '224.0.0.0'), null, 'after the last range');
  assert.equal(lookup(table, '255.255.255.255'), null, 'the highest address');
});

test('organisations keep their UTF-8 characters and quotes, and an empty organisation stays empty', () => {
  assert.equal(lookup(table, '193.0.6.139')?.organization, RIPE);
  assert.deepEqual(lookup(table, '35.0.1.2'), { asn: 201907, organization: QUOTED });
  assert.deepEqual(lookup(table, '223.255.255.255'), { asn: 64512, organization: '' });
  assert.deepEqual(lookup(table, '223.255.255.0'), { asn: 64512, organization: '' });
});

test('an IPv6 address inside a range or on either of its bounds finds that range', () => {
  assert.deepEqual(lookup(table, '2001:4860:4860::8888'), { asn: 15169, organization: 'Google LLC' });
  assert.deepEqual(lookup(table, '2001:4860::'), { asn: 15169, organization: 'Google LLC' });
  assert.deepEqual(lookup(table, '2001:4860:ffff:ffff:ffff:ffff:ffff:ffff'), { asn: 15169, organization: 'Google LLC' });
  assert.deepEqual(lookup(table, '2a00:1450:4001::1'), { asn: 15169, organization: 'Google LLC' });
  assert.deepEqual(lookup(table, '2606:4700:4700::1111'), { asn: 13335, organization: CLOUDFLARE });
  assert.deepEqual(lookup(table, '2001:67c:2e8:22::c100:68b'), { asn: 3333, organization: RIPE });
});

test('an IPv6 address just outside a range, in a gap, before the first or after the last range finds nothing', () => {
  assert.equal(lookup(table, '2001:485f:ffff:ffff:ffff:ffff:ffff:ffff'), null, 'just below a range');
  assert.equal(lookup(table, '2001:4861::'), null, 'just above a range');
  assert.equal(lookup(table, '2400::1'), null, 'in the gap between two ranges');
  assert.equal(lookup(table, '2001::1'), null, 'before the first range');
  assert.equal(lookup(table, '::1'), null, 'the lowest addresses');
  assert.equal(lookup(table, '2a00:1451::'), null, 'after the last range');
  assert.equal(lookup(table, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), null, 'the highest address');
});

test('IPv4 and IPv6 lookups search only their own family', () => {
  // 2001:4860:: as IPv4 bytes would be 32.1.72.96; 1.0.0.0 as IPv6 would be 100::.
  assert.equal(lookup(table, '32.1.72.96'), null);
  assert.equal(lookup(table, '100::'), null);
});

test('an empty table finds nothing and counts no ranges', () => {
  const empty = readAsnTable(encodeAsnTable({ v4: [], v6: [] }, 0));
  assert.equal(empty.rangeCount, 0);
  assert.equal(empty.builtAt, 0);
  assert.equal(lookup(empty, '8.8.8.8'), null);
  assert.equal(lookup(empty, '2001:4860::1'), null);
});

test('a table read from a view at an odd offset of a larger buffer still reads correctly', () => {
  const encoded = encodeAsnTable({ v4: V4, v6: V6 }, BUILT_AT);
  const larger = Buffer.alloc(encoded.length + 3);
  encoded.copy(larger, 3);
  const shifted = readAsnTable(larger.subarray(3));
  assert.deepEqual(lookup(shifted, '193.0.6.139'), { asn: 3333, organization: RIPE });
  assert.deepEqual(lookup(shifted, '2606:4700:4700::1111'), { asn: 13335, organization: CLOUDFLARE });
});

test('bytes that do not start with the magic are refused as not an ASN table', () => {
  const encoded = encodeAsnTable({ v4: V4, v6: V6 }, BUILT_AT);
  const wrong = Buffer.from(encoded);
  wrong.write('NOTASN01', 0, 'latin1');
  assert.throws(() => readAsnTable(wrong), /not a croissant2ban ASN table \(bad magic\)/);
  assert.throws(() => readAsnTable(Buffer.from('this is a text file, not a table\n')), /bad magic/);
  assert.throws(() => readAsnTable(new Uint8Array(0)), /bad magic/);
});

test('a truncated table is refused with its size and the size its header announces', () => {
  const encoded = encodeAsnTable({ v4: V4, v6: V6 }, BUILT_AT);
  const truncated = encoded.subarray(0, encoded.length - 8);
  assert.throws(() => readAsnTable(truncated), new RegExp(`ASN table is ${truncated.length} bytes, its header says ${encoded.length}`));
  assert.throws(() => readAsnTable(encoded.subarray(0, 20)), /bad magic/, 'shorter than the header');
});

test('a CSV line with a plain organisation is read as a range', () => {
  assert.deepEqual(parseAsnCsvLine('134744064,134744319,15169,Google LLC'), { start: 134744064n, end: 134744319n, asn: 15169, organization: 'Google LLC' });
});

test('a quoted organisation may contain commas and doubled quotes', () => {
  assert.deepEqual(parseAsnCsvLine('16777216,16777471,13335,"Cloudflare, Inc."'), { start: 16777216n, end: 16777471n, asn: 13335, organization: 'Cloudflare, Inc.' });
  assert.deepEqual(parseAsnCsvLine('35309568,35313663,201907,"LLC ""SPUTNIK"""'), { start: 35309568n, end: 35313663n, asn: 201907, organization: 'LLC "SPUTNIK"' });
  assert.deepEqual(parseAsnCsvLine('453026816,453027839,63614,"A4, 5th Floor, Tower C, Unit A, No 143,"')?.organization, 'A4, 5th Floor, Tower C, Unit A, No 143,');
});

test('an empty organisation, quoted or not, is read as an empty string', () => {
  assert.equal(parseAsnCsvLine('1,2,3,')?.organization, '');
  assert.equal(parseAsnCsvLine('1,2,3,""')?.organization, '');
});

test('IPv6 bounds beyond 2^64 are read exactly as bigints', () => {
  const parsed = parseAsnCsvLine('42541956101370907050197289607612071936,42541956180599069564461627201156022271,15169,Google LLC');
  assert.equal(parsed?.start, value('2001:4860::'));
  assert.equal(parsed?.end, value('2001:4860:ffff:ffff:ffff:ffff:ffff:ffff'));
});

test('a line that is not start,end,asn,organisation is null', () => {
  for (const line of ['', 'start,end,asn,organization', '1.0.0.0,1.0.0.255,13335,Cloudflare', '1,2,AS13335,Cloudflare', '1,2,3', '-1,2,3,x', ' 1,2,3,x'])
    assert.equal(parseAsnCsvLine(line), null, JSON.stringify(line));
});
