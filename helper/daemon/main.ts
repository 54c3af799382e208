#!/usr/bin/env node
// croissant2ban: the root helper daemon. Reads its config, opens the store and runs the pipeline;
// detaches unless -f, reloads on SIGHUP, stops cleanly on SIGTERM (bans stay in the kernel).
import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ExitCode } from '../cli/io.js';
import { DEFAULT_CONFIG_PATH, DEFAULT_LOG_FILE } from '../config/defaults.js';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { createFirewall } from '../firewall/index.js';
import { createIntelGatherer } from '../intel/gatherer.js';
import { storeCache } from '../intel/record.js';
import { Store } from '../store/store.js';
import { BusConnection, systemBusAddress } from '../client/bus.js';
import { createAuthorizer, type Authorizer } from '../dbus/authorization.js';
import { createDbusService, type DbusService } from '../dbus/service.js';
import { createApi, type Running } from './api.js';
import { createLogger, type Logger } from './log.js';
import { createPipeline, type PipelineObserver } from './pipeline.js';
import { VERSION } from './version.js';

/** How long the detaching parent waits for the helper to say it runs. */
const READY_TIMEOUT_MS = 60_000;

const usage = `usage: croissant2ban [-c <config>] [-f] [-o <log file>] [--dry-run]
  -c, --config <file>   configuration (default ${DEFAULT_CONFIG_PATH}; .json for the simple format)
  -f, --foreground      stay in the foreground (log to stderr unless -o)
  -o, --output <file>   the helper's own log (default: stderr with -f, ${DEFAULT_LOG_FILE} otherwise)
      --dry-run         change no firewall: log what would be done
Signals: SIGTERM stops (bans stay in the firewall), SIGHUP reloads the configuration.`;

interface Options {
  readonly configPath: string;
  readonly foreground: boolean;
  readonly output: string | undefined;
  readonly dryRun: boolean;
}

function parseOptions(argv: readonly string[]): Options | number {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c', default: DEFAULT_CONFIG_PATH },
        foreground: { type: 'boolean', short: 'f', default: false },
        output: { type: 'string', short: 'o' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`croissant2ban: ${(error as Error).message}\n${usage}\n`);
    return ExitCode.usage;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return ExitCode.ok;
  }
  return { configPath: values.config, foreground: values.foreground, output: values.output, dryRun: values['dry-run'] };
}

function readConfig(path: string): Config | number {
  try {
    return loadConfig(path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`croissant2ban: ${error.message}\n`);
    return ExitCode.config;
  }
}

/** The pid in the pid file when that process still runs, else null. */
function runningPid(pidFile: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** Starts the helper in the background, writes the pid file, and returns once it runs (or failed). */
async function detach(options: Options, config: Config): Promise<number> {
  const pidFile = config.general.pidFile;
  const other = runningPid(pidFile);
  if (other !== null) {
    process.stderr.write(`croissant2ban: already running (pid ${other}, ${pidFile})\n`);
    return ExitCode.failure;
  }
  const logFile = options.output ?? DEFAULT_LOG_FILE;
  let logDescriptor: number;
  try {
    mkdirSync(dirname(logFile), { recursive: true, mode: 0o750 });
    logDescriptor = openSync(logFile, 'a', 0o640);
  } catch (error) {
    process.stderr.write(`croissant2ban: cannot open the log file ${logFile}: ${(error as Error).message}\n`);
    return ExitCode.failure;
  }
  const script = fileURLToPath(import.meta.url);
  const argv = ['-f', '-c', options.configPath, '-o', logFile, ...(options.dryRun ? ['--dry-run'] : [])];
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    detached: true,
    stdio: ['ignore', logDescriptor, logDescriptor, 'ipc'],
    env: { ...process.env, CROISSANT2BAN_DETACHED: '1' },
  });
  closeSync(logDescriptor);
  const outcome = await new Promise<'ready' | number>((resolve) => {
    const timer = setTimeout(() => resolve(ExitCode.failure), READY_TIMEOUT_MS);
    child.once('message', () => {
      clearTimeout(timer);
      resolve('ready');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? ExitCode.failure);
    });
  });
  if (outcome !== 'ready') {
    process.stderr.write(`croissant2ban: the helper did not start (status ${outcome}); see ${logFile}\n`);
    return typeof outcome === 'number' && outcome !== 0 ? outcome : ExitCode.failure;
  }
  try {
    mkdirSync(dirname(pidFile), { recursive: true });
    writeFileSync(pidFile, `${child.pid}\n`, { mode: 0o644 });
  } catch (error) {
    process.stderr.write(`croissant2ban: running as pid ${child.pid}, but the pid file ${pidFile} could not be written: ${(error as Error).message}\n`);
  }
  child.disconnect();
  child.unref();
  process.stdout.write(`croissant2ban: started (pid ${child.pid}); log: ${logFile}\n`);
  return ExitCode.ok;
}

