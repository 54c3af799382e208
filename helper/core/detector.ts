// Decides bans: max_failures within find_time per (service, address), by log time, with bounded memory.
//
// Pure: no I/O and no wall clock. Time comes from each failure's own log timestamp, so catching up on
// old lines measures windows as they really were. Repeat offenders are counted through an injected
// history (the store in the daemon, a map in `c2b replay`).
import type { BanTimePolicy } from '../config/types.js';
import type { BanDecision, Failure } from './events.js';

export interface ServicePolicy {
  readonly maxFailures: number;
  /** Seconds. */
  readonly findTime: number;
  readonly banPolicy: BanTimePolicy;
}

export interface BanHistory {
  /** How many bans this address had before (any service). */
  previousBans(address: string): number;
}

export interface DetectorOptions {
  readonly policyFor: (service: string) => ServicePolicy;
  /** Past this many tracked (service, address) pairs the least recently seen are forgotten. */
  readonly maxTracked: number;
  readonly history: BanHistory;
}

export const DEFAULT_MAX_TRACKED = 100_000;

/** Ban length for an address with `previousBans` earlier bans: base * factor^n, capped; 0 stays permanent. */
export function banDuration(policy: BanTimePolicy, previousBans: number): number {
  if (policy.banTime === 0 || !policy.increment || previousBans === 0) return policy.banTime;
  const scaled = policy.banTime * Math.pow(policy.factor, previousBans);
  return Math.round(Math.min(scaled, policy.maximum));
}

export class Detector {
  /**
   * Failure times (epoch ms, ascending) per "service\0address", at most maxFailures each.
   * Map order is recency of use: the first key is the least recently seen (eviction order).
   */
  private readonly windows = new Map<string, number[]>();
  private evictedCount = 0;

  constructor(private readonly options: DetectorOptions) {}

  /** Number of (service, address) pairs currently tracked. */
  get trackedCount(): number {
    return this.windows.size;
  }

  /** Pairs forgotten because the memory bound was reached. */
  get evicted(): number {
    return this.evictedCount;
  }

  /** Records one failure; returns a ban decision when it crosses the threshold, else null. */
  record(failure: Failure): BanDecision | null {
    const policy = this.options.policyFor(failure.service);
    const key = `${failure.service}\u0000${failure.address}`;
    let times = this.windows.get(key);
    if (times === undefined) {
      times = [];
    } else {
      this.windows.delete(key); // re-inserted below: moves the pair to the most recent end
    }
    insertSorted(times, failure.time);
    // Keep only failures inside the window ending at the newest one; lines from several files may
    // arrive slightly out of order, which is why the list is kept sorted rather than appended.
    const windowStart = times[times.length - 1]! - policy.findTime * 1000;
    let firstInside = 0;
    while (firstInside < times.length && times[firstInside]! <= windowStart) firstInside++;
    if (firstInside > 0) times.splice(0, firstInside);
    if (times.length > policy.maxFailures) times.splice(0, times.length - policy.maxFailures);

    if (times.length >= policy.maxFailures) {
      // The window is spent on this ban: the next ban needs max_failures new failures.
      const previousBans = this.options.history.previousBans(failure.address);
      return {
        service: failure.service,
        address: failure.address,
        failures: times.length,
        banTime: banDuration(policy.banPolicy, previousBans),
        time: failure.time,
        previousBans,
        pattern: failure.pattern,
      };
    }
    this.windows.set(key, times);
    while (this.windows.size > this.options.maxTracked) {
      const oldest = this.windows.keys().next().value as string;
      this.windows.delete(oldest);
      this.evictedCount++;
    }
    return null;
  }

  /** Forgets pairs whose newest failure is older than their window at `now` (epoch ms). */
  sweep(now: number): number {
    let removed = 0;
    for (const [key, times] of this.windows) {
      const service = key.slice(0, key.indexOf('\u0000'));
      const findTimeMs = this.options.policyFor(service).findTime * 1000;
      if (times[times.length - 1]! <= now - findTimeMs) {
        this.windows.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Forgets everything tracked for an address (e.g. it was whitelisted or banned by hand). */
  forget(address: string): void {
    for (const key of this.windows.keys()) {
      if (key.endsWith(`\u0000${address}`)) this.windows.delete(key);
    }
  }
}

function insertSorted(times: number[], time: number): void {
  let index = times.length;
  while (index > 0 && times[index - 1]! > time) index--;
  times.splice(index, 0, time);
}
