import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddress } from '../../../helper/core/address.js';
import { addressScope, type AddressScope } from '../../../helper/intel/scope.js';

function scopeOf(text: string): AddressScope {
  const address = parseAddress(text);
  assert.ok(address !== null, `${text} parses`);
  return addressScope(address);
}

/** Asserts every address of the table has its scope, naming the address that does not. */
function assertScopes(table: readonly (readonly [string, AddressScope])[]): void {
  for (const [text, expected] of table) assert.equal(scopeOf(text), expected, text);
}

test('the IPv4 private ranges of RFC 1918 are private, and the addresses beside them are public', () => {
  assertScopes([
    ['9.255.255.255', 'public'],
    ['10.0.0.0', 'private'],
    ['10.20.30.40', 'private'],
    ['10.255.255.255', 'private'],
    ['11.0.0.0', 'public'],
    ['172.15.255.255', 'public'],
    ['172.16.0.0', 'private'],
    ['172.20.1.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', 'public'],
    ['192.167.255.255', 'public'],
    ['192.168.0.0', 'private'],
    ['192.168.1.10', 'private'],
    ['192.168.255.255', 'private'],
    ['192.169.0.0', 'public'],
  ]);
});

test('IPv4 loopback, link-local and carrier-grade NAT shared space are told apart', () => {
  assertScopes([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.255', 'loopback'],
    ['126.255.255.255', 'public'],
    ['128.0.0.0', 'public'],
    ['169.254.0.0', 'link-local'],
    ['169.254.169.254', 'link-local'],
    ['169.254.255.255', 'link-local'],
    ['169.253.255.255', 'public'],
    ['169.255.0.0', 'public'],
    ['100.63.255.255', 'public'],
    ['100.64.0.0', 'shared'],
    ['100.100.100.100', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.0', 'public'],
  ]);
});

test('the three IPv4 documentation networks are documentation, their neighbours are public', () => {
  assertScopes([
    ['192.0.2.0', 'documentation'],
    ['192.0.2.1', 'documentation'],
    ['192.0.2.255', 'documentation'],
    ['192.0.3.0', 'public'],
    ['198.51.99.255', 'public'],
    ['198.51.100.0', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['198.51.100.255', 'documentation'],
    ['198.51.101.0', 'public'],
    ['203.0.112.255', 'public'],
    ['203.0.113.0', 'documentation'],
    ['203.0.113.200', 'documentation'],
    ['203.0.113.255', 'documentation'],
    ['203.0.114.0', 'public'],
  ]);
});

test('IPv4 multicast, benchmarking, "this network" and the reserved ranges are not public', () => {
  assertScopes([
    ['223.255.255.255', 'public'],
    ['224.0.0.0', 'multicast'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['240.0.0.0', 'reserved'],
    ['250.1.2.3', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['198.17.255.255', 'public'],
    ['198.18.0.0', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.20.0.0', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.255.255.255', 'unspecified'],
    ['1.0.0.0', 'public'],
    ['192.0.0.8', 'reserved'],
    ['192.0.1.0', 'public'],
  ]);
});

test('well-known public IPv4 addresses are public', () => {
  assertScopes([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['193.0.6.139', 'public'],
    ['81.2.69.142', 'public'],
    ['118.25.6.39', 'public'],
  ]);
});

test('IPv6 unspecified, loopback, link-local, unique-local and site-local addresses are not public', () => {
  assertScopes([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::2', 'reserved'],
    ['fe80::1', 'link-local'],
    ['fe80::1234:5678:9abc:def0', 'link-local'],
    ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'link-local'],
    ['fec0::1', 'reserved'],
    ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
    ['fc00::', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'private'],
    ['64:ff9b:1::1', 'private'],
  ]);
});

test('the IPv6 documentation prefixes 2001:db8::/32 and 3fff::/20 are documentation, their neighbours public', () => {
  assertScopes([
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
    ['2001:db8::', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation'],
    ['2001:db9::', 'public'],
    ['3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
    ['3fff::', 'documentation'],
    ['3fff::1', 'documentation'],
    ['3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation'],
    ['3fff:1000::', 'public'],
  ]);
});

test('IPv6 multicast, benchmarking and the discard prefix are not public', () => {
  assertScopes([
    ['ff00::', 'multicast'],
    ['ff02::1', 'multicast'],
    ['ff05::1:3', 'multicast'],
    ['2001:1:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
    ['2001:2::', 'benchmarking'],
    ['2001:2:0:ffff:ffff:ffff:ffff:ffff', 'benchmarking'],
    ['2001:2:1::', 'public'],
    ['100::', 'reserved'],
    ['100::ffff:ffff:ffff:ffff', 'reserved'],
  ]);
});

test('IPv6 addresses outside 2000::/3 are reserved, since nothing there is allocated to networks', () => {
  assertScopes([
    ['1::1', 'reserved'],
    ['1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
    ['2000::', 'public'],
    ['3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
    ['4000::', 'reserved'],
    ['8000::1', 'reserved'],
    ['e000::1', 'reserved'],
  ]);
});

test('well-known public IPv6 addresses are public', () => {
  assertScopes([
    ['2001:4860:4860::8888', 'public'],
    ['2a00:1450:4001::1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:67c:2e8:22::c100:68b', 'public'],
  ]);
});

test('IPv4-mapped IPv6 addresses take the scope of the IPv4 address they carry', () => {
  assertScopes([
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:192.0.2.1', 'documentation'],
    ['::ffff:8.8.8.8', 'public'],
    ['::ffff:c0a8:101', 'private'],
  ]);
});
