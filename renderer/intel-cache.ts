// What the helper knows about addresses, cached per address for the life of the window. Lookups for
// the map go a few at a time, so a hundred addresses never flood the helper.
import { useEffect } from 'react';
import type { BridgeError } from '../electron/bridge.js';
import type { IntelInfo } from '../helper/protocol/index.js';
import { bridge } from './bridge-client.js';
import { createStore, useStore } from './store.js';

export type IntelEntry =
  | { readonly status: 'loading'; readonly info?: IntelInfo }
  | { readonly status: 'ready'; readonly info: IntelInfo; readonly refreshing?: boolean; readonly error?: BridgeError }
  | { readonly status: 'error'; readonly error: BridgeError; readonly info?: IntelInfo };

/** Address -> entry; replaced (not mutated) on every change so components see new snapshots. */
export const intelStore = createStore<ReadonlyMap<string, IntelEntry>>(new Map());

function put(ip: string, entry: IntelEntry): void {
  intelStore.set((previous) => new Map(previous).set(ip, entry));
}

const CONCURRENCY = 4;
const queue: string[] = [];
const queued = new Set<string>();
let active = 0;

async function lookUp(ip: string, refresh: boolean): Promise<void> {
  const before = intelStore.get().get(ip);
  put(ip, before?.status === 'ready' ? { ...before, refreshing: true, error: undefined } as IntelEntry : { status: 'loading', info: before?.info });
  const result = await bridge()
    .getIntel(ip, refresh)
    .catch((error: unknown) => ({ ok: false as const, error: { kind: 'Failed' as const, message: String(error) } }));
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

/** Queues local lookups for the addresses not known yet (or that failed). */
export function requestIntel(ips: readonly string[]): void {
  const known = intelStore.get();
  for (const ip of ips) {
    const entry = known.get(ip);
    if ((entry && entry.status !== 'error') || queued.has(ip)) continue;
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
