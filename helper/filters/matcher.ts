// Runs one filter over one stream of lines: cheap prefix parse, program dispatch, literal prefilter,
// then at most a few anchored regexes, and the per-connection bookkeeping that makes one failed
// attempt logged on several lines count once.
import { canonicalAddress } from '../core/address.js';
import { LogLine } from './log-line.js';
import { captureGroupCount, firstCharacters, literalPrefix, requiredLiteral } from './regex-source.js';
import { AddressLedger, hashText, SessionTable, type Session } from './sessions.js';
import type { CompiledPattern, FilterDefinition, FilterMatch, LineMatcher } from './types.js';

/** Longer lines are ignored whole: the line reader already drops anything over 64 KiB. */
export const MAX_LINE_CHARS = 64 * 1024;
/** A summary line ("auth failed, 3 attempts") never stands for more failures than this. */
export const MAX_ATTEMPTS_PER_LINE = 10;
/**
 * How far a summarised line's log time may lie outside its summary's "in N secs": whole-second
 * timestamps, a duration rounded down, and two processes writing to one log.
 */
export const SUMMARY_WINDOW_SLACK_MS = 2000;
const MAX_CACHED_PROGRAMS = 1024;
/** Size of one generation of the address cache (two generations: recently used entries survive a turnover). */
const ADDRESS_CACHE_GENERATION = 8192;
/** Every line without a match returns this one frozen array: no allocation for the common case. */
const NO_MATCHES = Object.freeze([]) as unknown as FilterMatch[];

export interface MatcherOptions {
  /** Service the matches are for (config service name): kept for messages and callers. */
  readonly service: string;
  /** Epoch ms that decides the year of timestamps without one: Date.now for live logs, the file's mtime for one-shot reads. */
  readonly yearReference: () => number;
}

/**
 * A number that stands for the exact text of a dotted quad written without leading zeros (so that
 * one number means one text), or -1 for anything else. Only a cache key: parseAddress still rules.
 */
function plainQuadKey(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code === 46) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + code - 48;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return value * 256 + part;
}

/** A copy of text that shares no memory with the string it was cut from (V8 keeps slices' parents alive). */
function detach(text: string): string {
  return (` ${text}`).slice(1);
}

/** text.startsWith(literal, position), as a loop the JIT inlines (the builtin call costs more on short literals). */
function startsAt(text: string, literal: string, position: number): boolean {
  const length = literal.length;
  if (position + length > text.length) return false;
  for (let index = 0; index < length; index++) {
    if (text.charCodeAt(position + index) !== literal.charCodeAt(index)) return false;
  }
  return true;
}

/** Literal text that every program name the regex accepts contains (its prefix, or a required run). */
function programLiteral(programs: RegExp): string {
  if (!programs.source.startsWith('^') || programs.flags.includes('i')) return '';
  const source = programs.source.slice(1);
  const prefix = literalPrefix(source);
  const required = requiredLiteral(source);
  return required.length > prefix.length ? required : prefix;
}

function attemptsOf(text: string | undefined): number {
  if (text === undefined) return 1;
  const value = Number.parseInt(text, 10);
  return Number.isFinite(value) ? Math.min(Math.max(value, 1), MAX_ATTEMPTS_PER_LINE) : 1;
}

/** A pattern as the dispatch loop sees it: ids let patterns that share a prefilter share its result. */
interface Candidate {
  readonly pattern: CompiledPattern;
  readonly literalId: number;
  readonly requiredId: number;
}

