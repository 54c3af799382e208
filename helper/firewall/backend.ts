// The verbs every firewall backend offers (as in sshguard: init, block, release, flush, close).

export interface BlockRequest {
  readonly address: string;
  readonly family: 4 | 6;
  /** Seconds left; 0 = permanent. */
  readonly seconds: number;
}

export interface FirewallBackend {
  readonly name: string;
  /** Creates what the backend owns (table, sets, rules); idempotent. */
  init(): Promise<void>;
  /** Blocks addresses in one transaction. */
  block(requests: readonly BlockRequest[]): Promise<void>;
  release(addresses: readonly { address: string; family: 4 | 6 }[]): Promise<void>;
  /** Removes every block this backend holds. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
