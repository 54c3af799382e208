import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopback, networkContains, parseAddress, parseNetwork } from '../../../helper/core/address.js';

test('dotted quads are accepted and kept as written', () => {
  assert.deepEqual(parseAddress('203.0.113.7')?.text, '203.0.113.7');
  assert.equal(parseAddress('0.0.0.0')?.family, 4);
});

test('malformed IPv4 addresses are refused', () => {
  for (const text of ['999.1.1.1', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4\n', '']) {
    assert.equal(parseAddress(text), null, text);
  }
});

test('leading zeros are refused because inet_aton would read them as octal', () => {
  assert.equal(parseAddress('01.02.03.04'), null);
  assert.equal(parseAddress('192.030.0.6'), null);
});

test('IPv6 addresses are written in RFC 5952 canonical form', () => {
  assert.equal(parseAddress('2001:DB8:0:0:0:0:0:1')?.text, '2001:db8::1');
  assert.equal(parseAddress('2001:db8:0:0:1:0:0:1')?.text, '2001:db8::1:0:0:1');
  assert.equal(parseAddress('2001:0db8:0000:0000:0000:ff00:0042:8329')?.text, '2001:db8::ff00:42:8329');
  assert.equal(parseAddress('1:0:0:2:0:0:0:3')?.text, '1:0:0:2::3');
  assert.equal(parseAddress('::')?.text, '::');
  assert.equal(parseAddress('1:2:3:4:5:6:7:8')?.text, '1:2:3:4:5:6:7:8');
});

test('IPv4-mapped IPv6 addresses are folded to IPv4', () => {
  assert.deepEqual(parseAddress('::ffff:198.51.100.4')?.text, '198.51.100.4');
  assert.deepEqual(parseAddress('::FFFF:c633:6404')?.text, '198.51.100.4');
  assert.equal(parseAddress('::ffff:198.51.100.4')?.family, 4);
});

test('malformed IPv6 addresses and zone ids are refused', () => {
  for (const text of ['1::2::3', ':::', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '12345::1', 'g::1', '1:2:3:4:5:6:7:1.2.3.4', '::ffff:1.2.3']) {
    assert.equal(parseAddress(text), null, text);
  }
});

test('networks are normalised with host bits cleared', () => {
  assert.equal(parseNetwork('10.1.2.3/8')?.text, '10.0.0.0/8');
  assert.equal(parseNetwork('2001:db8::1/32')?.text, '2001:db8::/32');
  assert.equal(parseNetwork('198.51.100.4')?.text, '198.51.100.4/32');
  assert.equal(parseNetwork('::ffff:10.0.0.0/104')?.text, '10.0.0.0/8');
  for (const text of ['10.0.0.0/33', '10.0.0.0/08', '10.0.0.0/', '::/129', 'nonsense/8']) assert.equal(parseNetwork(text), null, text);
});

test('network membership compares the prefix bits of the same family', () => {
  const network = parseNetwork('192.168.0.0/17')!;
  assert.equal(networkContains(network, parseAddress('192.168.127.255')!), true);
  assert.equal(networkContains(network, parseAddress('192.168.128.0')!), false);
  assert.equal(networkContains(parseNetwork('::/0')!, parseAddress('1.2.3.4')!), false);
  assert.equal(networkContains(parseNetwork('0.0.0.0/0')!, parseAddress('1.2.3.4')!), true);
});

test('loopback covers 127.0.0.0/8, ::1 and mapped loopback', () => {
  assert.equal(isLoopback(parseAddress('127.8.9.10')!), true);
  assert.equal(isLoopback(parseAddress('::1')!), true);
  assert.equal(isLoopback(parseAddress('::ffff:127.0.0.1')!), true);
  assert.equal(isLoopback(parseAddress('::2')!), false);
});