class FilterMatcher implements LineMatcher {
  lastPattern: string | null = null;
  lastLineFromService = false;
  readonly service: string;
  private readonly line: LogLine;
  /** Program name hash -> the name and whether the filter reads it. */
  private readonly programs = new Map<number, { readonly name: string; readonly accepted: boolean }>();
  /** Captured text -> canonical address (or null): attackers repeat themselves, parsing need not. */
  private recentAddresses = new Map<string | number, string | null>();
  private olderAddresses = new Map<string | number, string | null>();
  /** Candidate patterns by the first character of the subject (ASCII), in definition order. */
  private readonly byFirstCharacter: Candidate[][] = [];
  private readonly otherCharacters: Candidate[];
  private readonly sessions: SessionTable | null;
  /** Summarised lines without a connection key, by address (null unless a pattern is summarised). */
  private readonly ledger: AddressLedger | null;
  /** Latest log time seen: the age of connections is measured in log time, not wall time. */
  private clock = 0;
  private readonly leadCaptures: boolean;
  /** Which first characters the lead can consume; it matches empty elsewhere (when leadOptional). */
  private readonly leadStarts = new Uint8Array(128);
  private readonly leadStartsOther: boolean;
  private readonly leadOptional: boolean;
  /** Text every line of the filter's programs contains ("sshd"): other lines are dropped before parsing. */
  private readonly programLiteral: string;

  constructor(private readonly definition: FilterDefinition, options: MatcherOptions) {
    this.service = options.service;
    this.line = new LogLine(options.yearReference);
    const literalIds = new Map<string, number>();
    const idOf = (text: string): number => {
      if (!literalIds.has(text)) literalIds.set(text, literalIds.size);
      return literalIds.get(text)!;
    };
    const candidates = definition.patterns.map((pattern) => ({
      pattern,
      literalId: idOf(`L${pattern.literal}`),
      requiredId: idOf(`R${pattern.literal}\u0000${pattern.required}`),
      first: definition.subject === 'line' ? null : firstCharacters(pattern.regex.source),
    }));
    // A pattern that can match empty, or whose first character is unknown, is a candidate everywhere.
    const startsWith = (candidate: (typeof candidates)[number], code: number): boolean =>
      candidate.first === null || candidate.first.empty || (code < 128 ? candidate.first.ascii.has(code) : candidate.first.other);
    for (let code = 0; code < 128; code++) this.byFirstCharacter.push(candidates.filter((candidate) => startsWith(candidate, code)));
    this.otherCharacters = candidates.filter((candidate) => startsWith(candidate, 128));
    const lead = definition.lead;
    this.leadCaptures = lead !== null && captureGroupCount(lead) > 0;
    const leadFirst = lead === null ? null : firstCharacters(lead.source);
    this.leadOptional = leadFirst === null || leadFirst.empty;
    this.leadStartsOther = leadFirst === null || leadFirst.other;
    for (let code = 0; code < 128; code++) this.leadStarts[code] = leadFirst === null || leadFirst.ascii.has(code) ? 1 : 0;
    this.programLiteral = definition.programs !== null && !definition.untagged ? programLiteral(definition.programs) : '';
    const correlation = definition.correlation;
    this.sessions = correlation === null ? null : new SessionTable(correlation.maxSessions, correlation.maxAgeMs);
    this.ledger =
      correlation !== null && definition.patterns.some((pattern) => pattern.summarised)
        ? new AddressLedger(correlation.maxSessions, correlation.maxAgeMs)
        : null;
  }

