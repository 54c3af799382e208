// The helper's pipeline, wired in one place: sources -> filters -> detector -> gate -> firewall + store.
import { existsSync } from 'node:fs';
import type { Config, ServiceConfig } from '../config/types.js';
import { parseAddress, parseNetwork } from '../core/address.js';
import { Detection } from '../core/detection.js';
import { DEFAULT_MAX_TRACKED, Detector } from '../core/detector.js';
import type { BanDecision, SourceLine } from '../core/events.js';
import { Gate, configuredWhitelist, localInterfaceAddresses, type LabelledNetwork } from '../core/gate.js';
import type { BlockRequest, FirewallBackend } from '../firewall/backend.js';
import { createFileSource, type Source, type SourceWarning } from '../sources/file-source.js';
import { createJournalSource } from '../sources/journal-source.js';
import type { FilePosition, PositionStore } from '../sources/positions.js';
import type { EventRecord, Store } from '../store/store.js';
import type { Logger } from './log.js';
import { createOperations, type Operations } from './operations.js';

export interface PipelineOptions {
  readonly config: Config;
  readonly store: Store;
  readonly firewall: FirewallBackend;
  readonly logger: Logger;
  /** Wall clock, epoch ms (injected for tests). */
  readonly now?: () => number;
  /** Told of bans and attacks as they happen (the D-Bus signals); must not throw or block. */
  readonly observer?: PipelineObserver;
}

/** What the pipeline tells the world (the D-Bus adapter turns these into signals). */
export interface PipelineObserver {
  banAdded(ban: { readonly address: string; readonly reason: string; readonly source: string; readonly seconds: number }): void;
  /** `address` is "*" when every ban ended at once (a flush). */
  banRemoved(address: string, reason: string): void;
  /** A running ban now ends `seconds` from now (0 = never), at `expiresAt` (epoch ms, null = never); the same ban, not a new one. */
  banExtended(ban: { readonly address: string; readonly seconds: number; readonly expiresAt: number | null }): void;
  attack(failure: EventRecord): void;
}

const SILENT: PipelineObserver = { banAdded() {}, banRemoved() {}, banExtended() {}, attack() {} };

export interface Pipeline {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Feeds one line as a source would (tests, and the sources themselves). */
  accept(line: SourceLine): void;
  /** Resolves once every decision taken so far is in the firewall and the store. */
  settle(): Promise<void>;
  readonly detection: Detection;
  /** What an admin can ask of the running helper (the D-Bus adapter calls these). */
  readonly operations: Operations;
  /** Whether an address is banned now (the in-memory mirror: no database read). */
  isBanned(address: string): boolean;
  /** Active bans, from the in-memory mirror (expired ones may linger until the next housekeeping). */
  readonly activeBanCount: number;
  /** Failures seen since this pipeline started. */
  readonly eventsProcessed: number;
}

/** How often expired bans are closed in the database and the host's addresses re-read. */
const HOUSEKEEPING_INTERVAL_MS = 10_000;
/** Once live, a decision whose log time lags the clock by more than this gets a warning (once). */
const LAG_WARNING_MS = 5 * 60_000;
/** The firewall repair loop retries after this, doubling up to the maximum. */
const REPAIR_FIRST_DELAY_MS = 1000;
const REPAIR_MAX_DELAY_MS = 60_000;
/** Failure events are kept this long for the activity views, then pruned. */
const EVENT_RETENTION_MS = 30 * 86_400_000;

