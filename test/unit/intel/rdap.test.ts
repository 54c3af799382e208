import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAddress } from '../../../helper/core/address.js';
import { SourceError } from '../../../helper/intel/http.js';
import { loadRdapBootstrap, parseRdapNetwork, type RdapBootstrap } from '../../../helper/intel/rdap.js';
import { repositoryRoot, temporaryDirectory } from '../../support/paths.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(repositoryRoot, 'test', 'fixtures', 'intel', name), 'utf8'));

test("ARIN's RDAP network for 8.8.8.8 gives the cidr0 range, the registrant organisation and the nested abuse e-mail", () => {
  assert.deepEqual(parseRdapNetwork(fixture('rdap-arin-8.8.8.8.json'), new URL('https://rdap.arin.net/registry/')), {
    networkName: 'GOGL',
    networkRange: '8.8.8.0/24',
    organization: 'Google LLC',
    abuseContact: 'network-abuse@google.com',
    country: undefined,
    registry: 'ARIN',
    via: 'rdap',
  });
});

test("RIPE's RDAP network names the org-kind registrant, not the maintainer listed before it", () => {
  const facts = parseRdapNetwork(fixture('rdap-ripe-193.0.6.139.json'), new URL('https://rdap.db.ripe.net/'));
  assert.notEqual(facts.organization, 'RIPE-NCC-MNT');
  assert.deepEqual(facts, {
    networkName: 'RIPE-NCC',
    networkRange: '193.0.0.0/21',
    organization: 'Reseaux IP Europeens Network Coordination Centre (RIPE NCC)',
    abuseContact: 'abuse@ripe.net',
    country: 'NL',
    registry: 'RIPE NCC',
    via: 'rdap',
  });
});

test("APNIC's RDAP network takes the abuse e-mail from the IRT in the abuse role", () => {
  assert.deepEqual(parseRdapNetwork(fixture('rdap-apnic-1.1.1.1.json'), new URL('https://rdap.apnic.net/')), {
    networkName: 'APNIC-LABS',
    networkRange: '1.1.1.0/24',
    organization: 'APNIC Research and Development',
    abuseContact: 'helpdesk@apnic.net',
    country: 'AU',
    registry: 'APNIC',
    via: 'rdap',
  });
});

test('the registry comes from port43 when present, else from the server that answered', () => {
  const body = { objectClassName: 'ip network', startAddress: '192.0.2.0', endAddress: '192.0.2.255' };
  assert.equal(parseRdapNetwork(body, new URL('https://rdap.lacnic.net/rdap/')).registry, 'LACNIC');
  assert.equal(parseRdapNetwork({ ...body, port43: 'whois.afrinic.net' }, new URL('https://rdap.example.net/')).registry, 'AFRINIC');
  assert.equal(parseRdapNetwork(body, new URL('https://rdap.example.net/')).registry, 'rdap.example.net');
});

