// The shapes shared by the filter compiler, the matcher and their callers.

/**
 * What a recognised line means for the connection it belongs to (see conf/filters/ssh.toml):
 * failure counts; prelude counts only when it reveals a second user name; hint never counts but
 * tells the address; start is a hint that opens a new connection; success counts only after
 * failures for other user names.
 */
export type PatternRole = 'failure' | 'prelude' | 'hint' | 'start' | 'success';

export interface CompiledPattern {
  readonly name: string;
  readonly eventType: string;
  readonly role: PatternRole;
  /** The regex as written (macros and all), for messages and tools. */
  readonly source: string;
  /** Compiled: sticky and anchored where the message starts for built-ins; a search for user patterns. */
  readonly regex: RegExp;
  /** Text every match starts with (may be empty): checked with startsWith before the regex runs. */
  readonly literal: string;
  /** Text every match holds after the prefix (may be empty): checked with indexOf before the regex runs. */
  readonly required: string;
  /** Where the groups the matcher reads are (regexes run with numbered groups; 0 = absent). */
  readonly groups: GroupIndexes;
  readonly forget: boolean;
  readonly announce: boolean;
  readonly outcome: boolean;
  readonly summary: boolean;
  /**
   * A summary line of another process counts this attempt again (dovecot's auth process line and the
   * login process's "auth failed, N attempts"). Without a connection key to share, the line is kept
   * by address, and a later summary line of that address counts only the attempts beyond it.
   */
  readonly summarised: boolean;
  /** Lines longer than this are not tried against the pattern (super-linear user regexes); null = no limit. */
  readonly maxLineLength: number | null;
}

/** Capture group numbers of the named groups the matcher uses; 0 when the regex has none. */
export interface GroupIndexes {
  /** The address; for user patterns without (?<ip>) this is group 1. */
  readonly ip: number;
  /** A DNS name where the daemon wrote one instead of an address (never resolved). */
  readonly hostname: number;
  readonly user: number;
  /** Used as the user when user is absent or empty (e.g. pam's ruser). */
  readonly altUser: number;
  /** How many attempts the line stands for. */
  readonly attempts: number;
  /** Session id, for correlation by session_id. */
  readonly sid: number;
  /** Seconds the connection lasted (a summary's "in 9 secs"): how far back its attempts can lie. */
  readonly duration: number;
}

/** The named groups the matcher reads, by their regex names. */
export const GROUP_NAMES = { ip: 'ip', hostname: 'hostname', user: 'user', altUser: 'alt_user', attempts: 'attempts', sid: 'sid', duration: 'duration' } as const;

export interface CorrelationOptions {
  /** process: host + program + pid name one connection; session_id: the pattern's sid group does. */
  readonly by: 'process' | 'session_id';
  readonly maxSessions: number;
  /** Log time after which an idle connection is forgotten. */
  readonly maxAgeMs: number;
}

export interface FilterDefinition {
  /** Built-in filter name, or the service name for user patterns. */
  readonly name: string;
  readonly description: string;
  /** File the filter came from, or a description such as "config of service web". */
  readonly origin: string;
  /** Lines whose syslog program does not match are skipped; null accepts every program. */
  readonly programs: RegExp | null;
  /** Whether lines without a syslog tag (the daemon's own log file) are read. */
  readonly untagged: boolean;
  /** Where patterns start: after "prog[pid]: ", at the tag, or (user patterns) anywhere in the line. */
  readonly subject: 'message' | 'tag' | 'line';
  /** Sticky regex for text the patterns start after (log levels, headers); null when none. */
  readonly lead: RegExp | null;
  /** Groups of the lead (apache's lead holds the address). */
  readonly leadGroups: GroupIndexes | null;
  readonly correlation: CorrelationOptions | null;
  readonly patterns: readonly CompiledPattern[];
}

/** One failed attempt found in a line. */
export interface FilterMatch {
  /** Canonical address (core/address.ts). */
  readonly address: string;
  /** Epoch ms: the source's time when given, else the line's own; null when neither exists. */
  readonly time: number | null;
  readonly pattern: string;
  readonly eventType: string;
}

export interface LineMatcher {
  /** Feeds one line; returns the failures it completes (usually none or one). Read-only: lines without a match share one frozen empty array. */
  push(text: string, sourceTime?: number): FilterMatch[];
  /** Pattern that recognised the last line (hints included), or null: for tools and tests. */
  readonly lastPattern: string | null;
  /** Whether the last line came from the filter's programs (or its own log format). */
  readonly lastLineFromService: boolean;
}

export interface FilterErrorContext {
  /** The filter file, or the configuration that held the patterns. */
  readonly origin: string;
  readonly pattern?: string;
}

/** A filter that cannot be used: names the file (or config), the pattern and the problem. */
export class FilterError extends Error {
  readonly origin: string;
  readonly pattern: string | null;

  constructor(problem: string, context: FilterErrorContext) {
    const where = context.pattern === undefined ? context.origin : `${context.origin}: pattern "${context.pattern}"`;
    super(`${where}: ${problem}`);
    this.name = 'FilterError';
    this.origin = context.origin;
    this.pattern = context.pattern ?? null;
  }
}
