// Gathers intel about addresses: local databases at once, remote sources (reverse DNS, WHOIS, Shodan,
// AbuseIPDB) in the background with bounded concurrency, a bounded queue, a deadline per source,
// cache lifetimes per source and a backoff for sources that failed. Nothing here is on the path of a
// ban: queue() only records the address and returns.
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { findPackageRoot } from '../config/defaults.js';
import { parseAddress, type Address } from '../core/address.js';
import type { Logger } from '../daemon/log.js';
import type { IntelInfo } from '../protocol/index.js';
import { abuseIpdbLookup } from './abuseipdb.js';
import { openGeoDatabases, type GeoDatabases } from './geo.js';
import { SourceError } from './http.js';
import { loadRdapBootstrap, rdapLookup, type RdapBootstrap } from './rdap.js';
import { reverseLookup } from './rdns.js';
import { cleanFacts, cleanText, emptyRecord, REMOTE_SOURCES, type IntelCache, type IntelRecord, type RemoteSource, type SourceFacts } from './record.js';
import { addressScope } from './scope.js';
import { shodanLookup } from './shodan.js';
import { summarizeIntel } from './summary.js';
import { whoisLookup } from './whois.js';

export type IntelSettings = Config['intel'];

export interface IntelGatherer {
  /** After a ban: gather in the background. Never waits; drops the address when the queue is full. */
  queue(address: string): void;
  /**
   * What is known about an address now. With `gather`, missing or stale remote sources are asked
   * first (all of them with `refresh`); without it, they are listed as pending.
   */
  lookup(address: Address, options: { readonly refresh: boolean; readonly gather: boolean }): Promise<IntelInfo>;
  counters(): { queued: number; running: number; dropped: number; gathered: number };
  /** Stops: in-flight lookups are abandoned and nothing more is written. */
  close(): void;
}

const HOUR_MS = 3_600_000;
const LONGEST_RETRY_MS = 24 * HOUR_MS;
const DROP_WARNING_INTERVAL_MS = 60_000;
const ANSWER_WITHIN_MS = 15_000;
/** On-demand lookups waiting for a slot; past this, callers get what is known without a lookup. */
const MAX_WAITING_CALLERS = 100;

interface SourceContext {
  readonly address: Address;
  /** A fresh deadline for one network exchange, also fired when the lookup is abandoned. */
  readonly deadline: () => AbortSignal;
}

interface SourceSpec<S extends RemoteSource> {
  readonly enabled: boolean;
  /** How long an answer stays fresh. */
  readonly lifetimeMs: number;
  run(context: SourceContext): Promise<SourceFacts[S]>;
}

