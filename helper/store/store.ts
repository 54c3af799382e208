// The helper's SQLite database: opens it in WAL mode, applies numbered migrations, and offers typed queries.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { FilePosition } from '../sources/positions.js';
import { migrations, type Migration } from './migrations/index.js';

export interface NewBan {
  readonly address: string;
  readonly family: 4 | 6;
  /** NULL for manual bans. */
  readonly service: string | null;
  readonly reason: string;
  /** detector, manual, api. */
  readonly source: string;
  readonly failures: number;
  /** Epoch ms. */
  readonly bannedAt: number;
  /** Epoch ms; null = permanent. */
  readonly expiresAt: number | null;
}

export interface BanRecord extends NewBan {
  readonly id: number;
  readonly endedAt: number | null;
  readonly endReason: string | null;
}

export interface EventRecord {
  readonly time: number;
  readonly service: string;
  readonly address: string;
  readonly eventType: string;
  readonly pattern: string;
}

export interface WhitelistRecord {
  readonly network: string;
  readonly comment: string;
  readonly addedAt: number;
  readonly addedBy: number | null;
}

export interface ActivityRecord {
  readonly time: number;
  readonly actorUid: number | null;
  readonly action: string;
  readonly target: string | null;
  readonly detail: string | null;
}

/** id, address, service, reason, source, failures, banned_at, expires_at (epoch ms, null = permanent). */
export type ActiveBanRow = [number, string, string | null, string, string, number, number, number | null];

export interface StoreStatistics {
  readonly activeBans: number;
  readonly permanentBans: number;
  readonly bansTotal: number;
  readonly bansRecent: number;
  readonly eventsTotal: number;
  readonly eventsRecent: number;
  readonly attackersRecent: number;
  readonly eventsByServiceRecent: Record<string, number>;
  readonly activeBySource: Record<string, number>;
  readonly activeByService: Record<string, number>;
}

/** The store keeps the sources' read positions (sources/positions.ts). */
export type StoredPosition = FilePosition;

/** One row of the intel table: per-source answers and failures as JSON (helper/intel/cache.ts). */
export interface StoredIntel {
  /** Epoch ms of the newest answer. */
  readonly gatheredAt: number;
  readonly data: string;
  readonly errors: string | null;
}

export interface StoreOptions {
  readonly readonly?: boolean;
  /** Overrides the migration list (tests of the migration runner). */
  readonly migrations?: readonly Migration[];
}

interface BanRow {
  id: number;
  address: string;
  family: 4 | 6;
  service: string | null;
  reason: string;
  source: string;
  failures: number;
  banned_at: number;
  expires_at: number | null;
  ended_at: number | null;
  end_reason: string | null;
}

interface EventRow {
  time: number;
  service: string;
  address: string;
  event_type: string;
  pattern: string;
}

function toEvent(row: EventRow): EventRecord {
  return { time: row.time, service: row.service, address: row.address, eventType: row.event_type, pattern: row.pattern };
}

function toBan(row: BanRow): BanRecord {
  return {
    id: row.id,
    address: row.address,
    family: row.family,
    service: row.service,
    reason: row.reason,
    source: row.source,
    failures: row.failures,
    bannedAt: row.banned_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
  };
}

/** Applies every migration newer than the database's user_version, each in its own transaction. */
export function migrate(database: Database.Database, list: readonly Migration[] = migrations): number {
  const current = database.pragma('user_version', { simple: true }) as number;
  const newest = list.reduce((highest, migration) => Math.max(highest, migration.version), 0);
  if (current > newest) {
    throw new Error(
      `database schema version ${current} is newer than this program knows (${newest}): ` +
        'it was written by a newer croissant2ban; upgrade, or point db_path at another file',
    );
  }
  for (const migration of [...list].sort((left, right) => left.version - right.version)) {
    if (migration.version <= current) continue;
    database.transaction(() => {
      database.exec(migration.sql);
      database.pragma(`user_version = ${migration.version}`);
    })();
  }
  return database.pragma('user_version', { simple: true }) as number;
}

/**
 * Rows of (window index, count) for windows of @width from @start to @end, each one grouped range
 * read of a time index (store.test.ts checks the plans). Parameters are bound as BigInt so that "/"
 * is integer division: a JS number binds as REAL.
 */
