// Measures the built-in filters against third-party annotated samples (the shared corpus, read at run time).
//
// Each corpus filter is replayed in its own order (seq) through one matcher, as a log file would
// be, and every expectation that holds in the filter's plain mode is checked: the line matches or
// not, and the captured address equals the expected one after canonicalisation. Cases we miss on
// purpose are listed below with the reason; anything else missed is a regression.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalAddress } from '../../helper/core/address.js';
import { createMatcher, loadBuiltinFilter, type FilterMatch } from '../../helper/filters/index.js';

/** fail2ban's test clock (2005-08-14 10:00 UTC): the year reference its expected times assume. */
export const CORPUS_YEAR_REFERENCE = Date.UTC(2005, 7, 14, 10, 0, 0);

export interface CorpusCase {
  readonly line: string;
  readonly expect_match: boolean;
  readonly expect_ip: string | null;
  readonly expect_host?: string | null;
  readonly expect_time?: string | null;
  readonly applies_default: boolean;
  readonly variants?: readonly string[];
  readonly stateful?: boolean;
  readonly seq: number;
}

export interface Suite {
  /** File name in cases/ (without .jsonl). */
  readonly corpus: string;
  /** Our built-in filter, or null when the corpus filter is out of our scope. */
  readonly filter: string | null;
  /** Which cases count, and why (shown in the report). */
  readonly selection: string;
  readonly selects: (entry: CorpusCase) => boolean;
}

const plainMode = (entry: CorpusCase): boolean => entry.applies_default;

export const SUITES: readonly Suite[] = [
  { corpus: 'sshd', filter: 'ssh', selection: 'default mode', selects: plainMode },
  { corpus: 'nginx-http-auth', filter: 'nginx', selection: 'default mode', selects: plainMode },
  { corpus: 'nginx-limit-req', filter: 'nginx', selection: 'default mode', selects: plainMode },
  { corpus: 'apache-auth', filter: 'apache', selection: 'default mode', selects: plainMode },
  { corpus: 'dovecot', filter: 'dovecot', selection: 'default mode', selects: plainMode },
  {
    corpus: 'postfix',
    filter: 'postfix',
    // Our postfix filter covers SASL authentication only (fail2ban's "auth" mode), not spam rejects.
    selection: 'SASL lines, auth mode',
    selects: (entry) => entry.line.includes(': SASL ') && (entry.variants ?? []).includes('mode=auth'),
  },
  { corpus: 'nginx-botsearch', filter: null, selection: 'out of scope: URL scanning is not an authentication failure', selects: plainMode },
];

export interface DeliberateMiss {
  readonly corpus: string;
  readonly seq: number;
  /** First 12 hex digits of the SHA-256 of the line: detects a changed corpus without copying its text. */
  readonly lineHash: string;
  readonly reason: string;
}

const HOST_NAME =
  'the line names the client by a host name; we never resolve names (whoever owns the address controls its reverse DNS). ' +
  'On a real connection the failure still counts, once another line of the same sshd process gives the address';

/** Expectations we do not meet on purpose. Each reason is a security decision, not a gap. */
export const DELIBERATE_MISSES: readonly DeliberateMiss[] = [
  {
    corpus: 'sshd',
    seq: 1,
    lineHash: '95ab88f7be03',
    reason: 'we refuse "192.030.0.6": a leading-zero octet is ambiguous (inet_aton reads it as octal, 192.24.0.6), so it is no address',
  },
  { corpus: 'sshd', seq: 2, lineHash: '967640ff6e22', reason: HOST_NAME },
  { corpus: 'sshd', seq: 16, lineHash: '6a1b97a541bc', reason: HOST_NAME },
  { corpus: 'sshd', seq: 23, lineHash: '49391947eb85', reason: HOST_NAME },
  { corpus: 'sshd', seq: 40, lineHash: '5a3ddbaae391', reason: HOST_NAME },
  {
    corpus: 'sshd',
    seq: 56,
    lineHash: '0d4856bcb8d6',
    reason:
      'sshd never writes ": text" after "ssh2" for the password method, so this line can only come from the user name ' +
      '"test from 127.0.0.1 port 58946 ssh2:"; the real peer is the last address (10.10.1.2). Taking the first one would let a user name choose whom we ban',
  },
  {
    corpus: 'nginx-http-auth',
    seq: 6,
    lineHash: '779335556f57',
    reason:
      'the expected reading needs a user name holding ":", which basic auth cannot carry (the first colon ends the name), ' +
      'so nginx cannot write it; what nginx can write is a password mismatch from 127.0.0.1 whose Host header holds the rest. ' +
      'We take the first "client:" after a colon-free user field: a later one sits in text the client chose',
  },
];

