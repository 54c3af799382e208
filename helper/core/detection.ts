// Detection without side effects: a source line in, failures and ban decisions out (filters -> detector -> gate).
//
// The daemon and `c2b replay` both run this, so what replay prints is what the daemon would do.
import type { ServiceConfig } from '../config/types.js';
import { compileUserPatterns, createMatcher, loadBuiltinFilter, type FilterDefinition, type LineMatcher } from '../filters/index.js';
import type { Detector } from './detector.js';
import type { BanDecision, Failure, SourceLine } from './events.js';
import type { Gate } from './gate.js';

export type DetectionOutcome =
  | { readonly kind: 'failure'; readonly failure: Failure }
  | { readonly kind: 'ban'; readonly decision: BanDecision }
  /** The detector would ban, but the gate says never (loopback, own address, whitelist). */
  | { readonly kind: 'spared'; readonly decision: BanDecision; readonly reason: string };

export interface DetectionOptions {
  readonly services: readonly ServiceConfig[];
  readonly detector: Detector;
  readonly gate: Gate;
  /** True while the address is banned at that log time: its failures are then not counted again. */
  readonly isBanned: (address: string, time: number) => boolean;
  /** Reader's clock (epoch ms), for lines that carry no time of their own. */
  readonly now: () => number;
  /** Reference for inferring the year of syslog timestamps (epoch ms). */
  readonly yearReference: () => number;
}

export interface DetectionCounters {
  lines: number;
  failures: number;
  bans: number;
  spared: number;
}

const NOTHING: readonly DetectionOutcome[] = Object.freeze([]);
/** Matchers kept at most: each holds its stream's multi-line state (about 1 MB with a full session table). */
const MAX_STREAMS = 64;

/** The filter a service runs: its own patterns when it has any, else the built-in filter it names. */
export function loadServiceFilter(service: ServiceConfig): FilterDefinition {
  if (service.patterns.length > 0) return compileUserPatterns(service.name, service.patterns);
  if (service.filter === null) throw new Error(`service ${service.name}: has neither patterns nor a built-in filter`);
  return loadBuiltinFilter(service.filter);
}

export class Detection {
  readonly counters: DetectionCounters = { lines: 0, failures: 0, bans: 0, spared: 0 };
  private readonly filters = new Map<string, FilterDefinition>();
  /** One matcher per (service, origin): multi-line state belongs to one stream. */
  private readonly matchers = new Map<string, LineMatcher>();
  private lastService: string | null = null;
  private lastOrigin: string | null = null;
  private lastMatcher: LineMatcher | null = null;

  constructor(private readonly options: DetectionOptions) {
    for (const service of options.services) this.filters.set(service.name, loadServiceFilter(service));
  }

  process(line: SourceLine): readonly DetectionOutcome[] {
    this.counters.lines++;
    const matches = this.matcherFor(line).push(line.text, line.time);
    if (matches.length === 0) return NOTHING;
    const outcomes: DetectionOutcome[] = [];
    for (const match of matches) {
      const failure: Failure = {
        service: line.service,
        address: match.address,
        time: match.time ?? line.time ?? this.options.now(),
        pattern: match.pattern,
        eventType: match.eventType,
      };
      if (this.options.isBanned(failure.address, failure.time)) continue;
      this.counters.failures++;
      outcomes.push({ kind: 'failure', failure });
      const decision = this.options.detector.record(failure);
      if (decision === null) continue;
      const reason = this.options.gate.check(decision.address);
      if (reason === null) {
        this.counters.bans++;
        outcomes.push({ kind: 'ban', decision });
      } else {
        this.counters.spared++;
        outcomes.push({ kind: 'spared', decision, reason });
      }
    }
    return outcomes;
  }

  /** The filter each service runs, by service name. */
  get serviceFilters(): ReadonlyMap<string, FilterDefinition> {
    return this.filters;
  }

  /** Forgets failure windows that ended before `now` (epoch ms); bounded memory between bursts. */
  sweep(now: number): number {
    return this.options.detector.sweep(now);
  }

  private matcherFor(line: SourceLine): LineMatcher {
    // Most lines come from the same stream as the one before: skip building the key for them.
    if (line.service === this.lastService && line.origin === this.lastOrigin && this.lastMatcher) return this.lastMatcher;
    const key = `${line.service}\u0000${line.origin}`;
    let matcher = this.matchers.get(key);
    if (matcher === undefined) {
      const definition = this.filters.get(line.service);
      if (definition === undefined) throw new Error(`line from unknown service ${JSON.stringify(line.service)}`);
      matcher = createMatcher(definition, { service: line.service, yearReference: this.options.yearReference });
      this.matchers.set(key, matcher);
      // Streams come and go (date-named files under a glob): keep the most recently opened ones.
      if (this.matchers.size > MAX_STREAMS) this.matchers.delete(this.matchers.keys().next().value as string);
    }
    this.lastService = line.service;
    this.lastOrigin = line.origin;
    this.lastMatcher = matcher;
    return matcher;
  }
}
