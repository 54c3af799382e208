// The dashboard's live feed: attacks and bans as they arrive, newest first, at most FEED_LIMIT. It
// listens from the moment the window opens, so switching pages loses nothing; it starts with the
// newest failed attempts the helper already knows.
import { addEventListener, bridge } from './bridge-client.js';
import { connectionStore } from './connection.js';
import { createStore, useStore } from './store.js';

export const FEED_LIMIT = 200;

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
  });
}

async function seed(): Promise<void> {
  const result = await bridge()
    .getEvents(50, Math.floor(Date.now() / 1000) - 86_400)
    .catch(() => null);
  if (!result?.ok) return;
  feedStore.set((entries) => {
    const known = new Set(entries.map((entry) => `${entry.at}|${entry.ip}`));
    const older = result.value
      .map((event) => ({ id: nextId++, kind: 'attack' as const, at: event.time * 1000, ip: event.ip, service: event.service, eventType: event.event_type }))
      .filter((entry) => !known.has(`${entry.at}|${entry.ip}`));
    return [...entries, ...older].sort((a, b) => b.at - a.at).slice(0, FEED_LIMIT);
  });
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
      void seed();
    }
  };
  connectionStore.subscribe(trySeed);
  trySeed();
}

export const useFeed = (): readonly FeedEntry[] => useStore(feedStore);
