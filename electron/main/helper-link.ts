// The app's one connection to the helper, kept alive: it connects to the system bus, follows the
// helper's signals and whether the helper owns its name, and reconnects by itself when the bus goes
// away (with a growing pause, capped). Callers see a connection state and a client that may be
// absent; nothing here knows about Electron, so it is tested with an injected client and clock.
import type { DaemonApi, PropertyValues, SignalArguments, SignalName } from '../../helper/protocol/index.js';
import type { HelperConnection, HelperEvent } from '../bridge.js';
import type { Scheduler } from './scheduler.js';

/** The part of DaemonClient the app uses (helper/client's DaemonClient fits it). */
export interface HelperClient extends DaemonApi {
  on<Name extends SignalName>(name: Name, listener: (...args: SignalArguments[Name]) => void): Promise<void>;
  onPropertiesChanged(listener: (changed: Partial<PropertyValues>) => void): Promise<void>;
  onOwnerChanged(listener: (running: boolean) => void): Promise<void>;
  onClose(listener: (error: Error | null) => void): void;
  available(): Promise<boolean>;
  close(): void;
}


export interface HelperLink {
  start(): void;
  connection(): HelperConnection;
  /** The connected client, or null while the bus cannot be reached. */
  client(): HelperClient | null;
  /** Checks again whether the helper is on the bus (after a call failed as Unreachable). */
  recheck(): void;
  stop(): void;
}

export const FIRST_RETRY_MS = 1_000;
export const LONGEST_RETRY_MS = 30_000;

export function createHelperLink(options: {
  readonly connect: () => Promise<HelperClient>;
  readonly scheduler: Scheduler;
  readonly now: () => number;
  readonly onEvent: (event: HelperEvent) => void;
}): HelperLink {
  let state: HelperConnection = { state: 'connecting' };
  let current: HelperClient | null = null;
  let retryMs = FIRST_RETRY_MS;
  let cancelRetry: (() => void) | null = null;
  let stopped = false;
  /** Bumped on every (re)connection, so late callbacks of an old client change nothing. */
  let generation = 0;

  const setState = (next: HelperConnection) => {
    if (next.state === state.state && (next.state !== 'unreachable' || (state.state === 'unreachable' && next.detail === state.detail))) return;
    state = next;
    options.onEvent({ type: 'connection', connection: next });
  };

  const scheduleRetry = () => {
    if (stopped || cancelRetry) return;
    cancelRetry = options.scheduler.after(retryMs, () => {
      cancelRetry = null;
      void connect();
    });
    retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
  };

  const lost = (mine: number, error: unknown) => {
    if (mine !== generation || stopped) return;
    // From now on the old client's late signals, owner changes and answers change nothing.
    generation++;
    const client = current;
    current = null;
    client?.close();
    setState({ state: 'unreachable', detail: error instanceof Error ? error.message : 'the bus connection closed' });
    scheduleRetry();
  };

  const checkPresence = async (mine: number, client: HelperClient) => {
    try {
      const running = await client.available();
      if (mine === generation) setState({ state: running ? 'running' : 'stopped' });
    } catch (error) {
      lost(mine, error);
    }
  };

  const follow = async (mine: number, client: HelperClient) => {
    const alive = () => mine === generation && !stopped;
    const at = options.now;
    client.onClose((error) => lost(mine, error ?? new Error('the bus connection closed')));
    await Promise.all([
      client.on('BanAdded', (ip, reason, source, durationSecs) => alive() && options.onEvent({ type: 'ban-added', at: at(), ip, reason, source, durationSecs })),
      client.on('BanRemoved', (ip, reason) => alive() && options.onEvent({ type: 'ban-removed', at: at(), ip, reason })),
      client.on('BanExtended', (ip, expiresAt) => alive() && options.onEvent({ type: 'ban-extended', at: at(), ip, expiresAt })),
      client.on('AttackDetected', (ip, service, eventType) => alive() && options.onEvent({ type: 'attack', at: at(), ip, service, eventType })),
      // The helper says goodbye before it lets go of its name; a crash is seen through the name alone.
      client.on('DaemonStopping', () => alive() && setState({ state: 'stopped' })),
      client.on('DaemonStarted', () => alive() && setState({ state: 'running' })),
      client.onOwnerChanged((running) => alive() && setState({ state: running ? 'running' : 'stopped' })),
      client.onPropertiesChanged((changed) => {
        if (!alive()) return;
        const event: { type: 'counters'; activeBans?: number; eventsProcessed?: number } = { type: 'counters' };
        if (typeof changed.ActiveBanCount === 'number') event.activeBans = changed.ActiveBanCount;
        if (typeof changed.EventsProcessed === 'number') event.eventsProcessed = changed.EventsProcessed;
        if (event.activeBans !== undefined || event.eventsProcessed !== undefined) options.onEvent(event);
      }),
    ]);
  };

  const connect = async () => {
    if (stopped) return;
    const mine = ++generation;
    let client: HelperClient;
    try {
      client = await options.connect();
    } catch (error) {
      if (mine === generation) lost(mine, error);
      return;
    }
    if (mine !== generation || stopped) {
      client.close();
      return;
    }
    current = client;
    try {
      // Listen first, then ask: a helper that appears in between is seen by one or the other.
      await follow(mine, client);
    } catch (error) {
      lost(mine, error);
      return;
    }
    retryMs = FIRST_RETRY_MS;
    await checkPresence(mine, client);
  };

  return {
    start() {
      stopped = false;
      void connect();
    },
    connection: () => state,
    client: () => current,
    recheck() {
      if (current) void checkPresence(generation, current);
    },
    stop() {
      stopped = true;
      generation++;
      cancelRetry?.();
      cancelRetry = null;
      current?.close();
      current = null;
    },
  };
}
