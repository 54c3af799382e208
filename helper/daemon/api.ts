// The helper's API without any bus: every method of org.croissant2ban.Daemon1 as a typed function
// over the running pipeline and store. The D-Bus adapter (helper/dbus/service.ts) only checks who
// calls, marshals and maps errors; tests can call this directly.
import type { Config } from '../config/types.js';
import { parseAddress } from '../core/address.js';
import type { ActivityInfo, BanInfo, EventInfo, IntelInfo, PropertyValues, ServiceInfo, StatsInfo, StatusInfo, WhitelistInfo } from '../protocol/index.js';
import { UNKNOWN_UID } from '../protocol/index.js';
import type { IntelGatherer } from '../intel/gatherer.js';
import type { Store } from '../store/store.js';
import { OperationError } from './operations.js';
import type { Pipeline } from './pipeline.js';

/** What the API reads from the running helper; replaced as a whole on reload. */
export interface Running {
  readonly config: Config;
  readonly store: Store;
  readonly pipeline: Pipeline;
  readonly intel: IntelGatherer;
}

export interface ApiHost {
  /** The configuration, store and pipeline running now. */
  current(): Running;
  /** Reloads the configuration; rejects with the reason a new one was refused. */
  reload(): Promise<void>;
  readonly version: string;
  readonly configPath: string;
  readonly dryRun: boolean;
  readonly firewallBackend: () => string;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly now?: () => number;
  /** How mutating calls are authorised now ("polkit", "group:<name>"). */
  readonly authorization: () => string;
}

/** Caps on what one call can ask for, so a caller cannot make the helper build a giant reply. */
export const MAX_EVENTS = 10_000;
export const MAX_ACTIVITY = 10_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const seconds = (epochMs: number) => Math.floor(epochMs / 1000);

/** A caller's uid, null for the helper itself. */
export type ActorUid = number | null;

export interface Api {
  status(): StatusInfo;
  properties(): PropertyValues;
  /** Active bans in pages of `pageSize`, read lazily: detection runs between pages. */
  banPages(pageSize: number): Generator<BanInfo[]>;
  isBanned(ip: string): boolean;
  ban(actor: ActorUid, ip: string, durationSecs: number, reason: string): Promise<boolean>;
  unban(actor: ActorUid, ip: string): Promise<boolean>;
  extendBan(actor: ActorUid, ip: string, durationSecs: number): Promise<boolean>;
  whitelistAdd(actor: ActorUid, address: string, comment: string): Promise<string[]>;
  whitelistRemove(actor: ActorUid, address: string): Promise<boolean>;
  getWhitelist(): WhitelistInfo[];
  getEvents(limit: number, since: number): EventInfo[];
  getActivity(limit: number): ActivityInfo[];
  getStats(): StatsInfo;
  getServices(): ServiceInfo[];
  /**
   * What is known about an address. `gather`: missing or stale remote sources are asked before the
   * answer (`refresh`: all of them); the adapter allows that to authorised callers only.
   */
  getIntel(ip: string, options: { readonly refresh: boolean; readonly gather: boolean }): Promise<IntelInfo>;
  flush(actor: ActorUid): Promise<number>;
  reload(actor: ActorUid): Promise<void>;
}

function validAddress(text: string): string {
  const parsed = text.length <= 64 ? parseAddress(text) : null;
  if (parsed === null) throw new OperationError('InvalidAddress', `not an IP address: ${JSON.stringify(text.slice(0, 64))}`);
  return parsed.text;
}