/** How long to wait before trying the bus again when it is not there (or went away). */
const BUS_RETRY_MS = 30_000;

async function startRunning(config: Config, options: Options, logger: Logger, observer: PipelineObserver, store?: Store): Promise<Running & { firewallName: string }> {
  const firewall = createFirewall(config, {
    dryRun: options.dryRun,
    say: (message, fields) => logger.info(message, { ...fields, action: 'dry-run' }),
  });
  const database = store ?? new Store(config.general.dbPath);
  const intel = createIntelGatherer({ settings: config.intel, cache: storeCache(database), logger });
  // Intel is queued after the ban is applied and recorded, and gathered on a later turn of the loop.
  const afterBan: PipelineObserver = config.general.autoIntel
    ? {
        ...observer,
        banAdded: (ban) => {
          observer.banAdded(ban);
          intel.queue(ban.address);
        },
      }
    : observer;
  const pipeline = createPipeline({ config, store: database, firewall, logger, observer: afterBan });
  await pipeline.start();
  warnIfKeysReadable(config, logger);
  return { config, store: database, pipeline, intel, firewallName: firewall.name };
}

/** API keys sit in the config file: say so when anyone on the machine can read them. */
function warnIfKeysReadable(config: Config, logger: Logger): void {
  if (config.file === null || (config.intel.shodanApiKey === null && config.intel.abuseipdbApiKey === null)) return;
  try {
    const mode = statSync(config.file).mode;
    if ((mode & 0o004) !== 0) {
      logger.warn('the configuration holds API keys and every user can read it; chmod o-r it', { file: config.file, mode: (mode & 0o777).toString(8) });
    }
  } catch {
    // The file was read a moment ago; if it is gone now there is nothing to warn about.
  }
}

/**
 * The D-Bus API, kept up while the helper runs: detection never waits for the bus. When the bus is
 * not there, or drops us, the helper goes on and tries again every BUS_RETRY_MS.
 */
function serveBus(options: {
  readonly config: () => Config;
  readonly api: ReturnType<typeof createApi>;
  readonly logger: Logger;
  /** The service (and how it authorises) while the bus is up; null when it goes. */
  readonly attach: (bus: { service: DbusService; authorizer: Authorizer } | null) => void;
}): { stop(): Promise<void> } {
  const { logger } = options;
  let service: DbusService | null = null;
  let connection: BusConnection | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const retry = () => {
    if (stopped || timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, BUS_RETRY_MS);
    timer.unref();
  };

  const connect = async () => {
    const config = options.config();
    const address = config.dbus.systemBus ? systemBusAddress() : process.env.DBUS_SESSION_BUS_ADDRESS ?? '';
    try {
      connection = await BusConnection.connect(address);
      const bus = connection;
      const authorizer = createAuthorizer({
        bus,
        adminGroup: () => options.config().dbus.adminGroup,
        onPolkitError: (error) => logger.error('polkit failed to answer; the call is refused', { error: error.message }),
      });
      const next = createDbusService({ bus, api: options.api, authorizer, logger });
      await next.start();
      service = next;
      options.attach({ service: next, authorizer });
      bus.on('close', (error: Error | null) => {
        if (service === next) {
          service = null;
          options.attach(null);
        }
        if (stopped) return;
        logger.error('lost the D-Bus connection; the API is down, detection goes on', { error: error?.message ?? 'closed', retry_seconds: BUS_RETRY_MS / 1000 });
        retry();
      });
      logger.info('D-Bus API ready', { bus: config.dbus.systemBus ? 'system' : 'session', name: 'org.croissant2ban.Daemon' });
    } catch (error) {
      connection?.close();
      connection = null;
      logger.error('the D-Bus API is not available; detection goes on', { error: error instanceof Error ? error.message : String(error), retry_seconds: BUS_RETRY_MS / 1000 });
      retry();
    }
  };

  if (options.config().dbus.enabled) void connect();
  else logger.info('the D-Bus API is off in the configuration ([dbus] enabled = false)');

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (service) await service.stop().catch(() => undefined);
      connection?.close();
    },
  };
}