export const WINDOW_COUNT_QUERIES = {
  events: 'SELECT (time - @start) / @width, COUNT(*) FROM events WHERE time >= @start AND time < @end GROUP BY 1',
  bans: 'SELECT (banned_at - @start) / @width, COUNT(*) FROM bans WHERE banned_at >= @start AND banned_at < @end GROUP BY 1',
} as const;

function prepareStatements(database: Database.Database) {
  const prepare = (sql: string) => database.prepare(sql);
  return {
    insertBan: prepare(
      `INSERT INTO bans (address, family, service, reason, source, failures, banned_at, expires_at)
       VALUES (@address, @family, @service, @reason, @source, @failures, @bannedAt, @expiresAt)`,
    ),
    activeBan: prepare('SELECT * FROM bans WHERE address = ? AND ended_at IS NULL'),
    closeExpiredOf: prepare(
      `UPDATE bans SET ended_at = expires_at, end_reason = 'expired'
       WHERE address = ? AND ended_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?`,
    ),
    activeBans: prepare('SELECT * FROM bans WHERE ended_at IS NULL ORDER BY banned_at'),
    activeBanEnds: prepare('SELECT address, family, expires_at FROM bans WHERE ended_at IS NULL').raw(),
    endBan: prepare(
      'UPDATE bans SET ended_at = @time, end_reason = @reason WHERE address = @address AND ended_at IS NULL',
    ),
    setBanEnd: prepare(
      `UPDATE bans SET expires_at = @expiresAt
       WHERE address = @address AND ended_at IS NULL AND (expires_at IS NULL OR expires_at > @now) RETURNING *`,
    ),
    endAllBans: prepare('UPDATE bans SET ended_at = @time, end_reason = @reason WHERE ended_at IS NULL'),
    expiredBans: prepare(
      'SELECT * FROM bans WHERE ended_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?',
    ),
    closeExpired: prepare(
      `UPDATE bans SET ended_at = expires_at, end_reason = 'expired'
       WHERE ended_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?`,
    ),
    banCount: prepare('SELECT COUNT(*) AS count FROM bans WHERE address = ?'),
    lastBanChanges: prepare(
      `SELECT address, MAX(MAX(banned_at, COALESCE(ended_at, banned_at))) FROM bans
       WHERE banned_at >= @since OR ended_at >= @since GROUP BY address`,
    ).raw(),
    activeBansPage: prepare(
      `SELECT id, address, service, reason, source, failures, banned_at, expires_at FROM bans
       WHERE ended_at IS NULL AND id > ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY id LIMIT ?`,
    ).raw(),
    activeCounts: prepare(
      `SELECT COUNT(*) AS active, COUNT(*) FILTER (WHERE expires_at IS NULL) AS permanent FROM bans
       WHERE ended_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
    ),
    activeBySource: prepare(
      `SELECT source AS key, COUNT(*) AS count FROM bans
       WHERE ended_at IS NULL AND (expires_at IS NULL OR expires_at > ?) GROUP BY source`,
    ),
    activeByService: prepare(
      `SELECT service AS key, COUNT(*) AS count FROM bans
       WHERE ended_at IS NULL AND service IS NOT NULL AND (expires_at IS NULL OR expires_at > ?) GROUP BY service`,
    ),
    banTotals: prepare('SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE banned_at >= ?) AS recent FROM bans'),
    eventTotals: prepare(
      'SELECT (SELECT COUNT(*) FROM events) AS total, COUNT(*) AS recent, COUNT(DISTINCT address) AS attackers FROM events WHERE time >= ?',
    ),
    eventsByService: prepare('SELECT service AS key, COUNT(*) AS count FROM events WHERE time >= ? GROUP BY service'),
    eventsPerWindow: prepare(WINDOW_COUNT_QUERIES.events).raw(),
    bansPerWindow: prepare(WINDOW_COUNT_QUERIES.bans).raw(),
    insertEvent: prepare(
      `INSERT INTO events (time, service, address, event_type, pattern)
       VALUES (@time, @service, @address, @eventType, @pattern)`,
    ),
    pruneEvents: prepare('DELETE FROM events WHERE time < ?'),
    recentEvents: prepare('SELECT * FROM events WHERE time >= ? ORDER BY time DESC, id DESC LIMIT ?'),
    eventsSince: prepare('SELECT * FROM events WHERE time >= ? ORDER BY time, id'),
    addWhitelist: prepare(
      `INSERT INTO whitelist (network, comment, added_at, added_by) VALUES (@network, @comment, @addedAt, @addedBy)
       ON CONFLICT (network) DO UPDATE SET comment = excluded.comment`,
    ),
    removeWhitelist: prepare('DELETE FROM whitelist WHERE network = ?'),
    listWhitelist: prepare('SELECT network, comment, added_at, added_by FROM whitelist ORDER BY network'),
    insertActivity: prepare(
      `INSERT INTO activity_log (time, actor_uid, action, target, detail)
       VALUES (@time, @actorUid, @action, @target, @detail)`,
    ),
    intel: prepare('SELECT gathered_at, data, errors FROM intel WHERE address = ?'),
    saveIntel: prepare(
      `INSERT INTO intel (address, gathered_at, data, errors) VALUES (@address, @gatheredAt, @data, @errors)
       ON CONFLICT (address) DO UPDATE SET gathered_at = excluded.gathered_at, data = excluded.data, errors = excluded.errors`,
    ),
    recentActivity: prepare('SELECT * FROM activity_log ORDER BY time DESC, id DESC LIMIT ?'),
    loadPosition: prepare('SELECT * FROM file_positions WHERE path = ?'),
    savePosition: prepare(
      `INSERT INTO file_positions (path, inode, device, first_line_hash, offset, cursor, updated_at)
       VALUES (@path, @inode, @device, @firstLineHash, @offset, @cursor, @updatedAt)
       ON CONFLICT (path) DO UPDATE SET inode = excluded.inode, device = excluded.device,
         first_line_hash = excluded.first_line_hash, offset = excluded.offset, cursor = excluded.cursor,
         updated_at = excluded.updated_at`,
    ),
  };
}

/** Consecutive equal windows of time that end at `end` (exclusive); all epoch ms. */
export interface CountWindows {
  readonly end: number;
  readonly widthMs: number;
  readonly count: number;
}

function countPerWindow(statement: Database.Statement, windows: CountWindows): number[] {
  const width = BigInt(Math.floor(windows.widthMs));
  if (windows.count <= 0 || width <= 0n) return [];
  const counts = new Array<number>(windows.count).fill(0);
  const end = BigInt(Math.floor(windows.end));
  const rows = statement.all({ start: end - width * BigInt(windows.count), end, width }) as [number, number][];
  for (const [index, count] of rows) counts[index] = count;
  return counts;
}

export class Store {
  readonly database: Database.Database;
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(readonly path: string, options: StoreOptions = {}) {
    if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    this.database = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    if (!options.readonly) {
      this.database.pragma('journal_mode = WAL');
      // NORMAL is durable across application crashes in WAL mode; only a power loss may lose the last commits.
      this.database.pragma('synchronous = NORMAL');
      migrate(this.database, options.migrations);
    }
    this.database.pragma('busy_timeout = 5000');
    this.statements = prepareStatements(this.database);
  }

  get schemaVersion(): number {
    return this.database.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.database.close();
  }

  // --- bans -------------------------------------------------------------------------------------

  /**
   * Records a new active ban. An earlier ban of the address that has expired but is not closed yet
   * (the cleanup runs every few seconds) is closed first; a ban still running makes this throw.
   */
  addBan(ban: NewBan): BanRecord {
    return this.database.transaction(() => {
      this.statements.closeExpiredOf.run(ban.address, ban.bannedAt);
      const result = this.statements.insertBan.run(ban);
      return { ...ban, id: Number(result.lastInsertRowid), endedAt: null, endReason: null };
    })();
  }

  /**
   * Records many bans in one transaction (a burst decided in the same instant). Each ban has its own
   * savepoint: one that cannot be recorded is returned in `failed` and the others are kept.
   */
  addBans(bans: readonly NewBan[]): { added: BanRecord[]; failed: { ban: NewBan; error: Error }[] } {
    const added: BanRecord[] = [];
    const failed: { ban: NewBan; error: Error }[] = [];
    this.database.transaction(() => {
      for (const ban of bans) {
        try {
          added.push(this.addBan(ban));
        } catch (error) {
          failed.push({ ban, error: error instanceof Error ? error : new Error(String(error)) });
        }
      }
    })();
    return { added, failed };
  }

  activeBan(address: string): BanRecord | null {
    const row = this.statements.activeBan.get(address) as BanRow | undefined;
    return row ? toBan(row) : null;
  }

  activeBans(): BanRecord[] {
    return (this.statements.activeBans.all() as BanRow[]).map(toBan);
  }

  /**
   * Address, family and end (epoch ms, null = permanent) of every active ban: what start-up needs,
   * without the cost of whole records (100,000 bans in ~40 ms instead of ~300).
   */
  activeBanEnds(): { address: string; family: 4 | 6; expiresAt: number | null }[] {
    return (this.statements.activeBanEnds.all() as [string, 4 | 6, number | null][]).map(([address, family, expiresAt]) => ({ address, family, expiresAt }));
  }

  /** Ends the active ban of an address; false when it had none. */
  endBan(address: string, reason: string, time: number): boolean {
    return this.statements.endBan.run({ address, reason, time }).changes > 0;
  }

  /**
   * Moves the end of the ban of an address that is running at `now` (epoch ms; null = permanent),
   * keeping the rest of its record. Returns the updated record, or null when no ban of it runs (one
   * that has expired but is not closed yet does not count: the cleanup closes it).
   */
  setBanEnd(address: string, expiresAt: number | null, now: number): BanRecord | null {
    const row = this.statements.setBanEnd.get({ address, expiresAt, now }) as BanRow | undefined;
    return row ? toBan(row) : null;
  }

  /**
   * Records what a batch of lines produced together with the read positions just past those lines,
   * in one transaction: after a crash either all of it is there or none is (and the lines are read
   * again), so no line is lost or counted twice.
   */
  commitBatch(batch: {
    readonly events: readonly EventRecord[];
    readonly bans: readonly NewBan[];
    readonly positions: readonly StoredPosition[];
    readonly now: number;
  }): { added: BanRecord[]; failed: { ban: NewBan; error: Error }[] } {
    return this.database.transaction(() => {
      this.addEvents(batch.events);
      const result = this.addBans(batch.bans);
      for (const position of batch.positions) this.savePosition(position, batch.now);
      return result;
    })();
  }

  /** Ends every active ban (c2b flush); returns how many. */
  endAllBans(reason: string, time: number): number {
    return this.statements.endAllBans.run({ reason, time }).changes;
  }

  /** Closes every ban whose expiry has passed; returns the bans it closed. */
  closeExpiredBans(now: number): BanRecord[] {
    return this.database.transaction(() => {
      const expired = (this.statements.expiredBans.all(now) as BanRow[]).map(toBan);
      this.statements.closeExpired.run(now);
      return expired;
    })();
  }

  /**
   * Active bans with an id above `afterId`, in id order, at most `limit`: GetBans reads 100,000 bans
   * in pages so that detection runs between them. Rows are arrays, in the order of the SELECT.
   */
  activeBansPage(afterId: number, limit: number, now: number): ActiveBanRow[] {
    return this.statements.activeBansPage.all(afterId, now, limit) as ActiveBanRow[];
  }

  /** Counts for GetStats and GetServices, as of `now`, with "recent" meaning at or after `since`. */
  statistics(now: number, since: number): StoreStatistics {
    const counts = (rows: unknown[]) => Object.fromEntries((rows as { key: string; count: number }[]).map((row) => [row.key, row.count]));
    const active = this.statements.activeCounts.get(now) as { active: number; permanent: number };
    const bans = this.statements.banTotals.get(since) as { total: number; recent: number };
    const events = this.statements.eventTotals.get(since) as { total: number; recent: number; attackers: number };
    return {
      activeBans: active.active,
      permanentBans: active.permanent,
      bansTotal: bans.total,
      bansRecent: bans.recent,
      eventsTotal: events.total,
      eventsRecent: events.recent,
      attackersRecent: events.attackers,
      eventsByServiceRecent: counts(this.statements.eventsByService.all(since)),
      activeBySource: counts(this.statements.activeBySource.all(now)),
      activeByService: counts(this.statements.activeByService.all(now)),
    };
  }

  /**
   * Failed attempts in `count` consecutive windows of `widthMs` ending at `end` (epoch ms), oldest
   * first: window i covers [end - (count - i) * widthMs, end - (count - 1 - i) * widthMs).
   */
  eventsPerWindow(windows: CountWindows): number[] {
    return countPerWindow(this.statements.eventsPerWindow, windows);
  }

  /** Bans started in each window, as eventsPerWindow. */
  bansPerWindow(windows: CountWindows): number[] {
    return countPerWindow(this.statements.bansPerWindow, windows);
  }

  /** Address -> the latest time (epoch ms) one of its bans started or ended, for bans touching [since, now]. */
  lastBanChanges(since: number): Map<string, number> {
    return new Map(this.statements.lastBanChanges.all({ since }) as [string, number][]);
  }

  /** How many bans an address ever had (active and ended): the repeat-offender count. */
  banCount(address: string): number {
    return (this.statements.banCount.get(address) as { count: number }).count;
  }

  // --- events -----------------------------------------------------------------------------------

  addEvents(events: readonly EventRecord[]): void {
    if (events.length === 0) return;
    this.database.transaction((list: readonly EventRecord[]) => {
      for (const event of list) this.statements.insertEvent.run(event);
    })(events);
  }

  /** The newest events first, at most `limit`. */
  recentEvents(options: { since: number; limit: number }): EventRecord[] {
    return (this.statements.recentEvents.all(options.since, options.limit) as EventRow[]).map(toEvent);
  }

  /** Every event at or after `since`, oldest first (to rebuild the detector's windows at start-up). */
  eventsSince(since: number): EventRecord[] {
    return (this.statements.eventsSince.all(since) as EventRow[]).map(toEvent);
  }

  /** Deletes events older than the cutoff (epoch ms); returns how many. */
  pruneEvents(olderThan: number): number {
    return this.statements.pruneEvents.run(olderThan).changes;
  }

  // --- whitelist --------------------------------------------------------------------------------

  addWhitelist(entry: WhitelistRecord): void {
    this.statements.addWhitelist.run(entry);
  }

  removeWhitelist(network: string): boolean {
    return this.statements.removeWhitelist.run(network).changes > 0;
  }

  whitelist(): WhitelistRecord[] {
    return (
      this.statements.listWhitelist.all() as { network: string; comment: string; added_at: number; added_by: number | null }[]
    ).map((row) => ({ network: row.network, comment: row.comment, addedAt: row.added_at, addedBy: row.added_by }));
  }

  // --- activity log -----------------------------------------------------------------------------

  logActivity(entry: ActivityRecord): void {
    this.statements.insertActivity.run(entry);
  }

  recentActivity(limit: number): ActivityRecord[] {
    return (
      this.statements.recentActivity.all(limit) as {
        time: number;
        actor_uid: number | null;
        action: string;
        target: string | null;
        detail: string | null;
      }[]
    ).map((row) => ({ time: row.time, actorUid: row.actor_uid, action: row.action, target: row.target, detail: row.detail }));
  }

  // --- file positions (the sources' PositionStore) ----------------------------------------------

  /** The cached intel of an address as stored: JSON text the intel module reads and checks. */
  intel(address: string): StoredIntel | null {
    const row = this.statements.intel.get(address) as { gathered_at: number; data: string; errors: string | null } | undefined;
    return row === undefined ? null : { gatheredAt: row.gathered_at, data: row.data, errors: row.errors };
  }

  saveIntel(address: string, intel: StoredIntel): void {
    this.statements.saveIntel.run({ address, ...intel });
  }

  loadPosition(path: string): StoredPosition | undefined {
    const row = this.statements.loadPosition.get(path) as
      | { path: string; inode: number; device: number; first_line_hash: string; offset: number; cursor: string | null }
      | undefined;
    if (!row) return undefined;
    const position: StoredPosition = {
      path: row.path,
      inode: row.inode,
      device: row.device,
      firstLineHash: row.first_line_hash,
      offset: row.offset,
    };
    return row.cursor === null ? position : { ...position, cursor: row.cursor };
  }

  savePosition(position: StoredPosition, now = Date.now()): void {
    this.statements.savePosition.run({ ...position, cursor: position.cursor ?? null, updatedAt: now });
  }
}
