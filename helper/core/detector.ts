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

interface ServiceWindows {
  readonly policy: ServicePolicy;
  /**
   * Failure times (epoch ms, ascending) per address, at most maxFailures each. Map order is
   * recency of use: the first key is the least recently seen (eviction order).
   */
  readonly byAddress: Map<string, number[]>;
}

export class Detector {
  /** Keyed by service first, so the address string from the filter is the key as it is. */
  private readonly services = new Map<string, ServiceWindows>();
  private tracked = 0;
  private evictedCount = 0;

  constructor(private readonly options: DetectorOptions) {}

  /** Number of (service, address) pairs currently tracked. */
  get trackedCount(): number {
    return this.tracked;
  }

  /** Pairs forgotten because the memory bound was reached. */
  get evicted(): number {
    return this.evictedCount;
  }

  /** Records one failure; returns a ban decision when it crosses the threshold, else null. */
  record(failure: Failure): BanDecision | null {
    let service = this.services.get(failure.service);
    if (service === undefined) {
      service = { policy: this.options.policyFor(failure.service), byAddress: new Map() };
      this.services.set(failure.service, service);
    }
    const { policy, byAddress } = service;
    let times = byAddress.get(failure.address);
    if (times === undefined) {
      times = [failure.time];
      this.tracked++;
    } else {
      byAddress.delete(failure.address); // re-inserted below: moves the address to the most recent end
      insertSorted(times, failure.time);
      // Keep only failures inside the window ending at the newest one; lines from several files
      // may arrive slightly out of order, which is why the list is kept sorted rather than appended.
      const windowStart = times[times.length - 1]! - policy.findTime * 1000;
      let firstInside = 0;
      while (firstInside < times.length && times[firstInside]! <= windowStart) firstInside++;
      const excess = Math.max(firstInside, times.length - policy.maxFailures);
      if (excess > 0) times.splice(0, excess);
    }

    if (times.length >= policy.maxFailures) {
      // The window is spent on this ban: the next ban needs max_failures new failures.
      this.tracked--;
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
    byAddress.set(failure.address, times);
    if (this.tracked > this.options.maxTracked) this.evictLeastRecent();
    return null;
  }

  /** Forgets pairs whose newest failure is older than their window at `now` (epoch ms). */
  sweep(now: number): number {
    let removed = 0;
    for (const { policy, byAddress } of this.services.values()) {
      const cutoff = now - policy.findTime * 1000;
      for (const [address, times] of byAddress) {
        if (times[times.length - 1]! <= cutoff) {
          byAddress.delete(address);
          removed++;
        }
      }
    }
    this.tracked -= removed;
    return removed;
  }

  /** Forgets everything tracked for an address (e.g. it was whitelisted or banned by hand). */
  forget(address: string): void {
    for (const { byAddress } of this.services.values()) if (byAddress.delete(address)) this.tracked--;
  }

  /** Evicts from the service tracking the most addresses: a flood against one service cannot evict another's. */
  private evictLeastRecent(): void {
    while (this.tracked > this.options.maxTracked) {
      let largest: Map<string, number[]> | null = null;
      for (const { byAddress } of this.services.values()) if (largest === null || byAddress.size > largest.size) largest = byAddress;
      const oldest = largest!.keys().next().value as string;
      largest!.delete(oldest);
      this.tracked--;
      this.evictedCount++;
    }
  }
}

function insertSorted(times: number[], time: number): void {
  let index = times.length;
  while (index > 0 && times[index - 1]! > time) index--;
  times.splice(index, 0, time);
}