export function createPipeline(options: PipelineOptions): Pipeline {
  const { config, store, firewall, logger } = options;
  const now = options.now ?? Date.now;
  const observer = options.observer ?? SILENT;
  let eventsProcessed = 0;
  const services = config.services.filter((service) => service.enabled);
  const policies = new Map(services.map((service) => [service.name, service]));

  // --- gate: loopback, own addresses, config and database whitelists -----------------------------
  const warn = (message: string) => logger.warn(message);
  const configured = configuredWhitelist(config, warn);
  const gate = new Gate({ networks: configured, hostAddresses: localInterfaceAddresses() });
  const databaseWhitelist = config.whitelist.enabled && config.whitelist.sources.some((source) => source.type === 'database');
  const databaseNetworks = (): LabelledNetwork[] =>
    store
      .whitelist()
      .map((entry) => ({ network: parseNetwork(entry.network), origin: 'database' }))
      .filter((entry): entry is LabelledNetwork => entry.network !== null);
  if (databaseWhitelist) gate.setDatabaseNetworks(databaseNetworks());

  // --- active bans mirrored in memory: failures of banned addresses are not counted again --------
  const bannedUntil = new Map<string, number>();
  for (const ban of store.activeBanEnds()) bannedUntil.set(ban.address, ban.expiresAt ?? Infinity);

  const detector = new Detector({
    policyFor: (name) => policies.get(name)!,
    maxTracked: config.general.maxTrackedAddresses || DEFAULT_MAX_TRACKED,
    history: { previousBans: (address) => store.banCount(address) },
  });
  const detection = new Detection({
    services,
    detector,
    gate,
    isBanned: (address, time) => (bannedUntil.get(address) ?? -Infinity) > time,
    now,
    yearReference: now,
  });

  // A user regex that is only safe on short lines is skipped on longer ones: an admin must know.
  for (const [service, filter] of detection.serviceFilters) {
    for (const pattern of filter.patterns) {
      if (pattern.maxLineLength === null) continue;
      logger.warn(`pattern ${pattern.name} is tried only on lines up to ${pattern.maxLineLength} characters (it could backtrack on longer ones); anchor it with ^ and avoid unbounded .* to lift this`, { service });
    }
  }

  // --- when a ban starts ------------------------------------------------------------------------
  // While catching up (until every source has read what was there at start-up) a ban runs from the
  // log time of the line that decided it, so lines read after a restart ban only for what is left.
  // Once live, a ban runs from now: a log whose clock lags ours (a time zone mismatch) still bans.
  let live = false;
  let lagReported = false;
  const banStart = (decision: BanDecision, current: number): number => {
    if (!live) return Math.min(decision.time, current);
    if (!lagReported && current - decision.time > LAG_WARNING_MS) {
      lagReported = true;
      logger.warn('log timestamps lag this clock; check the time zone of the log writer', {
        service: decision.service,
        lag_seconds: Math.round((current - decision.time) / 1000),
      });
    }
    return current;
  };

  // --- decisions are collected per tick and applied in one batch ---------------------------------
  interface PendingBan {
    readonly decision: BanDecision;
    /** Epoch ms; null = permanent. */
    readonly expiresAt: number | null;
  }
  let pendingEvents: EventRecord[] = [];
  let pendingBans: PendingBan[] = [];
  /** Read positions wait for the events and bans of their lines: saved in the same transaction. */
  let pendingPositions = new Map<string, FilePosition>();
  let scheduled = false;
  /** Every apply runs after the one before it: settle() awaits the tail. */
  let applying: Promise<void> = Promise.resolve();

  /** Forgets the in-memory ban of a decision that was not applied, unless a newer one replaced it. */
  const unmark = ({ decision, expiresAt }: PendingBan) => {
    if (bannedUntil.get(decision.address) === (expiresAt ?? Infinity)) bannedUntil.delete(decision.address);
  };

  const apply = async (): Promise<void> => {
    const events = pendingEvents;
    const bans = pendingBans;
    const positions = [...pendingPositions.values()];
    pendingEvents = [];
    pendingBans = [];
    pendingPositions = new Map();
    const current = now();
    const due: PendingBan[] = [];
    for (const pending of bans) {
      if (pending.expiresAt !== null && pending.expiresAt <= current) {
        logger.info('ban would already have ended; not applied', { service: pending.decision.service, address: pending.decision.address, action: 'skip' });
        unmark(pending);
      } else {
        due.push(pending);
      }
    }
    const requests: BlockRequest[] = due.map(({ decision, expiresAt }) => ({
      address: decision.address,
      family: parseAddress(decision.address)!.family,
      seconds: expiresAt === null ? 0 : Math.ceil((expiresAt - current) / 1000),
    }));
    // The database holds what is decided, with the read positions past the lines that decided it;
    // the firewall is made to match it, now or by the repair loop.
    try {
      const { failed } = store.commitBatch({
        events,
        bans: due.map(({ decision, expiresAt }, index) => ({
          address: decision.address,
          family: requests[index]!.family,
          service: decision.service,
          reason: `${decision.failures} failures (${decision.pattern})`,
          source: 'detector',
          failures: decision.failures,
          bannedAt: current,
          expiresAt,
        })),
        positions,
        now: current,
      });
      for (const { ban, error } of failed) {
        logger.error('ban not recorded in the database; applied all the same', { service: ban.service, address: ban.address, error: error.message });
      }
    } catch (error) {
      // A full disk, say: the bans still go to the firewall; the lines will be read again after a restart.
      logger.error('could not record in the database', { events: events.length, bans: due.length, error: String(error) });
    }
    if (requests.length === 0) return;
    try {
      await firewall.block(requests);
    } catch (error) {
      logger.error('the firewall refused the bans; retrying until it takes them', { count: requests.length, backend: firewall.name, error: String(error) });
      repair();
    }
    due.forEach(({ decision }, index) => {
      observer.banAdded({ address: decision.address, reason: `${decision.failures} failures (${decision.pattern})`, source: 'detector', seconds: requests[index]!.seconds });
      logger.info('banned', {
        service: decision.service,
        address: decision.address,
        action: 'ban',
        failures: decision.failures,
        seconds: requests[index]!.seconds,
      });
    });
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    applying = applying
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        scheduled = false;
        return apply();
      })
      .catch((error: unknown) => logger.error('applying decisions failed', { error: String(error) }));
  };

  const decide = (decision: BanDecision) => {
    const expiresAt = decision.banTime === 0 ? null : banStart(decision, now()) + decision.banTime * 1000;
    bannedUntil.set(decision.address, expiresAt ?? Infinity);
    pendingBans.push({ decision, expiresAt });
    schedule();
  };

  const accept = (line: SourceLine): void => {
    let outcomes;
    try {
      outcomes = detection.process(line);
    } catch (error) {
      logger.error('line could not be processed', { service: line.service, origin: line.origin, error: String(error) });
      return;
    }
    for (const outcome of outcomes) {
      if (outcome.kind === 'failure') {
        const { failure } = outcome;
        pendingEvents.push({ ...failure });
        eventsProcessed++;
        observer.attack(failure);
        logger.debug('failure', { service: failure.service, address: failure.address, action: failure.eventType, pattern: failure.pattern });
        schedule();
      } else if (outcome.kind === 'ban') {
        decide(outcome.decision);
      } else {
        logger.info('not banned', { service: outcome.decision.service, address: outcome.decision.address, action: 'spare', reason: outcome.reason });
      }
    }
  };

  /**
   * After a restart, a crash or a reboot that emptied the firewall: every active ban of the database
   * is in the kernel again with the time it has left. Bans already there are left alone (no unban
   * and reban), expired ones are not re-added, and blocks the database does not know (a crash after
   * the kernel took them, before the database did) are adopted rather than lifted.
   */
  const reconcile = async (): Promise<void> => {
    const current = now();
    const kernel = new Map((await firewall.list()).map((entry) => [entry.address, entry]));
    const missing: BlockRequest[] = [];
    for (const ban of store.activeBanEnds()) {
      if (kernel.delete(ban.address)) continue;
      missing.push({ address: ban.address, family: ban.family, seconds: ban.expiresAt === null ? 0 : Math.ceil((ban.expiresAt - current) / 1000) });
    }
    if (missing.length > 0) {
      await firewall.block(missing);
      logger.info('restored bans missing from the firewall', { count: missing.length, action: 'restore' });
    }
    // Left in the kernel: addresses whose ban the database ended (an unban the firewall missed) are
    // released; addresses it never banned are adopted rather than lifted, so no hole opens.
    const ended = [...kernel.values()].filter((entry) => store.banCount(entry.address) > 0);
    if (ended.length > 0) {
      await firewall.release(ended);
      logger.info('released blocks whose ban had ended', { count: ended.length, action: 'release' });
    }
    const unknown = [...kernel.values()].filter((entry) => store.banCount(entry.address) === 0);
    if (unknown.length > 0) {
      const { added } = store.addBans(
        unknown.map((entry) => ({
          address: entry.address,
          family: entry.family,
          service: null,
          reason: 'found in the firewall at start-up',
          source: 'firewall',
          failures: 0,
          bannedAt: current,
          expiresAt: entry.seconds === 0 ? null : current + entry.seconds * 1000,
        })),
      );
      for (const ban of added) {
        bannedUntil.set(ban.address, ban.expiresAt ?? Infinity);
        observer.banAdded({ address: ban.address, reason: ban.reason, source: ban.source, seconds: ban.expiresAt === null ? 0 : Math.ceil((ban.expiresAt - current) / 1000) });
      }
      logger.warn('adopted blocks found in the firewall that the database did not know', { count: added.length, action: 'adopt' });
    }
  };

  /** Brings the firewall in line with the database: its layout, the whitelist, every active ban. */
  const synchronise = async (): Promise<void> => {
    await firewall.init();
    await firewall.allow(whitelistNetworks());
    await reconcile();
  };

  // While the firewall fails (nft missing, a kernel without nf_tables), detection goes on, bans are
  // recorded, and this loop retries the whole synchronisation with a growing delay.
  let repairTimer: NodeJS.Timeout | null = null;
  let repairDelay = REPAIR_FIRST_DELAY_MS;
  let stopped = false;
  const repair = () => {
    if (repairTimer !== null || stopped) return;
    repairTimer = setTimeout(async () => {
      try {
        await synchronise();
        repairTimer = null;
        repairDelay = REPAIR_FIRST_DELAY_MS;
        logger.info('the firewall is in line with the database again', { backend: firewall.name, action: 'repair' });
      } catch (error) {
        repairTimer = null;
        repairDelay = Math.min(repairDelay * 2, REPAIR_MAX_DELAY_MS);
        logger.error('the firewall still fails; retrying', { backend: firewall.name, seconds: repairDelay / 1000, error: String(error) });
        repair();
      }
    }, repairDelay);
    repairTimer.unref();
  };

  /** The whitelist goes into the firewall too, accepted ahead of every block. */
  const whitelistNetworks = () => [...configured, ...(databaseWhitelist ? databaseNetworks() : [])].map((entry) => entry.network);

  /**
   * Failures still inside their window survive a restart: the windows are rebuilt from the store.
   * A ban they decide is one a crash kept from being applied: it goes the normal way.
   */
  const rebuildWindows = () => {
    const longestWindow = Math.max(0, ...services.map((service) => service.findTime)) * 1000;
    const since = now() - longestWindow;
    // Failures from before an address's last ban started or ended (expired, unbanned, flushed)
    // were already answered: they do not count again.
    const settled = store.lastBanChanges(since);
    for (const event of store.eventsSince(since)) {
      if (!policies.has(event.service) || bannedUntil.has(event.address)) continue;
      if (event.time <= (settled.get(event.address) ?? -Infinity)) continue;
      const decision = detector.record(event);
      if (decision === null) continue;
      const reason = gate.check(decision.address);
      if (reason === null) decide(decision);
    }
  };

  // --- sources ------------------------------------------------------------------------------------
  const positions: PositionStore = {
    load: (path) => store.loadPosition(path),
    save: (position) => {
      pendingPositions.set(position.path, position);
      schedule();
    },
  };
  // One source per distinct file (or journal unit set), fanned out to every service that reads it:
  // postfix and dovecot often share /var/log/mail.log, and a file has one read position, not two.
  const fileReaders = new Map<string, string[]>();
  const journalReaders = new Map<string, { units: string[]; services: string[] }>();
  for (const service of services) {
    const anyFileNow = service.logPaths.some((path) => /[*?[{]/.test(path) || existsSync(path));
    if (service.journalUnits.length > 0 && !anyFileNow) {
      logger.info('no log file found; following the journal', { service: service.name, units: service.journalUnits.join(',') });
      const units = [...service.journalUnits].sort();
      const entry = journalReaders.get(units.join(',')) ?? { units, services: [] };
      entry.services.push(service.name);
      journalReaders.set(units.join(','), entry);
      continue;
    }
    for (const pattern of service.logPaths) fileReaders.set(pattern, [...(fileReaders.get(pattern) ?? []), service.name]);
  }
  const fanOut = (names: readonly string[]) => (line: SourceLine) => {
    for (const name of names) accept(name === line.service ? line : { ...line, service: name });
  };
  const warnFor = (names: readonly string[]) => (warning: SourceWarning) =>
    logger.warn(warning.message, { service: names.join(','), origin: warning.origin, problem: warning.code });
  const sources: Source[] = [
    ...[...fileReaders].map(([pattern, names]) =>
      createFileSource({ service: names[0]!, pattern, positions, onLine: fanOut(names), onWarning: warnFor(names) }),
    ),
    ...[...journalReaders.values()].map(({ units, services: names }) =>
      createJournalSource({
        service: names[0]!,
        units,
        positions,
        onLine: fanOut(names),
        onWarning: warnFor(names),
        // Without a saved cursor, start one window back: an attack already under way is seen whole.
        initialWindowSeconds: Math.max(...names.map((name) => policies.get(name)!.findTime)),
      }),
    ),
  ];

  let housekeeping: NodeJS.Timeout | null = null;
  const houseKeep = () => {
    try {
      for (const ban of store.closeExpiredBans(now())) {
        // Unless the address was banned again since (its row is closed by that new ban).
        if (bannedUntil.get(ban.address) === (ban.expiresAt ?? Infinity)) {
          bannedUntil.delete(ban.address);
          observer.banRemoved(ban.address, 'expired');
        }
        logger.info('ban expired', { service: ban.service ?? 'manual', address: ban.address, action: 'expire' });
      }
    } catch (error) {
      logger.error('could not close expired bans', { error: String(error) });
    }
    try {
      store.pruneEvents(now() - EVENT_RETENTION_MS);
    } catch (error) {
      logger.error('could not prune old events', { error: String(error) });
    }
    gate.setHostAddresses(localInterfaceAddresses());
    detection.sweep(now());
  };

  const operations = createOperations({
    store,
    firewall,
    logger,
    now,
    gateCheck: (address) => gate.check(address),
    databaseWhitelist,
    refreshWhitelist: async () => {
      gate.setDatabaseNetworks(databaseNetworks());
      await firewall.allow(whitelistNetworks());
    },
    bannedUntil,
    forgetFailures: (address) => detector.forget(address),
    repair,
    observer,
  });

  return {
    detection,
    accept,
    operations,
    isBanned: (address) => (bannedUntil.get(address) ?? -Infinity) > now(),
    get activeBanCount() {
      return bannedUntil.size;
    },
    get eventsProcessed() {
      return eventsProcessed;
    },
    async start() {
      houseKeep();
      try {
        await synchronise();
      } catch (error) {
        logger.error('the firewall cannot be set up; detecting anyway and retrying', { backend: firewall.name, error: String(error) });
        repair();
      }
      rebuildWindows();
      for (const source of sources) await source.start();
      live = true;
      housekeeping = setInterval(houseKeep, HOUSEKEEPING_INTERVAL_MS);
      housekeeping.unref();
      logger.info('started', { services: services.map((service) => service.name).join(','), backend: firewall.name });
    },
    async stop() {
      stopped = true;
      if (housekeeping) clearInterval(housekeeping);
      if (repairTimer) clearTimeout(repairTimer);
      for (const source of sources) await source.stop();
      await this.settle();
      await firewall.close();
    },
    async settle() {
      for (;;) {
        const tail = applying;
        await tail;
        if (tail === applying && !scheduled) return;
      }
    },
  };
}
