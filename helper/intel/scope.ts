// Which addresses are not on the public internet: these are answered locally, with no network call,
// because no registry, resolver or reputation service knows anything useful about them and asking
// would leak the admin's internal addressing to third parties.
import { parseNetwork, networkContains, type Address, type Network } from '../core/address.js';

export type AddressScope =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'shared'
  | 'documentation'
  | 'benchmarking'
  | 'multicast'
  | 'unspecified'
  | 'reserved';

/** IANA special-purpose registries (RFC 6890 and successors), the ranges an admin can meet in a log. */
const SPECIAL_RANGES: readonly (readonly [string, AddressScope])[] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'private'],
  ['100::/64', 'reserved'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'reserved'],
  ['ff00::/8', 'multicast'],
];

const NETWORKS: readonly (readonly [Network, AddressScope])[] = SPECIAL_RANGES.map(([text, scope]) => [parseNetwork(text)!, scope]);

/** 'public' for an address on the internet; otherwise the special range it lies in. */
export function addressScope(address: Address): AddressScope {
  for (const [network, scope] of NETWORKS) if (networkContains(network, address)) return scope;
  // Outside 2000::/3 nothing is allocated to networks on the internet.
  if (address.family === 6 && (address.bytes[0]! & 0xe0) !== 0x20) return 'reserved';
  return 'public';
}
