// The dashboard's live feed: attacks and bans as they arrive, newest first, at most FEED_LIMIT. It
// listens from the moment the window opens, so switching pages loses nothing; it starts with the
// newest failed attempts the helper already knows, and the bans of the last hour once the ban list
// has been read (failed attempts alone would make a fresh window look as if nothing was banned).
import type { BanInfo } from '../helper/protocol/index.js';
import { newestBans } from './ban-order.js';
import { bansStore } from './bans-store.js';
import { addEventListener, call } from './bridge-client.js';
import { connectionStore } from './connection.js';
import { createStore, useStore } from './store.js';

export const FEED_LIMIT = 200;
const BATCH_MS = 100;
/** The bans put into a fresh feed: the newest few of the last hour. */
const SEED_BANS = 10;
const SEED_BANS_WITHIN_SECS = 3_600;

export type FeedEntry =
  | { readonly id: number; readonly kind: 'attack'; readonly at: number; readonly ip: string; readonly service: string; readonly eventType: string }
  | { readonly id: number; readonly kind: 'ban'; readonly at: number; readonly ip: string; readonly reason: string; readonly source: string; readonly durationSecs: number }
  | { readonly id: number; readonly kind: 'unban'; readonly at: number; readonly ip: string; readonly reason: string };

type NewEntry = FeedEntry extends infer E ? (E extends FeedEntry ? Omit<E, 'id'> : never) : never;

export const feedStore = createStore<readonly FeedEntry[]>([]);
let nextId = 1;
const pending: NewEntry[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;

/** Adds entries in one update per 100 ms (a timer, not rAF, which stops while the window is hidden). */
function push(entry: NewEntry): void {
  pending.push(entry);
  if (pending.length > FEED_LIMIT) pending.shift();
  timer ??= setTimeout(() => {
    timer = null;
    const fresh = pending.splice(0).map((item) => ({ ...item, id: nextId++ }) as FeedEntry).reverse();
    feedStore.set((entries) => [...fresh, ...entries].slice(0, FEED_LIMIT));
  }, BATCH_MS);
}

/**
 * What makes an entry read from the helper the same as one already in the feed: an attempt by its
 * time and address; a ban by its address alone (a live event for it carries its arrival time, not
 * banned_at, and is the same ban or a newer one).
 */
const sameAs = (entry: NewEntry): string => (entry.kind === 'ban' ? `ban|${entry.ip}` : `${entry.kind}|${entry.at}|${entry.ip}`);

/** Sorts entries read from the helper into the feed by time, leaving out those it already has. */
function merge(read: readonly NewEntry[]): void {
  if (read.length === 0) return;
  feedStore.set((entries) => {
    const known = new Set([...entries, ...pending].map(sameAs));
    const older = read.filter((entry) => !known.has(sameAs(entry))).map((entry) => ({ ...entry, id: nextId++ }) as FeedEntry);
    return [...entries, ...older].sort((a, b) => b.at - a.at).slice(0, FEED_LIMIT);
  });
}

async function seedAttempts(): Promise<void> {
  const result = await call((bridge) => bridge.getEvents(50, Math.floor(Date.now() / 1000) - 86_400));
  if (!result.ok) return;
  merge(result.value.map((event) => ({ kind: 'attack', at: event.time * 1000, ip: event.ip, service: event.service, eventType: event.event_type })));
}

/** The newest few bans of the last hour, in one pass over the (possibly 100,000) bans. */
function seedBans(bans: readonly BanInfo[]): void {
  const since = Math.floor(Date.now() / 1000) - SEED_BANS_WITHIN_SECS;
  merge(
    newestBans(bans, SEED_BANS)
      .filter((ban) => ban.banned_at >= since)
      .map((ban) => ({
        kind: 'ban',
        at: ban.banned_at * 1000,
        ip: ban.ip,
        reason: ban.reason,
        source: ban.source,
        durationSecs: ban.expires_at === 0 ? 0 : ban.expires_at - ban.banned_at,
      })),
  );
}

export function startFeed(): void {
  addEventListener((event) => {
    if (event.type === 'attack') push({ kind: 'attack', at: event.at, ip: event.ip, service: event.service, eventType: event.eventType });
    else if (event.type === 'ban-added') push({ kind: 'ban', at: event.at, ip: event.ip, reason: event.reason, source: event.source, durationSecs: event.durationSecs });
    else if (event.type === 'ban-removed') push({ kind: 'unban', at: event.at, ip: event.ip, reason: event.reason });
  });
  let seeded = false;
  const trySeed = () => {
    if (!seeded && connectionStore.get().connection.state === 'running') {
      seeded = true;
      void seedAttempts();
    }
  };
  connectionStore.subscribe(trySeed);
  trySeed();
  // The ban list is read when a page first needs it (the dashboard does); its first answer seeds the bans.
  const stopWatchingBans = bansStore.subscribe(() => {
    const { status, bans } = bansStore.get();
    if (status !== 'ready') return;
    stopWatchingBans();
    seedBans(bans);
  });
}

export const useFeed = (): readonly FeedEntry[] => useStore(feedStore);