export function createIntelGatherer(options: {
  readonly settings: IntelSettings;
  readonly cache: IntelCache;
  readonly logger: Logger;
  readonly now?: () => number;
}): IntelGatherer {
  const { settings, cache, logger } = options;
  const now = options.now ?? Date.now;
  const timeoutMs = settings.timeoutSecs * 1000;
  const closing = new AbortController();
  const secrets = [settings.shodanApiKey, settings.abuseipdbApiKey].filter((key): key is string => key !== null);
  /** Belt and braces: no message leaves this module with a key in it, whatever a library put there. */
  const redact = (message: string) => secrets.reduce((text, secret) => text.split(secret).join('[key]'), message);

  let geo: GeoDatabases | null = null;
  let geoFailure: string | null = null;
  const geoDatabases = (): GeoDatabases | null => {
    if (!settings.geoipEnabled || geoFailure !== null) return null;
    if (geo === null) {
      try {
        geo = openGeoDatabases({ cityFile: settings.cityDatabase, asnFile: settings.asnDatabase });
        logger.info('opened the GeoIP databases', { files: geo.descriptions.join('; ') });
      } catch (error) {
        geoFailure = (error as Error).message;
        logger.warn('cannot open the GeoIP databases; location and ASN stay unknown', { error: geoFailure });
        return null;
      }
    }
    return geo;
  };

  let bootstrap: RdapBootstrap | null | undefined;
  const rdapBootstrap = (): RdapBootstrap | null => {
    if (bootstrap === undefined) {
      const directory = settings.rdapBootstrapDirectory ?? join(findPackageRoot(), 'conf', 'intel');
      try {
        bootstrap = loadRdapBootstrap(directory);
      } catch (error) {
        bootstrap = null;
        logger.warn('cannot read the RDAP bootstrap files; WHOIS goes over port 43 only', { error: (error as Error).message });
      }
    }
    return bootstrap;
  };

  const SOURCES: { [S in RemoteSource]: SourceSpec<S> } = {
    rdns: {
      enabled: settings.rdnsEnabled,
      lifetimeMs: settings.cacheHours * HOUR_MS,
      run: ({ address, deadline }) => reverseLookup(address, { servers: settings.dnsServers, signal: deadline() }),
    },
    whois: {
      enabled: settings.whoisEnabled,
      lifetimeMs: settings.whoisCacheDays * 24 * HOUR_MS,
      // RDAP first; port 43 when no registry serves RDAP for the range or RDAP failed. Each gets the full deadline.
      run: async ({ address, deadline }) => {
        const registries = rdapBootstrap();
        let rdapFailure: string | null = null;
        if (registries !== null) {
          try {
            const facts = await rdapLookup(address, { bootstrap: registries, signal: deadline() });
            if (facts !== null) return facts;
          } catch (error) {
            if (!(error instanceof SourceError)) throw error;
            rdapFailure = error.message;
          }
        }
        try {
          return await whoisLookup(address, { server: settings.whoisServer, signal: deadline() });
        } catch (error) {
          if (rdapFailure === null || !(error instanceof SourceError)) throw error;
          throw new SourceError(`RDAP: ${rdapFailure}; port 43: ${error.message}`, error.kind, error.retryAfterMs);
        }
      },
    },
    shodan: {
      enabled: settings.shodanApiKey !== null,
      lifetimeMs: settings.cacheHours * HOUR_MS,
      run: ({ address, deadline }) => shodanLookup(address, { baseUrl: settings.shodanUrl, apiKey: settings.shodanApiKey!, signal: deadline() }),
    },
    abuseipdb: {
      enabled: settings.abuseipdbApiKey !== null,
      lifetimeMs: settings.cacheHours * HOUR_MS,
      run: ({ address, deadline }) => abuseIpdbLookup(address, { baseUrl: settings.abuseipdbUrl, apiKey: settings.abuseipdbApiKey!, signal: deadline() }),
    },
  };

  const enabledSources = REMOTE_SOURCES.filter((source) => SOURCES[source].enabled);
  /** A refused key or a rate limit pauses the source for every address, not only the one that met it. */
  const paused = new Map<RemoteSource, { until: number; reason: string }>();
  const isPaused = (source: RemoteSource) => (paused.get(source)?.until ?? 0) > now();

  /** Sources to ask now: no answer or a stale one, and not waiting out a failure (refresh asks all). */
  const dueSources = (record: IntelRecord, refresh: boolean): RemoteSource[] => {
    const current = now();
    return enabledSources.filter((source) => {
      if (isPaused(source)) return false;
      if (refresh) return true;
      const answer = record.answers[source];
      const failure = record.failures[source];
      if (failure !== undefined && (answer === undefined || failure.at > answer.at) && failure.retryAt > current) return false;
      return answer === undefined || answer.at + SOURCES[source].lifetimeMs <= current;
    });
  };

  const ask = async <S extends RemoteSource>(source: S, address: Address, record: IntelRecord, abandoned: AbortSignal): Promise<void> => {
    // Waiting in the queue may have outlived the job (a refresh abandoned it) or the source's pause.
    if (abandoned.aborted || isPaused(source)) return;
    const started = now();
    const deadline = () => AbortSignal.any([abandoned, AbortSignal.timeout(timeoutMs)]);
    try {
      const facts = await SOURCES[source].run({ address, deadline });
      if (abandoned.aborted) return;
      (record.answers as Record<string, unknown>)[source] = { at: now(), facts: cleanFacts(facts) };
      delete record.failures[source];
    } catch (error) {
      if (abandoned.aborted) return;
      const sourceError = error instanceof SourceError ? error : null;
      const message = cleanText(redact(sourceError?.message ?? `unexpected failure: ${String(error)}`));
      const attempts = (record.failures[source]?.attempts ?? 0) + 1;
      const backoff = Math.min(LONGEST_RETRY_MS, settings.retryMinutes * 60_000 * 2 ** Math.min(attempts - 1, 10));
      const retryAt = now() + Math.min(LONGEST_RETRY_MS, Math.max(backoff, sourceError?.retryAfterMs ?? 0));
      record.failures[source] = { at: now(), message, retryAt, attempts };
      if (sourceError?.kind === 'refused' || sourceError?.kind === 'rate-limited') {
        const until = now() + Math.min(LONGEST_RETRY_MS, Math.max(settings.retryMinutes * 60_000, sourceError.retryAfterMs ?? 0));
        paused.set(source, { until, reason: message });
        logger.warn('an intel source is paused for every address', { source, until: new Date(until).toISOString(), error: message });
      }
      const level = sourceError === null ? 'error' : 'info';
      logger[level]('an intel source failed; it will be asked again later', { source, address: address.text, error: message, ms: now() - started });
    }
  };

  // ---- the work queue: on-demand lookups first, then addresses queued after bans ----
  interface Job {
    readonly done: Promise<void>;
    /** Abandons the job: its sources stop and nothing it learnt is kept. */
    readonly abandon: AbortController;
  }
  const waiting: string[] = [];
  const waitingSet = new Set<string>();
  const urgent: { start: () => void; drop: () => void }[] = [];
  const jobs = new Set<AbortController>();
  const inFlight = new Map<string, Job>();
  let running = 0;
  let dropped = 0;
  let gathered = 0;
  let lastDropWarning = 0;

  /** The cache, or nothing known when it cannot be read (a store closed by a reload, a broken disk). */
  const readCache = (address: Address): IntelRecord => {
    try {
      return cache.read(address.text);
    } catch (error) {
      logger.warn('cannot read cached intel', { address: address.text, error: (error as Error).message });
      return emptyRecord();
    }
  };

  const gatherNow = async (address: Address, refresh: boolean, abandoned: AbortSignal): Promise<void> => {
    const record = readCache(address);
    const due = dueSources(record, refresh);
    if (due.length === 0) return;
    await Promise.all(due.map((source) => ask(source, address, record, abandoned)));
    if (abandoned.aborted) return;
    gathered++;
    try {
      cache.write(address.text, record);
    } catch (error) {
      logger.error('cannot store intel; it is gathered again next time', { address: address.text, error: (error as Error).message });
    }
  };

  /**
   * Runs a gather in a slot, one per address at a time. A refresh abandons a gather in flight (it
   * may be stuck on a source that hangs) and starts over; any other caller waits for it.
   */
  const runSlotted = async (address: Address, refresh: boolean, priority: 'urgent' | 'background'): Promise<void> => {
    const existing = inFlight.get(address.text);
    if (existing !== undefined) {
      if (!refresh) return existing.done;
      existing.abandon.abort();
      await existing.done;
      // Another caller may have started a new job meanwhile: join it rather than run two.
      const newer = inFlight.get(address.text);
      if (newer !== undefined) return newer.done;
    }
    // Each job has its own controller, aborted by close() through the jobs set: a signal combined
    // with a long-lived one would pile up in it (nodejs/node#55351).
    const abandon = new AbortController();
    jobs.add(abandon);
    const done = new Promise<void>((resolve) => {
      const start = () => {
        running++;
        gatherNow(address, refresh, abandon.signal)
          .catch((error: unknown) => logger.error('intel gathering failed', { address: address.text, error: String(error) }))
          .finally(() => {
            running--;
            jobs.delete(abandon);
            if (inFlight.get(address.text)?.done === done) inFlight.delete(address.text);
            resolve();
            pump();
          });
      };
      if (priority === 'urgent') {
        urgent.push({
          start,
          drop: () => {
            jobs.delete(abandon);
            resolve();
          },
        });
      } else start();
    });
    inFlight.set(address.text, { done, abandon });
    if (priority === 'urgent') pump();
    return done;
  };

  const pump = () => {
    while (running < settings.maxConcurrent && !closing.signal.aborted) {
      const next = urgent.shift();
      if (next !== undefined) {
        next.start();
        continue;
      }
      const text = waiting.shift();
      if (text === undefined) return;
      waitingSet.delete(text);
      void runSlotted(parseAddress(text)!, false, 'background');
    }
  };

  return {
    queue(text) {
      if (closing.signal.aborted || enabledSources.length === 0) return;
      const address = parseAddress(text);
      if (address === null || addressScope(address) !== 'public' || waitingSet.has(address.text) || inFlight.has(address.text)) return;
      if (waiting.length >= settings.queueSize) {
        dropped++;
        if (now() - lastDropWarning >= DROP_WARNING_INTERVAL_MS) {
          lastDropWarning = now();
          logger.warn('the intel queue is full; addresses banned now are looked up on demand only', { queued: waiting.length, dropped });
        }
        return;
      }
      waiting.push(address.text);
      waitingSet.add(address.text);
      // Started on a later turn of the event loop: the ban that queued this finishes first.
      setImmediate(pump);
    },

    async lookup(address, { refresh, gather }) {
      const scope = addressScope(address);
      const databases = geoDatabases();
      const localDatabases = databases?.descriptions ?? [];
      if (scope !== 'public') return summarizeIntel({ address: address.text, scope, geo: {}, localDatabases, record: emptyRecord(), pending: [] });
      const geoFacts = databases?.lookup(address) ?? {};
      if (gather && urgent.length < MAX_WAITING_CALLERS && dueSources(readCache(address), refresh).length > 0 && !closing.signal.aborted) {
        // A caller waits at most ANSWER_WITHIN_MS (below D-Bus's 25 s call timeout); what is not
        // in by then is reported pending and lands in the cache when it comes.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([runSlotted(address, refresh, 'urgent'), new Promise((resolve) => (timer = setTimeout(resolve, ANSWER_WITHIN_MS)))]);
        clearTimeout(timer);
      }
      const record = readCache(address);
      const info = summarizeIntel({ address: address.text, scope, geo: geoFacts, localDatabases, record, pending: dueSources(record, false) });
      const pauses = [...paused].filter(([source]) => isPaused(source) && record.answers[source] === undefined);
      if (pauses.length > 0) {
        info.errors = { ...info.errors, ...Object.fromEntries(pauses.map(([source, pause]) => [source, `paused until ${new Date(pause.until).toISOString()}: ${pause.reason}`])) };
      }
      return info;
    },

    counters: () => ({ queued: waiting.length, running, dropped, gathered }),

    close() {
      closing.abort();
      for (const job of jobs) job.abort();
      for (const job of urgent.splice(0)) job.drop();
      waiting.length = 0;
      waitingSet.clear();
    },
  };
}