export interface CaseResult {
  readonly seq: number;
  readonly lineHash: string;
  readonly expectedMatch: boolean;
  /** Expected address as the corpus gives it (host name when it expects one), or null. */
  readonly expected: string | null;
  readonly addresses: readonly string[];
  readonly patterns: readonly string[];
  readonly met: boolean;
  /** The documented reason when this is a deliberate miss. */
  readonly deliberate: string | null;
  /** Whether our time equals the expected one (null when either is missing). */
  readonly timeAgrees: boolean | null;
}

export interface SuiteResult {
  readonly corpus: string;
  readonly filter: string | null;
  readonly selection: string;
  readonly cases: number;
  readonly met: number;
  readonly deliberate: readonly CaseResult[];
  readonly unexpected: readonly CaseResult[];
  /** Cases with an expected time, and how many of them our timestamp parsing agrees with. */
  readonly timed: number;
  readonly timeAgreed: number;
  /** Deliberate-miss entries whose case now passes or whose line changed: the list needs care. */
  readonly staleMisses: readonly string[];
}

export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex').slice(0, 12);
}

export function readCases(corpusDirectory: string, corpus: string): CorpusCase[] {
  const file = join(corpusDirectory, 'cases', `${corpus}.jsonl`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CorpusCase);
}

/** Naive local "YYYY-MM-DDTHH:MM:SS", the shape of the corpus's expected times. */
function localStamp(time: number): string {
  const date = new Date(time);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function normaliseStamp(stamp: string): string {
  return stamp.replace(/^(\d{4})-(\d{1,2})-(\d{1,2})T/, (_all, year: string, month: string, day: string) => `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}T`).slice(0, 19);
}

function judge(entry: CorpusCase, matches: readonly FilterMatch[]): boolean {
  if (!entry.expect_match) return matches.length === 0;
  if (matches.length === 0 || entry.expect_ip === null) return false;
  const expected = canonicalAddress(entry.expect_ip);
  return expected !== null && matches.every((match) => match.address === expected);
}

export function evaluateSuite(corpusDirectory: string, suite: Suite): SuiteResult {
  const cases = readCases(corpusDirectory, suite.corpus)
    .filter(suite.selects)
    .sort((left, right) => left.seq - right.seq);
  const misses = new Map(DELIBERATE_MISSES.filter((miss) => miss.corpus === suite.corpus).map((miss) => [miss.seq, miss]));
  const empty: SuiteResult = {
    corpus: suite.corpus, filter: suite.filter, selection: suite.selection, cases: cases.length, met: 0,
    deliberate: [], unexpected: [], timed: 0, timeAgreed: 0, staleMisses: [],
  };
  if (suite.filter === null) return empty;
  const matcher = createMatcher(loadBuiltinFilter(suite.filter), { service: suite.filter, yearReference: () => CORPUS_YEAR_REFERENCE });
  const deliberate: CaseResult[] = [];
  const unexpected: CaseResult[] = [];
  const staleMisses: string[] = [];
  let met = 0;
  let timed = 0;
  let timeAgreed = 0;
  for (const entry of cases) {
    const matches = matcher.push(entry.line);
    const ok = judge(entry, matches);
    const hash = lineHash(entry.line);
    const miss = misses.get(entry.seq);
    let timeAgrees: boolean | null = null;
    if (ok && entry.expect_match && entry.expect_time && matches[0]?.time != null) {
      timeAgrees = localStamp(matches[0].time) === normaliseStamp(entry.expect_time);
      timed++;
      if (timeAgrees) timeAgreed++;
    }
    const result: CaseResult = {
      seq: entry.seq,
      lineHash: hash,
      expectedMatch: entry.expect_match,
      expected: entry.expect_ip ?? entry.expect_host ?? null,
      addresses: matches.map((match) => match.address),
      patterns: matches.length > 0 ? matches.map((match) => match.pattern) : matcher.lastPattern === null ? [] : [`(${matcher.lastPattern})`],
      met: ok,
      deliberate: miss !== undefined && miss.lineHash === hash ? miss.reason : null,
      timeAgrees,
    };
    if (miss !== undefined && (ok || miss.lineHash !== hash)) {
      staleMisses.push(`${suite.corpus} seq ${entry.seq}: ${ok ? 'now met' : `line changed (hash ${hash}, listed ${miss.lineHash})`}`);
    }
    if (ok) met++;
    else if (result.deliberate !== null) deliberate.push(result);
    else unexpected.push(result);
  }
  return { ...empty, met, deliberate, unexpected, timed, timeAgreed, staleMisses };
}

/** Default corpus location: $C2B_CORPUS, else <repository>/../shared/corpus. */
export function defaultCorpusDirectory(repositoryRoot: string, environment: NodeJS.ProcessEnv = process.env): string {
  return environment.C2B_CORPUS ?? join(repositoryRoot, '..', 'shared', 'corpus');
}

export function corpusExists(directory: string): boolean {
  return existsSync(join(directory, 'cases'));
}

export function evaluateCorpus(corpusDirectory: string): SuiteResult[] {
  return SUITES.map((suite) => evaluateSuite(corpusDirectory, suite));
}