async function runForeground(options: Options, config: Config): Promise<number> {
  const output = options.output !== undefined ? createWriteStream(options.output, { flags: 'a', mode: 0o640 }) : process.stderr;
  // The level can change on reload: the logger's threshold follows the running config.
  let level = config.general.logLevel;
  const logger = createLogger({ level: () => level, write: (line) => output.write(line) });

  // The pipeline is made before the bus is up (and again on reload): it tells a relay, which passes
  // on to the D-Bus service whenever there is one.
  let service: DbusService | null = null;
  let authorizer: Authorizer | null = null;
  const relay: PipelineObserver = {
    banAdded: (ban) => service?.observer.banAdded(ban),
    banRemoved: (address, reason) => service?.observer.banRemoved(address, reason),
    banExtended: (ban) => service?.observer.banExtended(ban),
    attack: (failure) => service?.observer.attack(failure),
  };
  const startedAt = Date.now();

  let running: Running & { firewallName: string };
  try {
    running = await startRunning(config, options, logger, relay);
  } catch (error) {
    logger.error('cannot start', { error: error instanceof Error ? error.message : String(error) });
    return ExitCode.failure;
  }

  // Reloads and the stop run one at a time, in the order they were asked for (SIGHUP or D-Bus).
  let queue: Promise<void> = Promise.resolve();
  /** Rejects with the reason when the new configuration is refused (the running one stays). */
  const reload = async () => {
    let next: Config;
    try {
      next = loadConfig(options.configPath);
    } catch (error) {
      logger.error('new configuration refused; the running one stays', { error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    await running.pipeline.stop();
    running.intel.close();
    const keepStore = next.general.dbPath === running.config.general.dbPath;
    if (!keepStore) running.store.close();
    level = next.general.logLevel;
    try {
      running = await startRunning(next, options, logger, relay, keepStore ? running.store : undefined);
      logger.info('configuration reloaded', { file: options.configPath });
    } catch (error) {
      logger.error('the new configuration failed to start; back to the running one', { error: error instanceof Error ? error.message : String(error) });
      level = running.config.general.logLevel;
      running = await startRunning(running.config, options, logger, relay, keepStore ? running.store : undefined);
      throw error;
    }
  };
  const queueReload = () => {
    const done = queue.then(reload);
    queue = done.catch(() => undefined);
    return done;
  };
  process.on('SIGHUP', () => {
    queueReload().catch(() => undefined);
  });

  const api = createApi({
    current: () => running,
    reload: queueReload,
    version: VERSION,
    configPath: options.configPath,
    dryRun: options.dryRun,
    firewallBackend: () => running.firewallName,
    startedAt,
    authorization: () => authorizer?.mode() ?? 'none (no bus)',
  });
  const bus = serveBus({
    config: () => running.config,
    api,
    logger,
    attach: (next) => {
      service = next?.service ?? null;
      authorizer = next?.authorizer ?? null;
    },
  });
  process.send?.({ ready: true });

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info('stopping', { signal });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await queue;
  await bus.stop();
  await running.pipeline.stop();
  running.intel.close();
  running.store.close();
  if (process.env.CROISSANT2BAN_DETACHED === '1' && runningPid(running.config.general.pidFile) === process.pid) {
    try {
      unlinkSync(running.config.general.pidFile);
    } catch {
      // Already gone: nothing to clean.
    }
  }
  logger.info('stopped');
  return ExitCode.ok;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (typeof options === 'number') return options;
  const config = readConfig(options.configPath);
  if (typeof config === 'number') return config;
  return options.foreground ? runForeground(options, config) : detach(options, config);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`croissant2ban: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = ExitCode.failure;
  },
);
