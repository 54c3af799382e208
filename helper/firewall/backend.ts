// The verbs every firewall backend offers (as in sshguard: init, block, release, flush, close),
// plus what the helper needs to reconcile the kernel with its database after a restart.
import type { Network } from '../core/address.js';

export interface BlockRequest {
  readonly address: string;
  readonly family: 4 | 6;
  /** Seconds left; 0 = permanent. */
  readonly seconds: number;
}

export interface BlockedEntry {
  readonly address: string;
  readonly family: 4 | 6;
  /** Seconds left as the kernel reports them; 0 = permanent (no timeout). */
  readonly seconds: number;
}

export interface FirewallBackend {
  readonly name: string;
  /** Creates what the backend owns (table, sets, chains, rules); idempotent, keeps existing blocks. */
  init(): Promise<void>;
  /** Blocks addresses in one transaction; an address already blocked gets the new timeout. */
  block(requests: readonly BlockRequest[]): Promise<void>;
  /** Unblocks addresses in one transaction; an address that is not blocked is not an error. */
  release(addresses: readonly { address: string; family: 4 | 6 }[]): Promise<void>;
  /** What is blocked now: the start-up reconciliation compares it with the database. */
  list(): Promise<BlockedEntry[]>;
  /** Replaces the networks accepted ahead of every block (the whitelist). */
  allow(networks: readonly Network[]): Promise<void>;
  /** Removes every block this backend holds. */
  flush(): Promise<void>;
  /** Releases processes and descriptors; blocks stay in the kernel. */
  close(): Promise<void>;
}

/** A firewall command failed: carries the command (or batch) and the tool's own message. */
export class FirewallError extends Error {
  override readonly name = 'FirewallError';

  constructor(readonly command: string, readonly output: string, readonly code: string | number | null = null) {
    super(`${command.length > 300 ? `${command.slice(0, 300)}...` : command}: ${output.trim() || `failed (${code ?? 'no status'})`}`);
  }
}
