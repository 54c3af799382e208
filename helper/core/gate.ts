// The last word before a ban: loopback, the host's own addresses and every whitelist source are never banned.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Config } from '../config/types.js';
import { isLoopback, isUnspecified, networkContains, parseAddress, parseNetwork, type Network } from './address.js';

export interface LabelledNetwork {
  readonly network: Network;
  /** Where the entry comes from, for messages: "config whitelist", "zone internal", "database", a file path. */
  readonly origin: string;
}

/** Why an address must not be banned, or null when it may be. */
export type GateVerdict = string | null;

export class Gate {
  private hostAddresses = new Set<string>();
  private readonly configured: readonly LabelledNetwork[];
  private database: readonly LabelledNetwork[] = [];

  constructor(options: { readonly networks?: readonly LabelledNetwork[]; readonly hostAddresses?: Iterable<string> } = {}) {
    this.configured = options.networks ?? [];
    if (options.hostAddresses) this.setHostAddresses(options.hostAddresses);
  }

  setHostAddresses(addresses: Iterable<string>): void {
    const canonical = new Set<string>();
    for (const text of addresses) {
      const address = parseAddress(text);
      if (address) canonical.add(address.text);
    }
    this.hostAddresses = canonical;
  }

  setDatabaseNetworks(networks: readonly LabelledNetwork[]): void {
    this.database = networks;
  }

  /** Null when the address may be banned; otherwise the reason it never is. */
  check(text: string): GateVerdict {
    const address = parseAddress(text);
    if (address === null) return `not a valid address: ${JSON.stringify(text)}`;
    if (isLoopback(address)) return 'loopback';
    if (isUnspecified(address)) return 'unspecified address';
    if (this.hostAddresses.has(address.text)) return "this host's own address";
    for (const list of [this.configured, this.database]) {
      for (const entry of list) {
        if (networkContains(entry.network, address)) return `whitelisted by ${entry.network.text} (${entry.origin})`;
      }
    }
    return null;
  }
}

/** The addresses of this host's interfaces, as the kernel reports them now. */
export function localInterfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry !== undefined)
    .map((entry) => entry.address.replace(/%.*$/, ''));
}

/**
 * Whitelisted networks named by the config: [[whitelist.sources]] of type networks and file, and
 * zones that are implicitly whitelisted. Database entries are loaded by the daemon from the store.
 * A whitelist file holds one address or CIDR per line; # starts a comment. Bad lines are reported
 * through `warn` with file and line number, and skipped.
 */
export function configuredWhitelist(config: Config, warn: (message: string) => void): LabelledNetwork[] {
  if (!config.whitelist.enabled) return [];
  const result: LabelledNetwork[] = [];
  const add = (text: string, origin: string): boolean => {
    const network = parseNetwork(text);
    if (network === null) return false;
    result.push({ network, origin });
    return true;
  };
  for (const source of config.whitelist.sources) {
    if (source.type === 'networks') {
      for (const text of source.networks) add(text, 'config whitelist');
    } else if (source.type === 'zones' && config.zones.enabled) {
      for (const zone of config.zones.zones) {
        // The config resolves implicit_whitelist (default: trust_level >= whitelist_threshold); an explicit value wins.
        if (!zone.implicitWhitelist) continue;
        for (const text of zone.networks) add(text, `zone ${zone.name}`);
      }
    } else if (source.type === 'file') {
      let content: string;
      try {
        content = readFileSync(source.path, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') warn(`whitelist file ${source.path}: cannot read it (${code ?? String(error)})`);
        continue;
      }
      content.split('\n').forEach((rawLine, index) => {
        const line = rawLine.replace(/#.*/, '').trim();
        if (line === '') return;
        if (!add(line, source.path)) warn(`whitelist file ${source.path}:${index + 1}: not an address or CIDR: ${JSON.stringify(line)}`);
      });
    }
  }
  return result;
}
