// Every active ban, read once and kept live by patching it with ban events, so 100,000 rows are not
// fetched again for each event. A full read still happens now and then to pick up the fields events
// do not carry (service, failures): at most every few seconds, less often when a read is slow.
import type { BridgeError } from '../electron/bridge.js';
import type { BanInfo } from '../helper/protocol/index.js';
import type { BansChange } from './ban-order.js';
import { applyPatch, mergePatches, type Patch } from './ban-patches.js';
import { addEventListener, call } from './bridge-client.js';
import { connectionStore } from './connection.js';
import { createStore, useStore } from './store.js';
import { useEffect } from 'react';

export interface BansState {
  readonly status: 'idle' | 'loading' | 'ready' | 'error' | 'offline';
  readonly bans: readonly BanInfo[];
  readonly error: BridgeError | null;
  readonly refreshing: boolean;
  /** How `bans` came from the list before, when that is a small change (lets the table re-sort cheaply); null after a flush or a big change. */
  readonly change: BansChange | null;
}

export const bansStore = createStore<BansState>({ status: 'idle', bans: [], error: null, refreshing: false, change: null });

// --- patches from events, applied in batches ----------------------------------------------------

const BATCH_MS = 200;
let queued: Patch[] = [];
let batchTimer: ReturnType<typeof setTimeout> | null = null;
/** Patches that arrived while a full read was under way: applied again on top of its answer. */
let duringFetch: Patch[] | null = null;
/** The service of the newest failed attempt per address, for the bans events announce (they carry none). */
const lastService = new Map<string, string>();

/**
 * Address -> ban of the list in bansStore, kept in step with it (patches, full reads), so an event
 * finds the ban it replaces without scanning 100,000 bans (a burst of 1,000 bans would be 10^8 steps).
 */
const banByIp = new Map<string, BanInfo>();

function indexPatch(patch: Patch): void {
  if (patch.cleared) banByIp.clear();
  for (const ip of patch.removed) banByIp.delete(ip);
  for (const ban of patch.added) banByIp.set(ban.ip, ban);
}

function indexAll(bans: readonly BanInfo[]): void {
  banByIp.clear();
  for (const ban of bans) banByIp.set(ban.ip, ban);
}

function flushQueue(): void {
  batchTimer = null;
  const patches = queued;
  queued = [];
  const state = bansStore.get();
  // Nothing read yet: the full read under way includes these changes (or replays them).
  if (state.status !== 'ready' && state.status !== 'offline') return;
  const patch = mergePatches(patches);
  const bans = applyPatch(state.bans, patch);
  indexPatch(patch);
  if (bans === state.bans) return;
  const touched = new Set([...patch.removed, ...patch.added.map((ban) => ban.ip)]);
  const added = [...touched].flatMap((ip) => banByIp.get(ip) ?? []);
  bansStore.set({ ...state, bans, change: patch.cleared ? null : { previous: state.bans, removed: touched, added } });
}

/** Changes the local list now, e.g. right after this window unbanned an address. */
export function patchBans(patch: Patch): void {
  duringFetch?.push(patch);
  queued.push(patch);
  batchTimer ??= setTimeout(flushQueue, BATCH_MS);
}

function patchFromEvent(ip: string, added: BanInfo | null): void {
  if (ip === '*') patchBans({ added: [], removed: [], cleared: true });
  else if (added) patchBans({ added: [added], removed: [] });
  else patchBans({ added: [], removed: [ip] });
}

// --- full reads -----------------------------------------------------------------------------------

let lastFetchMs = 0;
let lastFetchEnded = 0;
let reconcileTimer: ReturnType<typeof setTimeout> | null = null;
let fetching = false;
/**
 * A read was asked for while one ran (the helper came back, a ban event, the Refresh button): that
 * read may have started too early or may fail, so another follows it.
 */
let fetchAgain = false;