test('without cidr0_cidrs the range is "start - end", and several cidrs are all listed', () => {
  const base = { objectClassName: 'ip network', startAddress: '2001:db8::', endAddress: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff' };
  assert.equal(parseRdapNetwork(base, new URL('https://rdap.arin.net/registry/')).networkRange, '2001:db8:: - 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
  const several = { ...base, cidr0_cidrs: [{ v6prefix: '2001:db8::', length: 33 }, { v6prefix: '2001:db8:8000::', length: 33 }] };
  assert.equal(parseRdapNetwork(several, new URL('https://rdap.arin.net/registry/')).networkRange, '2001:db8::/33, 2001:db8:8000::/33');
  const broken = { ...base, cidr0_cidrs: [{ v6prefix: 'nonsense', length: 300 }, 'not an object'] };
  assert.equal(parseRdapNetwork(broken, new URL('https://rdap.arin.net/registry/')).networkRange, '2001:db8:: - 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'invalid cidrs fall back to the bounds');
});

test('a network with no registrant takes its administrative entity as the organisation, and no abuse entity means no abuse contact', () => {
  const body = {
    objectClassName: 'ip network',
    entities: [{ handle: 'ADMIN-1', roles: ['administrative'], vcardArray: ['vcard', [['fn', {}, 'text', 'Admin Org']]] }],
  };
  const facts = parseRdapNetwork(body, new URL('https://rdap.arin.net/registry/'));
  assert.equal(facts.organization, 'Admin Org');
  assert.equal(facts.abuseContact, undefined);
});

test('a registrant without a vCard name is named by its handle', () => {
  const body = { objectClassName: 'ip network', entities: [{ handle: 'ORG-X1-RIPE', roles: ['registrant'] }] };
  assert.equal(parseRdapNetwork(body, new URL('https://rdap.db.ripe.net/')).organization, 'ORG-X1-RIPE');
});

test('entities nested absurdly deep are not walked forever', () => {
  let entity: Record<string, unknown> = { roles: ['abuse'], vcardArray: ['vcard', [['email', {}, 'text', 'deep@example.net']]] };
  for (let depth = 0; depth < 10_000; depth++) entity = { roles: ['technical'], entities: [entity] };
  const facts = parseRdapNetwork({ objectClassName: 'ip network', entities: [entity] }, new URL('https://rdap.example.net/'));
  assert.equal(facts.abuseContact, undefined);
});

test('a body that is not an RDAP "ip network" object is a malformed answer', () => {
  const server = new URL('https://rdap.arin.net/registry/');
  for (const body of [null, undefined, [], [fixture('rdap-arin-8.8.8.8.json')], 'ip network', 42, {}, { objectClassName: 'entity' }, { objectClassName: 'autnum', handle: 'AS15169' }]) {
    assert.throws(
      () => parseRdapNetwork(body, server),
      (error: unknown) => error instanceof SourceError && error.kind === 'malformed' && error.message.includes('rdap.arin.net'),
      JSON.stringify(body)?.slice(0, 60),
    );
  }
});

const bootstrap = loadRdapBootstrap(join(repositoryRoot, 'conf', 'intel'));

function servers(from: RdapBootstrap, text: string): string[] {
  const address = parseAddress(text);
  assert.ok(address !== null, `${text} parses`);
  return from.serversFor(address).map((url) => url.href);
}

test("the shipped bootstrap files send each address to its registry's RDAP server, HTTPS first", () => {
  assert.deepEqual(servers(bootstrap, '8.8.8.8'), ['https://rdap.arin.net/registry/', 'http://rdap.arin.net/registry/']);
  assert.equal(servers(bootstrap, '193.0.6.139')[0], 'https://rdap.db.ripe.net/');
  assert.equal(servers(bootstrap, '1.1.1.1')[0], 'https://rdap.apnic.net/');
  assert.equal(servers(bootstrap, '2001:4860::1')[0], 'https://rdap.arin.net/registry/');
  assert.equal(servers(bootstrap, '2a00:1450:4001::1')[0], 'https://rdap.db.ripe.net/');
  assert.equal(servers(bootstrap, '41.1.2.3')[0], 'https://rdap.afrinic.net/rdap/');
  assert.equal(servers(bootstrap, '2800:1::1')[0], 'https://rdap.lacnic.net/rdap/');
});

test('an address in no range of the bootstrap files has no server', () => {
  assert.deepEqual(servers(bootstrap, '10.0.0.1'), []);
  assert.deepEqual(servers(bootstrap, '3fff::1'), []);
  assert.deepEqual(servers(bootstrap, 'fe80::1'), []);
});

/** A bootstrap directory with the given file contents (a valid IPv6 file unless replaced). */
function withBootstrap(files: Record<string, string>, run: (directory: string) => void): void {
  const directory = temporaryDirectory();
  try {
    const valid = JSON.stringify({ services: [[['2001:db8::/32'], ['https://rdap.example.net/']]] });
    const contents = { 'rdap-ipv4.json': JSON.stringify({ services: [[['192.0.2.0/24'], ['https://rdap.example.net/']]] }), 'rdap-ipv6.json': valid, ...files };
    mkdirSync(directory.path, { recursive: true });
    for (const [name, text] of Object.entries(contents)) writeFileSync(join(directory.path, name), text);
    run(directory.path);
  } finally {
    directory.dispose();
  }
}

test('a more specific range in the bootstrap wins over a wider one, and a base URL without a slash gets one', () => {
  const ipv4 = JSON.stringify({
    services: [
      [['192.0.0.0/8'], ['https://wide.example.net/rdap']],
      [['192.0.2.0/24'], ['http://narrow.example.net/', 'https://narrow.example.net/']],
    ],
  });
  withBootstrap({ 'rdap-ipv4.json': ipv4 }, (directory) => {
    const loaded = loadRdapBootstrap(directory);
    assert.deepEqual(servers(loaded, '192.0.2.1'), ['https://narrow.example.net/', 'http://narrow.example.net/']);
    assert.deepEqual(servers(loaded, '192.1.2.3'), ['https://wide.example.net/rdap/']);
    assert.deepEqual(servers(loaded, '2001:db8::1'), ['https://rdap.example.net/']);
  });
});

test('a bootstrap file that is not JSON is refused, naming the file', () => {
  withBootstrap({ 'rdap-ipv4.json': '<html>not json</html>' }, (directory) => {
    assert.throws(() => loadRdapBootstrap(directory), (error: Error) => error.message.startsWith(join(directory, 'rdap-ipv4.json')));
  });
});

test('a bootstrap file without a services array is refused, naming the file', () => {
  withBootstrap({ 'rdap-ipv6.json': JSON.stringify({ description: 'something else' }) }, (directory) => {
    assert.throws(() => loadRdapBootstrap(directory), (error: Error) => error.message.includes(join(directory, 'rdap-ipv6.json')) && /services/.test(error.message));
  });
  withBootstrap({ 'rdap-ipv6.json': '[]' }, (directory) => {
    assert.throws(() => loadRdapBootstrap(directory), (error: Error) => error.message.includes(join(directory, 'rdap-ipv6.json')));
  });
});

test('a bootstrap service that is not [[ranges], [urls]] is refused, naming the file', () => {
  withBootstrap({ 'rdap-ipv4.json': JSON.stringify({ services: [['192.0.2.0/24', 'https://rdap.example.net/']] }) }, (directory) => {
    assert.throws(() => loadRdapBootstrap(directory), (error: Error) => error.message.includes(join(directory, 'rdap-ipv4.json')) && /not \[\[ranges\], \[urls\]\]/.test(error.message));
  });
});

test('a bootstrap range that is not a network is refused, naming the file and the range', () => {
  withBootstrap({ 'rdap-ipv4.json': JSON.stringify({ services: [[['192.0.2.0/24', '300.0.0.0/8'], ['https://rdap.example.net/']]] }) }, (directory) => {
    assert.throws(() => loadRdapBootstrap(directory), (error: Error) => error.message.includes(join(directory, 'rdap-ipv4.json')) && error.message.includes('"300.0.0.0/8"'));
  });
  withBootstrap({ 'rdap-ipv6.json': JSON.stringify({ services: [[[42], ['https://rdap.example.net/']]] }) }, (directory) => {
    assert.throws(() => loadRdapBootstrap(directory), (error: Error) => error.message.includes(join(directory, 'rdap-ipv6.json')) && error.message.includes('42'));
  });
});

test('a missing bootstrap file is refused, naming the file', () => {
  const directory = temporaryDirectory();
  try {
    assert.throws(() => loadRdapBootstrap(directory.path), (error: Error) => error.message.includes(join(directory.path, 'rdap-ipv4.json')));
  } finally {
    directory.dispose();
  }
});
