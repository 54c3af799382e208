// Sorting and filtering the ban list: pure, and cheap enough for 100,000 rows (keys are computed once
// per ban object and per sort, comparisons are plain < on strings and numbers, no locale collation).
import type { BanInfo } from '../helper/protocol/index.js';

export type SortKey = 'ip' | 'service' | 'reason' | 'source' | 'failures' | 'banned_at' | 'expires_at';
export type SortDirection = 'ascending' | 'descending';
export interface SortOrder {
  readonly key: SortKey;
  readonly direction: SortDirection;
}

/** Numbers and dates read best newest/largest first; text A to Z. */
export const firstDirection = (key: SortKey): SortDirection => (key === 'failures' || key === 'banned_at' || key === 'expires_at' ? 'descending' : 'ascending');

const addressKeys = new WeakMap<BanInfo, string>();

/**
 * A short string that sorts addresses numerically: IPv4 ("4" and two 16-bit characters) before IPv6
 * ("6" and one character per 16-bit group). Not for display.
 */
export function addressSortKey(ip: string): string {
  if (!ip.includes(':')) {
    const parts = ip.split('.');
    const high = (Number(parts[0]) << 8) | Number(parts[1]);
    const low = (Number(parts[2]) << 8) | Number(parts[3]);
    return `4${String.fromCharCode(high, low)}`;
  }
  const [head = '', tail = ''] = ip.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...headParts, ...Array<string>(Math.max(0, 8 - headParts.length - tailParts.length)).fill('0'), ...tailParts] : headParts;
  return `6${String.fromCharCode(...groups.map((group) => parseInt(group, 16) || 0))}`;
}

function addressKey(ban: BanInfo): string {
  let key = addressKeys.get(ban);
  if (key === undefined) {
    key = addressSortKey(ban.ip);
    addressKeys.set(ban, key);
  }
  return key;
}

function valueOf(ban: BanInfo, key: SortKey): string | number {
  switch (key) {
    case 'ip':
      return addressKey(ban);
    case 'service':
      return ban.service.toLowerCase();
    case 'reason':
      return ban.reason.toLowerCase();
    case 'source':
      return ban.source;
    case 'failures':
      return ban.failures;
    case 'banned_at':
      return ban.banned_at;
    case 'expires_at':
      return ban.expires_at === 0 ? Number.POSITIVE_INFINITY : ban.expires_at;
  }
}

interface Decorated {
  readonly ban: BanInfo;
  readonly value: string | number;
}

/** The order of two bans; ties are broken by the address text (cheap, and stable across reads). */
function comparator(order: SortOrder): (a: Decorated, b: Decorated) => number {
  const sign = order.direction === 'ascending' ? 1 : -1;
  return (a, b) => {
    if (a.value < b.value) return -sign;
    if (a.value > b.value) return sign;
    return a.ban.ip < b.ban.ip ? -1 : a.ban.ip > b.ban.ip ? 1 : 0;
  };
}

/** A sorted copy. */
export function sortBans(bans: readonly BanInfo[], order: SortOrder): BanInfo[] {
  // Sort keys of addresses are not cached here: a full sort touches every ban once anyway.
  const decorated: Decorated[] = bans.map((ban) => ({ ban, value: order.key === 'ip' ? addressSortKey(ban.ip) : valueOf(ban, order.key) }));
  decorated.sort(comparator(order));
  return decorated.map((entry) => entry.ban);
}

/** How a ban list was derived from the one before: drop `removed` (addresses), then add `added`. */
export interface BansChange {
  readonly previous: readonly BanInfo[];
  readonly added: readonly BanInfo[];
  readonly removed: ReadonlySet<string>;
}

/** Beyond this many added bans a full sort is cheaper than inserting one by one. */
const MAX_INSERTS = 2_000;

/**
 * The sorted list after `change`, from the sorted list before it: a filter and a binary-search insert
 * per added ban, instead of sorting 100,000 bans again for every event. Null when a full sort is better.
 */
export function resortAfterChange(sorted: readonly BanInfo[], change: BansChange, order: SortOrder): BanInfo[] | null {
  if (change.added.length > MAX_INSERTS) return null;
  const next = change.removed.size > 0 ? sorted.filter((ban) => !change.removed.has(ban.ip)) : sorted.slice();
  const compare = comparator(order);
  for (const ban of change.added) {
    const item = { ban, value: valueOf(ban, order.key) };
    let low = 0;
    let high = next.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = next[middle]!;
      if (compare({ ban: other, value: valueOf(other, order.key) }, item) <= 0) low = middle + 1;
      else high = middle;
    }
    next.splice(low, 0, ban);
  }
  return next;
}

const searchTexts = new WeakMap<BanInfo, string>();

/** The bans whose address, service or reason contain `query` (case-insensitive); keeps the order. */
export function filterBans(bans: readonly BanInfo[], query: string): readonly BanInfo[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return bans;
  return bans.filter((ban) => {
    let text = searchTexts.get(ban);
    if (text === undefined) {
      text = `${ban.ip}\n${ban.service}\n${ban.reason}`.toLowerCase();
      searchTexts.set(ban, text);
    }
    return text.includes(needle);
  });
}

/** The `limit` bans with the highest banned_at, newest first, in one pass over the list. */
export function newestBans(bans: readonly BanInfo[], limit: number): BanInfo[] {
  let top: BanInfo[] = [];
  let threshold = -Infinity;
  for (const ban of bans) {
    if (ban.banned_at < threshold) continue;
    top.push(ban);
    if (top.length >= limit * 2) {
      top.sort((a, b) => b.banned_at - a.banned_at);
      top = top.slice(0, limit);
      threshold = top[top.length - 1]!.banned_at;
    }
  }
  return top.sort((a, b) => b.banned_at - a.banned_at).slice(0, limit);
}