async function fetchBans(): Promise<void> {
  if (fetching) {
    fetchAgain = true;
    return;
  }
  const connection = connectionStore.get().connection.state;
  if (connection !== 'running') {
    // Still finding out: show loading, and read when the helper turns out to run (generation changes).
    const waiting = connection === 'connecting' ? 'loading' : 'offline';
    bansStore.set((state) => ({ ...state, status: state.status === 'ready' ? 'ready' : waiting, refreshing: false }));
    return;
  }
  fetching = true;
  duringFetch = [];
  bansStore.set((state) => (state.status === 'ready' ? { ...state, refreshing: true } : { ...state, status: 'loading', error: null }));
  const started = performance.now();
  const result = await call((bridge) => bridge.getBans());
  lastFetchMs = performance.now() - started;
  lastFetchEnded = Date.now();
  const replay = duringFetch;
  duringFetch = null;
  fetching = false;
  if (result.ok) {
    const before = bansStore.get();
    let { bans, change } = before.status === 'ready' || before.status === 'offline' ? reuseUnchanged(before.bans, result.value) : { bans: result.value as readonly BanInfo[], change: null };
    if (replay.length > 0) {
      bans = applyPatch(bans, mergePatches(replay));
      change = null;
    }
    indexAll(bans);
    bansStore.set({ status: 'ready', bans, error: null, refreshing: false, change });
  } else {
    bansStore.set((state) => ({ ...state, status: state.status === 'ready' ? 'ready' : 'error', error: result.error, refreshing: false }));
  }
  if (fetchAgain) {
    fetchAgain = false;
    void fetchBans();
  }
}

const sameBan = (a: BanInfo, b: BanInfo): boolean =>
  a.service === b.service && a.reason === b.reason && a.source === b.source && a.banned_at === b.banned_at && a.expires_at === b.expires_at && a.failures === b.failures;

/**
 * A fresh read with the objects of the bans that did not change taken from the list before, so
 * caches keyed by ban (sort keys, search text) stay warm, and the difference as a change when small.
 */
function reuseUnchanged(before: readonly BanInfo[], fresh: readonly BanInfo[]): { bans: readonly BanInfo[]; change: BansChange | null } {
  if (before.length === 0) return { bans: fresh, change: null };
  const old = new Map(before.map((ban) => [ban.ip, ban]));
  const bans: BanInfo[] = [];
  const added: BanInfo[] = [];
  const removed = new Set<string>();
  for (const ban of fresh) {
    const previous = old.get(ban.ip);
    if (previous && sameBan(previous, ban)) bans.push(previous);
    else {
      bans.push(ban);
      added.push(ban);
      removed.add(ban.ip);
    }
    old.delete(ban.ip);
  }
  for (const ip of old.keys()) removed.add(ip);
  return { bans, change: removed.size <= bans.length / 4 ? { previous: before, added, removed } : null };
}

/** A full read soon, but never more often than every 2 s, nor than 10 times the last read took. */
function scheduleReconcile(): void {
  if (reconcileTimer || bansStore.get().status === 'idle') return;
  const interval = Math.min(60_000, Math.max(2_000, lastFetchMs * 10));
  const wait = Math.max(0, lastFetchEnded + interval - Date.now());
  reconcileTimer = setTimeout(() => {
    reconcileTimer = null;
    void fetchBans();
  }, wait);
}

/** Reads the bans the first time a page needs them. */
export function ensureBansLoaded(): void {
  if (bansStore.get().status === 'idle') void fetchBans();
}

export function reloadBans(): void {
  void fetchBans();
}

export function startBansStore(): void {
  addEventListener((event) => {
    if (event.type === 'attack') {
      lastService.delete(event.ip);
      lastService.set(event.ip, event.service);
      if (lastService.size > 5000) lastService.delete(lastService.keys().next().value!);
    } else if (event.type === 'ban-added') {
      const at = Math.floor(event.at / 1000);
      const existing = banByIp.get(event.ip);
      patchFromEvent(event.ip, {
        ip: event.ip,
        service: event.source === 'manual' ? '' : (lastService.get(event.ip) ?? existing?.service ?? ''),
        reason: event.reason,
        source: event.source,
        banned_at: at,
        expires_at: event.durationSecs === 0 ? 0 : at + event.durationSecs,
        failures: event.source === 'manual' ? 0 : (existing?.failures ?? 0),
      });
      scheduleReconcile();
    } else if (event.type === 'ban-removed') {
      patchFromEvent(event.ip, null);
    } else if (event.type === 'ban-extended') {
      // The same ban with a new end (from this window, another, or c2b extend).
      const existing = banByIp.get(event.ip);
      if (existing) patchFromEvent(event.ip, { ...existing, expires_at: event.expiresAt });
      else scheduleReconcile();
    }
  });
  let generation = connectionStore.get().generation;
  connectionStore.subscribe(() => {
    const { generation: next, connection } = connectionStore.get();
    if (next !== generation) {
      generation = next;
      if (bansStore.get().status !== 'idle') void fetchBans();
    } else if (connection.state !== 'running' && connection.state !== 'connecting' && bansStore.get().status === 'loading' && !fetching) {
      bansStore.set((state) => ({ ...state, status: 'offline' }));
    }
  });
}

/** The bans, read on first use. */
export function useBans(): BansState {
  useEffect(ensureBansLoaded, []);
  return useStore(bansStore);
}
