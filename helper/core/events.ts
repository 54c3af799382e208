// The values that flow through the pipeline: sources -> filters -> detector -> gate -> firewall/store.

/** One complete line read by a source. */
export interface SourceLine {
  /** The service whose source read it (config service name). */
  readonly service: string;
  /** File path, or "journal:<unit>" for journald entries. */
  readonly origin: string;
  readonly text: string;
  /** Epoch milliseconds when the source itself knows the time (journald); otherwise the filter parses it. */
  readonly time?: number;
}

/** One failed attempt, as a filter recognised it. */
export interface Failure {
  readonly service: string;
  /** Canonical address (see core/address.ts). */
  readonly address: string;
  /** Epoch milliseconds from the log line itself; the reader's clock only when the line carries none. */
  readonly time: number;
  /** Name of the filter pattern that matched. */
  readonly pattern: string;
  /** e.g. failed_auth, invalid_user, rate_limit. */
  readonly eventType: string;
}

/** What the detector decided for one address. */
export interface BanDecision {
  readonly service: string;
  readonly address: string;
  /** Failures inside the window that led to the ban. */
  readonly failures: number;
  /** Seconds; 0 means permanent. */
  readonly banTime: number;
  /** Epoch milliseconds of the failure that crossed the threshold (log time). */
  readonly time: number;
  /** Bans this address had before this one (drives longer bans for repeat offenders). */
  readonly previousBans: number;
  readonly pattern: string;
}
