// What the helper knows about addresses, cached per address: at most MAX_ENTRIES (the window lives as
// long as the tray app), each for at most MAX_AGE_MS. Lookups for the map go a few at a time, so a
// hundred addresses never flood the helper.
import { useEffect } from 'react';
import type { BridgeError } from '../electron/bridge.js';
import type { IntelInfo } from '../helper/protocol/index.js';
import { call } from './bridge-client.js';
import { createStore, useStore } from './store.js';

type Entry =
  | { readonly status: 'loading'; readonly info?: IntelInfo }
  | { readonly status: 'ready'; readonly info: IntelInfo; readonly refreshing?: boolean; readonly error?: BridgeError }
  | { readonly status: 'error'; readonly error: BridgeError; readonly info?: IntelInfo };

/** An entry and when it last changed (epoch ms). */
export type IntelEntry = Entry & { readonly at: number };

const MAX_ENTRIES = 2_000;
/** Older entries are dropped, so looking at the address again reads what the helper knows now. */
const MAX_AGE_MS = 3_600_000;

/**
 * Address -> entry, oldest change first; replaced (not mutated) on every change so components see
 * new snapshots.
 */
export const intelStore = createStore<ReadonlyMap<string, IntelEntry>>(new Map());

const isFresh = (entry: IntelEntry, now: number): boolean => now - entry.at < MAX_AGE_MS;

function put(ip: string, entry: Entry): void {
  const now = Date.now();
  intelStore.set((previous) => {
    const next = new Map(previous);
    // Deleted first so the entry moves to the end: the map stays ordered oldest first.
    next.delete(ip);
    next.set(ip, { ...entry, at: now });
    for (const [key, old] of next) {
      if (next.size <= MAX_ENTRIES && isFresh(old, now)) break;
      next.delete(key);
    }
    return next;
  });
}

const CONCURRENCY = 4;
const queue: string[] = [];
const queued = new Set<string>();
let active = 0;

async function lookUp(ip: string, refresh: boolean): Promise<void> {
  const before = intelStore.get().get(ip);
  put(ip, before?.status === 'ready' ? { ...before, refreshing: true, error: undefined } : { status: 'loading', info: before?.info });
  const result = await call((bridge) => bridge.getIntel(ip, refresh));
  if (result.ok) put(ip, { status: 'ready', info: result.value });
  else if (before?.info) put(ip, { status: 'ready', info: before.info, error: result.error });
  else put(ip, { status: 'error', error: result.error });
}

function pump(): void {
  while (active < CONCURRENCY && queue.length > 0) {
    const ip = queue.shift()!;
    queued.delete(ip);
    active++;
    void lookUp(ip, false).finally(() => {
      active--;
      pump();
    });
  }
}

/** Queues local lookups for the addresses not known yet (or that failed, or were read over an hour ago). */
export function requestIntel(ips: readonly string[]): void {
  const known = intelStore.get();
  const now = Date.now();
  for (const ip of ips) {
    const entry = known.get(ip);
    if ((entry && entry.status !== 'error' && isFresh(entry, now)) || queued.has(ip)) continue;
    queue.push(ip);
    queued.add(ip);
  }
  pump();
}

/** Reads again now; `refresh` asks the helper to ask its remote sources again. */
export function lookUpNow(ip: string, options: { refresh: boolean }): Promise<void> {
  return lookUp(ip, options.refresh);
}

/** The entry of one address, looked up (once) when the component mounts. */
export function useIntel(ip: string): IntelEntry | undefined {
  useEffect(() => {
    void lookUp(ip, false);
  }, [ip]);
  return useStore(intelStore).get(ip);
}

export const useIntelCache = (): ReadonlyMap<string, IntelEntry> => useStore(intelStore);
