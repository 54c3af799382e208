// What is kept about an address between lookups: each remote source's last answer and last failure,
// stored as one row of the intel table. Remote text is cleaned before it is kept: WHOIS records and
// reverse zones are written by the address's owner, who may be the attacker, and the text ends up
// on admins' terminals and desktops.
import type { Store } from '../store/store.js';
import type { AbuseIpdbFacts } from './abuseipdb.js';
import { isRecord } from './http.js';
import type { ReverseDnsFacts } from './rdns.js';
import type { ShodanFacts } from './shodan.js';
import type { WhoisFacts } from './whois-facts.js';

export const REMOTE_SOURCES = ['rdns', 'whois', 'shodan', 'abuseipdb'] as const;
export type RemoteSource = (typeof REMOTE_SOURCES)[number];

export interface SourceFacts {
  rdns: ReverseDnsFacts;
  whois: WhoisFacts;
  shodan: ShodanFacts;
  abuseipdb: AbuseIpdbFacts;
}

export interface SourceAnswer<S extends RemoteSource = RemoteSource> {
  /** Epoch ms. */
  readonly at: number;
  readonly facts: SourceFacts[S];
}

export interface SourceFailure {
  readonly at: number;
  readonly message: string;
  /** Epoch ms before which the source is not asked again (unless refreshed). */
  readonly retryAt: number;
  /** Failures in a row, for the backoff. */
  readonly attempts: number;
}

export interface IntelRecord {
  answers: { [S in RemoteSource]?: SourceAnswer<S> };
  failures: { [S in RemoteSource]?: SourceFailure };
}

export interface IntelCache {
  read(address: string): IntelRecord;
  write(address: string, record: IntelRecord): void;
}

export const emptyRecord = (): IntelRecord => ({ answers: {}, failures: {} });

const MAX_TEXT = 200;

/** One line of printable text: controls, bidi overrides and escape sequences removed, length capped. */
export function cleanText(value: string): string {
  const text = value
    // Invisible format characters (bidi overrides and isolates, zero-width marks) go; controls become spaces.
    .replace(/[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length <= MAX_TEXT) return text;
  // The cap never splits a character in two: a high surrogate left at the end goes too.
  const cut = text.slice(0, MAX_TEXT);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** Cleans every string in a source's facts (arrays capped), and drops empty ones. */
export function cleanFacts<T extends object>(facts: T): T {
  const cleaned: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(facts)) {
    if (typeof value === 'string') {
      const text = cleanText(value);
      if (text !== '') cleaned[key] = text;
    } else if (Array.isArray(value)) {
      cleaned[key] = value
        .slice(0, 1000)
        .map((item: unknown) => (typeof item === 'string' ? cleanText(item) : item))
        .filter((item: unknown) => (typeof item === 'string' && item !== '') || (typeof item === 'number' && Number.isFinite(item)));
    } else if (typeof value === 'number' ? Number.isFinite(value) : typeof value === 'boolean') {
      cleaned[key] = value;
    }
  }
  return cleaned as T;
}

/** Reads what the table holds; a row that is not what we wrote counts as nothing known (and is rewritten). */
function parseRecord(data: string, errors: string | null): IntelRecord {
  const record = emptyRecord();
  try {
    const answers: unknown = JSON.parse(data);
    const failures: unknown = errors === null ? {} : JSON.parse(errors);
    for (const source of REMOTE_SOURCES) {
      const answer = isRecord(answers) ? answers[source] : undefined;
      if (isRecord(answer) && typeof answer.at === 'number' && isRecord(answer.facts)) {
        (record.answers as Record<string, SourceAnswer>)[source] = { at: answer.at, facts: cleanFacts(answer.facts) as never };
      }
      const failure = isRecord(failures) ? failures[source] : undefined;
      if (isRecord(failure) && typeof failure.at === 'number' && typeof failure.message === 'string' && typeof failure.retryAt === 'number') {
        record.failures[source] = {
          at: failure.at,
          message: cleanText(failure.message),
          retryAt: failure.retryAt,
          attempts: typeof failure.attempts === 'number' ? failure.attempts : 1,
        };
      }
    }
  } catch {
    return emptyRecord();
  }
  return record;
}

/** The intel table of the helper's database as the cache. */
export function storeCache(store: Store): IntelCache {
  return {
    read(address) {
      const row = store.intel(address);
      return row === null ? emptyRecord() : parseRecord(row.data, row.errors);
    },
    write(address, record) {
      const times = Object.values(record.answers).map((answer) => answer.at);
      const hasFailures = Object.keys(record.failures).length > 0;
      store.saveIntel(address, {
        gatheredAt: times.length === 0 ? 0 : Math.max(...times),
        data: JSON.stringify(record.answers),
        errors: hasFailures ? JSON.stringify(record.failures) : null,
      });
    },
  };
}

/** For `c2b intel` without a helper: remembers nothing beyond the process. */
export function memoryCache(): IntelCache {
  const records = new Map<string, IntelRecord>();
  return {
    read: (address) => records.get(address) ?? emptyRecord(),
    write: (address, record) => void records.set(address, record),
  };
}
