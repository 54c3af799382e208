// The state a filter keeps per connection, in a fixed-size table: bounded in count and in log-time age.
//
// Invariant: at most `capacity` sessions exist (maxSessions rounded up to a power of two), and a
// session idle for longer than maxAgeMs of log time is never returned. The table is an open
// addressing hash table of recycled Session objects: a busy log creates a session per attacking
// connection, and allocating them (or churning a Map) cost more than everything else the matcher does.

export interface PendingFailure {
  readonly pattern: string;
  readonly eventType: string;
}

/** At most this many failures wait for an address, and this many user names are remembered. */
export const MAX_PENDING = 16;
export const MAX_USERS = 8;
/** A key lives in one of this many consecutive slots; when all are taken, the least recent one is replaced. */
const PROBES = 8;

export class Session {
  /** The peer as canonical text, once a line named it and it was needed. */
  address: string | null = null;
  /** The peer as a line captured it, not validated yet: most connections never need it. */
  addressText: string | null = null;
  /** Failures seen before the address was known (null while there are none: most sessions). */
  pending: PendingFailure[] | null = null;
  /** Failures already reported for this connection. */
  counted = 0;
  /** An attempt that was opened ("Invalid user x") and whose outcome line may still come; null if none. */
  announcedUser: string | null = null;
  announcedCounted = false;
  /** The first user name, kept apart so that a one-user connection (nearly all of them) needs no array. */
  private firstUser: string | null = null;
  private otherUsers: string[] | null = null;

  /** @param slot where the table keeps this session */
  constructor(readonly slot: number) {}

  /** Clears the session for a new connection. */
  reset(): void {
    this.address = null;
    this.addressText = null;
    this.pending = null;
    this.counted = 0;
    this.announcedUser = null;
    this.announcedCounted = false;
    this.firstUser = null;
    this.otherUsers = null;
  }

  /** How many distinct user names the connection tried (at most MAX_USERS are remembered). */
  get userCount(): number {
    return this.firstUser === null ? 0 : 1 + (this.otherUsers === null ? 0 : this.otherUsers.length);
  }

  get pendingCount(): number {
    return this.pending === null ? 0 : this.pending.length;
  }

  /** Adds a user name; true when it was not known yet. */
  addUser(user: string): boolean {
    if (user === '' || user === this.firstUser) return false;
    if (this.firstUser === null) {
      this.firstUser = user;
      return true;
    }
    const others = (this.otherUsers ??= []);
    if (others.includes(user)) return false;
    if (others.length < MAX_USERS - 1) others.push(user);
    return true;
  }

  addPending(failure: PendingFailure): void {
    if (this.pending === null) this.pending = [];
    if (this.pending.length < MAX_PENDING) this.pending.push(failure);
  }
}

/**
 * The first slot for a key. Process keys are pid * 256 + 8 bits of host: consecutive pids of one
 * host land in consecutive slots (new connections touch memory near the last ones), hosts spread.
 */
function mix(key: number): number {
  return ((key >>> 8) + Math.imul(key & 255, 0x9e3779b1)) >>> 0;
}

/** A 31-bit hash of a string key (session ids). */
export function hashText(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (hash * 31 + text.charCodeAt(index)) | 0;
  return hash & 0x7fffffff;
}

/**
 * Sessions by key. A key is a small integer (LogLine.processKey, or hashText of a session id);
 * owner (LogLine.processOwner) or text (the session id itself) tells apart keys that collide.
 */
export class SessionTable {
  readonly capacity: number;
  private readonly mask: number;
  private readonly keys: Int32Array;
  private readonly owners: Int32Array;
  private readonly texts: (string | null)[];
  private readonly used: Uint8Array;
  /** Log time each slot's session was last seen: a typed array, so probing never touches session objects. */
  private readonly lastSeen: Float64Array;
  private readonly sessions: (Session | undefined)[];
  private count = 0;

  constructor(maxSessions: number, private readonly maxAgeMs: number) {
    let capacity = PROBES;
    while (capacity < maxSessions) capacity *= 2;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.keys = new Int32Array(capacity);
    this.owners = new Int32Array(capacity);
    this.texts = new Array<string | null>(capacity).fill(null);
    this.used = new Uint8Array(capacity);
    this.lastSeen = new Float64Array(capacity);
    this.sessions = new Array<Session | undefined>(capacity).fill(undefined);
  }

  /** Sessions currently held (live or expired but not yet replaced). */
  get size(): number {
    return this.count;
  }

  private find(key: number, owner: number, text: string | null): number {
    let slot = mix(key) & this.mask;
    for (let probe = 0; probe < PROBES; probe++, slot = (slot + 1) & this.mask) {
      if (this.used[slot] === 1 && this.keys[slot] === key && this.owners[slot] === owner && this.texts[slot] === text) return slot;
    }
    return -1;
  }

