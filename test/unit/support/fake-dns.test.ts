import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { promises as dns } from 'node:dns';
import { after, before, test } from 'node:test';
import { reverseName, startFakeDns, type FakeDns } from '../../support/fake-dns.js';

let fake: FakeDns;

before(async () => {
  fake = await startFakeDns({
    ptr: {
      [reverseName('198.51.100.7')]: ['scanner.example.net'],
      [reverseName('2001:db8::7')]: ['scanner6.example.net'],
    },
    a: { 'Scanner.Example.NET': ['198.51.100.7', '198.51.100.8'] },
    aaaa: { 'scanner6.example.net': ['2001:db8::7'] },
  });
});

after(() => fake.close());

function resolver(timeout = 1000): dns.Resolver {
  const resolver = new dns.Resolver({ timeout, tries: 1 });
  resolver.setServers([fake.server]);
  return resolver;
}

test('reverseName spells both families the way resolvers ask for them', () => {
  assert.equal(reverseName('1.2.3.4'), '4.3.2.1.in-addr.arpa');
  assert.equal(reverseName('2001:db8::1'), `1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
  assert.equal(reverseName('::ffff:192.0.2.1'), reverseName('0:0:0:0:0:ffff:c000:201'));
});

test('node:dns reverse() gets the PTR names for IPv4 and IPv6', async () => {
  assert.equal(fake.server, `127.0.0.1:${fake.port}`);
  assert.deepEqual(await resolver().reverse('198.51.100.7'), ['scanner.example.net']);
  assert.deepEqual(await resolver().reverse('2001:db8::7'), ['scanner6.example.net']);
  assert.ok(fake.queries.some((query) => query.name === '7.100.51.198.in-addr.arpa' && query.type === 12));
});

test('resolve4 and resolve6 answer from the table, names compared without case', async () => {
  assert.deepEqual((await resolver().resolve4('scanner.example.net')).sort(), ['198.51.100.7', '198.51.100.8']);
  assert.deepEqual(await resolver().resolve6('SCANNER6.example.net'), ['2001:db8::7']);
});

test('an unknown name is NXDOMAIN, a known name without that type is NODATA', async () => {
  await assert.rejects(resolver().reverse('198.51.100.99'), { code: 'ENOTFOUND' });
  await assert.rejects(resolver().resolve6('scanner.example.net'), { code: 'ENODATA' });
});

test('setRecords replaces the table', async () => {
  fake.setRecords({ ptr: { [reverseName('198.51.100.99')]: ['late.example.net'] } });
  try {
    assert.deepEqual(await resolver().reverse('198.51.100.99'), ['late.example.net']);
    await assert.rejects(resolver().reverse('198.51.100.7'), { code: 'ENOTFOUND' });
  } finally {
    fake.setRecords({ ptr: { [reverseName('198.51.100.7')]: ['scanner.example.net'] } });
  }
});

test('while hanging, the question is recorded but the resolver times out', async () => {
  fake.hang = true;
  const before = fake.queries.length;
  try {
    await assert.rejects(resolver(150).resolvePtr(reverseName('198.51.100.7')), { code: 'ETIMEOUT' });
    await assert.rejects(resolver(150).resolve4('scanner.example.net'), { code: 'ETIMEOUT' });
    // c-ares's getHostByAddr, behind reverse(), turns a silent server into ENOTFOUND, never ETIMEOUT:
    // callers that must tell "no PTR" from "no answer" need resolvePtr(reverseName(ip)).
    await assert.rejects(resolver(150).reverse('198.51.100.7'), { code: 'ENOTFOUND' });
    assert.ok(fake.queries.length >= before + 3);
  } finally {
    fake.hang = false;
  }
});

test('a query whose second question is a compression pointer is parsed, and the first answered', async () => {
  const name = Buffer.from('\x017\x03100\x0251\x03198\x07in-addr\x04arpa\x00', 'latin1');
  const header = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0]);
  // Question 2 is "www" followed by a pointer to question 1's name at offset 12.
  const query = Buffer.concat([header, name, Buffer.from([0, 12, 0, 1]), Buffer.from('\x03www', 'latin1'), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
  const client = createSocket('udp4');
  const reply = await new Promise<Buffer>((resolve, reject) => {
    client.once('message', resolve);
    client.once('error', reject);
    client.send(query, fake.port, fake.address);
  });
  client.close();
  assert.equal(reply.readUInt16BE(0), 0x1234);
  const flags = reply.readUInt16BE(2);
  assert.equal(flags & 0x8000, 0x8000, 'QR');
  assert.equal(flags & 0x0400, 0x0400, 'AA');
  assert.equal(flags & 0x0100, 0x0100, 'RD copied');
  assert.equal(flags & 0x0080, 0x0080, 'RA');
  assert.equal(flags & 0x000f, 0, 'NOERROR');
  assert.equal(reply.readUInt16BE(4), 1, 'one question echoed');
  assert.equal(reply.readUInt16BE(6), 1, 'one answer');
  assert.deepEqual(fake.queries.slice(-2), [
    { name: '7.100.51.198.in-addr.arpa', type: 12 },
    { name: 'www.7.100.51.198.in-addr.arpa', type: 1 },
  ]);
});