export function createApi(host: ApiHost): Api {
  const now = host.now ?? Date.now;

  return {
    status() {
      const { config, pipeline } = host.current();
      const current = now();
      return {
        version: host.version,
        running: true,
        pid: process.pid,
        started_at: seconds(host.startedAt),
        uptime_secs: seconds(current - host.startedAt),
        active_bans: pipeline.activeBanCount,
        events_processed: pipeline.eventsProcessed,
        services: config.services.filter((service) => service.enabled).map((service) => service.name),
        firewall_backend: host.firewallBackend(),
        dry_run: host.dryRun,
        config_path: host.configPath,
        database_path: config.general.dbPath,
        authorization: host.authorization(),
      };
    },

    properties() {
      const { pipeline } = host.current();
      return {
        Running: true,
        ActiveBanCount: pipeline.activeBanCount,
        UptimeSeconds: seconds(now() - host.startedAt),
        EventsProcessed: pipeline.eventsProcessed,
      };
    },

    *banPages(pageSize) {
      let afterId = 0;
      for (;;) {
        // The store is looked up per page: a reload between pages continues on the new one.
        const rows = host.current().store.activeBansPage(afterId, pageSize, now());
        if (rows.length === 0) return;
        afterId = rows[rows.length - 1]![0];
        yield rows.map(([, ip, service, reason, source, failures, bannedAt, expiresAt]) => ({
          ip,
          service: service ?? '',
          reason,
          source,
          banned_at: seconds(bannedAt),
          expires_at: expiresAt === null ? 0 : seconds(expiresAt),
          failures,
        }));
        if (rows.length < pageSize) return;
      }
    },

    isBanned(ip) {
      return host.current().pipeline.isBanned(validAddress(ip));
    },

    async ban(actor, ip, durationSecs, reason) {
      await host.current().pipeline.operations.ban({ address: ip, seconds: durationSecs, reason, actorUid: actor });
      return true;
    },

    async unban(actor, ip) {
      await host.current().pipeline.operations.unban(ip, actor);
      return true;
    },

    async extendBan(actor, ip, durationSecs) {
      await host.current().pipeline.operations.extend({ address: ip, seconds: durationSecs, actorUid: actor });
      return true;
    },

    async whitelistAdd(actor, address, comment) {
      return (await host.current().pipeline.operations.whitelistAdd(address, comment, actor)).unbanned;
    },

    async whitelistRemove(actor, address) {
      await host.current().pipeline.operations.whitelistRemove(address, actor);
      return true;
    },

    getWhitelist() {
      return host
        .current()
        .store.whitelist()
        .map((entry) => ({ network: entry.network, comment: entry.comment, added_at: seconds(entry.addedAt), added_by: entry.addedBy ?? UNKNOWN_UID }));
    },

    getEvents(limit, since) {
      return host
        .current()
        .store.recentEvents({ since: since * 1000, limit: Math.min(limit, MAX_EVENTS) })
        .map((event) => ({ time: seconds(event.time), service: event.service, ip: event.address, event_type: event.eventType, pattern: event.pattern }));
    },

    getActivity(limit) {
      return host
        .current()
        .store.recentActivity(Math.min(limit, MAX_ACTIVITY))
        .map((entry) => ({ time: seconds(entry.time), uid: entry.actorUid ?? UNKNOWN_UID, action: entry.action, target: entry.target ?? '', detail: entry.detail ?? '' }));
    },

    getStats() {
      const current = now();
      const { store } = host.current();
      const statistics = store.statistics(current, current - DAY_MS);
      const lastDay = { end: current, widthMs: HOUR_MS, count: 24 };
      return {
        active_bans: statistics.activeBans,
        permanent_bans: statistics.permanentBans,
        bans_total: statistics.bansTotal,
        bans_24h: statistics.bansRecent,
        events_total: statistics.eventsTotal,
        events_24h: statistics.eventsRecent,
        unique_attackers_24h: statistics.attackersRecent,
        events_by_service_24h: statistics.eventsByServiceRecent,
        bans_by_source: statistics.activeBySource,
        events_per_hour_24h: store.eventsPerWindow(lastDay),
        bans_per_hour_24h: store.bansPerWindow(lastDay),
      };
    },

    getServices() {
      const { config, store } = host.current();
      const current = now();
      const statistics = store.statistics(current, current - DAY_MS);
      return config.services.map((service) => ({
        name: service.name,
        enabled: service.enabled,
        filter: service.filter ?? service.name,
        log_paths: [...service.logPaths],
        journal_units: [...service.journalUnits],
        max_retry: service.maxFailures,
        find_time_secs: service.findTime,
        ban_time_secs: service.banPolicy.banTime,
        active_bans: statistics.activeByService[service.name] ?? 0,
        events_24h: statistics.eventsByServiceRecent[service.name] ?? 0,
      }));
    },

    async getIntel(ip, options) {
      const address = parseAddress(validAddress(ip))!;
      return host.current().intel.lookup(address, options);
    },

    async flush(actor) {
      return host.current().pipeline.operations.flush(actor);
    },

    async reload(actor) {
      try {
        await host.reload();
      } catch (error) {
        host.current().store.logActivity({ time: now(), actorUid: actor, action: 'reload', target: null, detail: `refused: ${(error as Error).message}` });
        throw new OperationError('Failed', (error as Error).message);
      }
      host.current().store.logActivity({ time: now(), actorUid: actor, action: 'reload', target: null, detail: null });
    },
  };
}