  /** The live session (its lastSeen moved to now), or undefined. */
  get(key: number, owner: number, text: string | null, now: number): Session | undefined {
    const slot = this.find(key, owner, text);
    if (slot < 0) return undefined;
    if (now - this.lastSeen[slot]! > this.maxAgeMs) {
      this.free(slot);
      return undefined;
    }
    if (now > this.lastSeen[slot]!) this.lastSeen[slot] = now;
    return this.sessions[slot]!;
  }

  /** The session without touching it, live or not (get() is the one that applies the age limit). */
  peek(key: number, owner: number, text: string | null): Session | undefined {
    const slot = this.find(key, owner, text);
    return slot < 0 ? undefined : this.sessions[slot];
  }

  /** A fresh session for the key, replacing any earlier one (or the least recent neighbour when all slots are taken). */
  create(key: number, owner: number, text: string | null, now: number): Session {
    let slot = this.find(key, owner, text);
    if (slot < 0) {
      let candidate = mix(key) & this.mask;
      let oldest = -1;
      for (let probe = 0; probe < PROBES; probe++, candidate = (candidate + 1) & this.mask) {
        if (this.used[candidate] === 0 || now - this.lastSeen[candidate]! > this.maxAgeMs) {
          slot = candidate;
          break;
        }
        if (oldest < 0 || this.lastSeen[candidate]! < this.lastSeen[oldest]!) oldest = candidate;
      }
      if (slot < 0) slot = oldest;
    }
    if (this.used[slot] === 0) {
      this.used[slot] = 1;
      this.count++;
    }
    this.keys[slot] = key;
    this.owners[slot] = owner;
    this.texts[slot] = text;
    this.lastSeen[slot] = now;
    const session = (this.sessions[slot] ??= new Session(slot));
    session.reset();
    return session;
  }

  /** Ends a session. Its object is reused by a later connection: do not keep it. */
  delete(session: Session): void {
    if (this.used[session.slot] === 1) this.free(session.slot);
  }

  private free(slot: number): void {
    this.used[slot] = 0;
    this.texts[slot] = null;
    this.count--;
  }
}

/** At most this many attempts are kept per address (a summary line stands for at most 10). */
export const MAX_LEDGER_PER_ADDRESS = 16;

/**
 * Attempts that a summary line of another process will count again ("summarised" lines without a
 * connection key), by address: the log times of each address's lines, oldest first.
 *
 * Invariant: at most maxAddresses addresses (the least recently touched goes first) and
 * MAX_LEDGER_PER_ADDRESS times each, none older than maxAgeMs before the latest time added or asked
 * for. Forgetting an entry early only makes a summary count more, never less.
 */
export class AddressLedger {
  private readonly times = new Map<string, number[]>();

  constructor(private readonly maxAddresses: number, private readonly maxAgeMs: number) {}

  /** Addresses currently held. */
  get size(): number {
    return this.times.size;
  }

  /** Records one attempt of address at log time now. */
  add(address: string, now: number): void {
    let list = this.times.get(address);
    if (list === undefined) {
      if (this.times.size >= this.maxAddresses) this.times.delete(this.times.keys().next().value!);
      list = [];
    } else {
      // Map order is insertion order: moving the address to the end keeps eviction least-recent-first.
      this.times.delete(address);
      this.prune(list, now);
    }
    // Lines mostly come in time order; a late one is put in its place so the list stays sorted.
    let index = list.length;
    while (index > 0 && list[index - 1]! > now) index--;
    list.splice(index, 0, now);
    if (list.length > MAX_LEDGER_PER_ADDRESS) list.shift();
    this.times.set(address, list);
  }

  /**
   * Removes up to count attempts of address logged from `from` to `to` (inclusive), oldest first,
   * and returns how many it removed. Each recorded attempt is taken at most once.
   */
  take(address: string, count: number, from: number, to: number): number {
    const list = this.times.get(address);
    if (list === undefined || count <= 0) return 0;
    this.prune(list, to);
    let taken = 0;
    for (let index = 0; index < list.length && taken < count; ) {
      const time = list[index]!;
      if (time > to) break;
      if (time >= from) {
        list.splice(index, 1);
        taken++;
      } else index++;
    }
    if (list.length === 0) this.times.delete(address);
    return taken;
  }

  private prune(list: number[], now: number): void {
    let stale = 0;
    while (stale < list.length && now - list[stale]! > this.maxAgeMs) stale++;
    if (stale > 0) list.splice(0, stale);
  }
}