  push(text: string, sourceTime?: number): FilterMatch[] {
    this.lastPattern = null;
    this.lastLineFromService = false;
    if (text.length > MAX_LINE_CHARS) return NO_MATCHES;
    if (this.programLiteral.length > 0 && text.indexOf(this.programLiteral) === -1) return NO_MATCHES;
    const definition = this.definition;
    const line = this.line;
    line.parse(text);
    let position = 0;
    if (definition.subject !== 'line') {
      if (line.programStart >= 0) {
        if (definition.programs !== null && !this.acceptsProgram(line)) return NO_MATCHES;
      } else if (!definition.untagged) return NO_MATCHES;
      position = definition.subject === 'message' ? line.messageStart : line.tagSubjectStart;
    }
    this.lastLineFromService = true;
    let lead: RegExpExecArray | null = null;
    const leadRegex = definition.lead;
    if (leadRegex !== null) {
      const first = text.charCodeAt(position);
      if (first < 128 ? this.leadStarts[first] === 1 : this.leadStartsOther) {
        leadRegex.lastIndex = position;
        // Only a lead that captures (apache's address) needs the match object; test() allocates nothing.
        if (this.leadCaptures) {
          lead = leadRegex.exec(text);
          if (lead === null) return NO_MATCHES;
        } else if (!leadRegex.test(text)) return NO_MATCHES;
        position = leadRegex.lastIndex;
      } else if (!this.leadOptional) return NO_MATCHES;
    }
    const code = text.charCodeAt(position);
    const candidates = code < 128 ? this.byFirstCharacter[code]! : this.otherCharacters;
    let checkedLiteral = -1;
    let literalOk = false;
    let checkedRequired = -1;
    let requiredOk = false;
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      const pattern = candidate.pattern;
      if (candidate.literalId !== checkedLiteral) {
        checkedLiteral = candidate.literalId;
        literalOk = startsAt(text, pattern.literal, position);
      }
      if (!literalOk) continue;
      if (candidate.requiredId !== checkedRequired) {
        checkedRequired = candidate.requiredId;
        requiredOk = pattern.required.length === 0 || text.indexOf(pattern.required, position + pattern.literal.length) !== -1;
      }
      if (!requiredOk) continue;
      if (pattern.maxLineLength !== null && text.length > pattern.maxLineLength) continue;
      if (this.settledWithoutRegex(pattern)) {
        this.lastPattern = pattern.name;
        return NO_MATCHES;
      }
      pattern.regex.lastIndex = position;
      const match = pattern.regex.exec(text);
      if (match === null) continue;
      this.lastPattern = pattern.name;
      return this.apply(pattern, match, lead, sourceTime);
    }
    return NO_MATCHES;
  }

  private acceptsProgram(line: LogLine): boolean {
    const cached = this.programs.get(line.programHash);
    if (cached !== undefined && cached.name.length === line.programEnd - line.programStart && line.text.startsWith(cached.name, line.programStart)) {
      return cached.accepted;
    }
    const name = line.program()!;
    const accepted = this.definition.programs!.test(name);
    if (this.programs.size >= MAX_CACHED_PROGRAMS) this.programs.clear();
    this.programs.set(line.programHash, { name, accepted });
    return accepted;
  }

  /** parseAddress's verdict on a capture, remembered: the cache key is the text itself, or for a plain dotted quad its number. */
  private canonical(text: string): string | null {
    const quad = plainQuadKey(text);
    let key: string | number = quad >= 0 ? quad : text;
    let address = this.recentAddresses.get(key);
    if (address !== undefined) return address;
    address = this.olderAddresses.get(key);
    if (address === undefined) address = canonicalAddress(text);
    if (this.recentAddresses.size >= ADDRESS_CACHE_GENERATION) {
      this.olderAddresses = this.recentAddresses;
      this.recentAddresses = new Map();
    }
    // A capture is a slice of the line, which is a slice of the whole block the reader decoded: a
    // long-lived key holds a copy of its own, so the cache does not keep those blocks alive.
    if (typeof key === 'string') key = detach(key);
    this.recentAddresses.set(key, address);
    return address;
  }

  /**
   * Lines that end a connection (disconnects, logins) only matter when the connection has failures
   * waiting for an address or a record of user names. Most belong to connections we know nothing
   * about: they are settled here without running their regex, which keeps busy servers cheap.
   * Returns true when the line is fully handled.
   */
  private settledWithoutRegex(pattern: CompiledPattern): boolean {
    if (!pattern.forget || (pattern.role !== 'hint' && pattern.role !== 'success')) return false;
    const sessions = this.sessions;
    if (sessions === null || this.definition.correlation!.by !== 'process') return false;
    const key = this.line.processKey();
    if (key === null) return true;
    // No age check here: a stale session costs one regex run, and get() drops it then.
    const session = sessions.peek(key, this.line.processOwner(), null);
    if (session === undefined) return true;
    // Without waiting failures (and, for a login, without earlier user names) the line only ends the connection.
    if (session.pendingCount === 0 && (pattern.role === 'hint' || session.userCount === 0)) {
      sessions.delete(session);
      return true;
    }
    return false;
  }

  private apply(pattern: CompiledPattern, match: RegExpExecArray, lead: RegExpExecArray | null, sourceTime: number | undefined): FilterMatch[] {
    const groups = pattern.groups;
    const leadGroups = this.definition.leadGroups;
    const addressText = groups.ip > 0 ? match[groups.ip] : lead !== null && leadGroups !== null && leadGroups.ip > 0 ? lead[leadGroups.ip] : undefined;
    const hostname = groups.hostname > 0 ? match[groups.hostname] : undefined;
    const correlation = this.definition.correlation;
    let address: string | null = null;
    // A failure's capture is checked at once: one that is not strictly an address (01.02.03.04,
    // 999.1.1.1) makes the line no match at all. Other lines only lend their address to a
    // connection, and it is checked when a failure needs it.
    if (addressText !== undefined && (pattern.role === 'failure' || correlation === null)) {
      address = this.canonical(addressText);
      if (address === null) return NO_MATCHES;
    } else if (addressText === undefined && hostname !== undefined && this.canonical(hostname) !== null) {
      return NO_MATCHES;
    }
    const lineTime = sourceTime ?? this.line.time();
    if (lineTime !== null && lineTime > this.clock) this.clock = lineTime;
    let key: number | null = null;
    let owner = 0;
    let sid: string | null = null;
    if (correlation !== null) {
      if (correlation.by === 'process') {
        key = this.line.processKey();
        owner = key === null ? 0 : this.line.processOwner();
      } else if (groups.sid > 0 && match[groups.sid]) {
        sid = match[groups.sid]!;
        key = hashText(sid);
      }
    }
    const attempts = groups.attempts > 0 ? match[groups.attempts] : undefined;
    const duration = groups.duration > 0 ? match[groups.duration] : undefined;
    if (key === null) {
      if (pattern.role !== 'failure' || address === null) return NO_MATCHES;
      let count = attemptsOf(attempts);
      if (this.ledger !== null) {
        const now = lineTime ?? this.clock;
        if (pattern.summarised) for (let index = 0; index < count; index++) this.ledger.add(address, now);
        else if (pattern.summary) count -= this.absorbed(address, count, duration, now);
        if (count === 0) return NO_MATCHES;
      }
      return this.emit(address, lineTime, pattern.name, pattern.eventType, count, []);
    }
    const user = (groups.user > 0 ? match[groups.user] : undefined) || (groups.altUser > 0 ? match[groups.altUser] : undefined) || '';
    return this.correlate(key, owner, sid, pattern, user, attempts, duration, address, addressText, lineTime);
  }

  /**
   * How many of a summary's attempts were counted already from summarised lines of its address
   * without a connection key (dovecot's auth process writing no session id), logged while the
   * connection lasted (its duration group, else max_age_seconds). Those lines are spent: each one
   * absorbs at most one attempt of one summary. A summary thus never counts less than its attempts
   * minus lines that were counted at once for the same address, so together the two views count at
   * least as much as the larger of them.
   */
  private absorbed(address: string, count: number, duration: string | undefined, now: number): number {
    const ledger = this.ledger;
    if (ledger === null || count <= 0) return 0;
    const maxAge = this.definition.correlation!.maxAgeMs;
    const seconds = duration === undefined ? Number.NaN : Number(duration);
    const window = Number.isFinite(seconds) ? Math.min(seconds * 1000 + SUMMARY_WINDOW_SLACK_MS, maxAge) : maxAge;
    return ledger.take(address, count, now - window, now + SUMMARY_WINDOW_SLACK_MS);
  }

  private correlate(
    key: number,
    owner: number,
    sid: string | null,
    pattern: CompiledPattern,
    user: string,
    attempts: string | undefined,
    duration: string | undefined,
    address: string | null,
    addressText: string | undefined,
    time: number | null,
  ): FilterMatch[] {
    const sessions = this.sessions!;
    const now = time ?? this.clock;
    let session: Session | undefined;
    if (pattern.role === 'start') session = sessions.create(key, owner, sid, now);
    else {
      session = sessions.get(key, owner, sid, now);
      // One connection has one peer: a different address means the process id was reused.
      if (session !== undefined && addressText !== undefined && this.otherPeer(session, addressText)) session = undefined;
      if (session === undefined) {
        if (pattern.forget && pattern.role !== 'failure') return NO_MATCHES;
        session = sessions.create(key, owner, sid, now);
      }
    }
    if (address !== null) {
      session.address = address;
      session.addressText = null;
    } else if (addressText !== undefined) {
      session.address = null;
      session.addressText = addressText;
    }
    let count = 0;
    switch (pattern.role) {
      case 'prelude': {
        // pam_unix logs before sshd's own "Failed password": alone it is the same attempt, but a
        // second user name on one connection is guessing and counts at once.
        const revealsSecondUser = session.addUser(user) && session.userCount >= 2;
        if (revealsSecondUser) count = 1;
        if (session.announcedUser === null || (user !== '' && session.announcedUser !== user)) {
          session.announcedUser = user;
          session.announcedCounted = revealsSecondUser;
        }
        break;
      }
      case 'failure': {
        session.addUser(user);
        count = attemptsOf(attempts);
        const announced = session.announcedUser;
        if (pattern.outcome && announced !== null && (announced === '' || announced === user)) {
          if (session.announcedCounted) count = 0;
          session.announcedUser = null;
        }
        if (pattern.summary) {
          count = Math.max(0, count - session.counted - session.pendingCount);
          const known = address ?? this.sessionAddress(session);
          if (known !== null) count -= this.absorbed(known, count, duration, now);
        }
        if (pattern.announce) {
          session.announcedUser = user;
          session.announcedCounted = count > 0;
        }
        break;
      }
      case 'success':
        // A login after failures for other user names on the same connection: a guess that worked.
        session.addUser(user);
        if (session.userCount >= 2) count = 1;
        break;
      default:
        session.addUser(user);
    }
    let results = NO_MATCHES;
    const pending = session.pending;
    if (count > 0 || pending !== null) {
      const known = this.sessionAddress(session);
      if (known !== null) {
        results = [];
        if (pending !== null) {
          for (const failure of pending) results.push({ address: known, time, pattern: failure.pattern, eventType: failure.eventType });
          session.counted += pending.length;
          session.pending = null;
        }
        if (count > 0) {
          results = this.emit(known, time, pattern.name, pattern.eventType, count, results);
          session.counted += count;
        }
      } else {
        for (let index = 0; index < count; index++) session.addPending({ pattern: pattern.name, eventType: pattern.eventType });
      }
    }
    if (pattern.forget) sessions.delete(session);
    return results;
  }

  private otherPeer(session: Session, addressText: string): boolean {
    const known = session.addressText ?? session.address;
    if (known === null || known === addressText) return false;
    const canonical = this.canonical(addressText);
    return canonical !== null && canonical !== this.sessionAddress(session);
  }

  /** The connection's address, validated on first use (null when unknown or not an address). */
  private sessionAddress(session: Session): string | null {
    if (session.address === null && session.addressText !== null) {
      session.address = this.canonical(session.addressText);
      session.addressText = null;
    }
    return session.address;
  }

  private emit(address: string, time: number | null, pattern: string, eventType: string, count: number, into: FilterMatch[]): FilterMatch[] {
    for (let index = 0; index < count; index++) into.push({ address, time, pattern, eventType });
    return into;
  }
}

/** A stateful matcher for one stream of lines (one file or one journal unit). */
export function createMatcher(definition: FilterDefinition, options: MatcherOptions): LineMatcher {
  return new FilterMatcher(definition, options);
}
