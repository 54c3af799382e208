// The helper as the API tests need it: its own network namespace (real nftables), a private
// system-type dbus-daemon with the shipped policy, a temp state directory, and a client that waits
// until the helper owns its name.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonClient, type ClientOptions } from '../../helper/client/index.js';
import { startPrivateBus, type PrivateBus } from './dbus.js';
import { inFreshNamespace } from './namespace.js';
import { helperCommand, temporaryDirectory } from './paths.js';
import { waitFor } from './wait.js';

export interface RunningHelper {
  readonly bus: PrivateBus;
  readonly directory: string;
  readonly authLog: string;
  readonly configPath: string;
  /** What the helper wrote to stderr so far. */
  output(): string;
  /** A new client on the private bus (closed by dispose). */
  client(options?: ClientOptions): Promise<DaemonClient>;
  /** Appends to the sshd log the helper follows. */
  appendAuthLog(text: string): void;
  /** The helper process running now (a new one after start()). */
  readonly process: ChildProcess;
  /** Sends a signal (default SIGTERM) and resolves once the helper has exited; nothing when it is not running. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the helper again on the same bus, config and state; resolves once it owns its name (at once when it runs). */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export interface HelperSetup {
  /** Extra TOML appended to the config. */
  readonly extraConfig?: string;
  readonly maxFailures?: number;
  /**
   * The body of [intel]. By default remote sources are off, so a test's ban never sends traffic
   * beyond the machine; intel tests point them at loopback fakes.
   */
  readonly intel?: string;
  /** "nftables" in the helper's own network namespace (default), or "null". */
  readonly backend?: 'nftables' | 'null';
  /** Extra <policy> for the private bus. */
  readonly extraPolicy?: string;
  /** An already running bus to use (not disposed with the helper). */
  readonly bus?: PrivateBus;
  /** Runs before the helper starts, with the path of its database (to fill it, say). */
  readonly beforeStart?: (paths: { readonly directory: string; readonly database: string }) => void;
  /** How long to wait for the helper to own its name (default 30 s). */
  readonly startTimeoutMs?: number;
}

export async function startHelperWithBus(setup: HelperSetup = {}): Promise<RunningHelper> {
  const directory = temporaryDirectory('c2b-api-');
  const bus = setup.bus ?? (await startPrivateBus(setup.extraPolicy !== undefined ? { extraPolicy: setup.extraPolicy } : {}));
  const authLog = join(directory.path, 'auth.log');
  writeFileSync(authLog, '');
  const configPath = join(directory.path, 'config.toml');
  writeFileSync(
    configPath,
    `[general]\ndb_path = "${join(directory.path, 'state.db')}"\npid_file = "${join(directory.path, 'helper.pid')}"\n` +
      `[firewall]\nbackend = "${setup.backend ?? 'nftables'}"\n` +
      `[services.ssh]\nlog_path = "${authLog}"\nmax_failures = ${setup.maxFailures ?? 3}\n` +
      `[[whitelist.sources]]\ntype = "database"\n` +
      `[intel]\n${setup.intel ?? 'rdns_enabled = false\nwhois_enabled = false\n'}` +
      (setup.extraConfig ?? ''),
  );
  setup.beforeStart?.({ directory: directory.path, database: join(directory.path, 'state.db') });
  const command = [...helperCommand('daemon/main'), '-f', '-c', configPath];
  // With nftables each run gets a fresh namespace: a restarted helper restores its sets from the database.
  const argv = (setup.backend ?? 'nftables') === 'nftables' ? inFreshNamespace(command) : command;
  let stderr = '';
  let child!: ChildProcess;
  let exited!: Promise<void>;
  const launch = () => {
    child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: bus.env });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const launched = child;
    exited = new Promise<void>((resolve) => launched.once('exit', () => resolve()));
  };
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const clients: DaemonClient[] = [];
  const newClient = async (options: ClientOptions = {}) => {
    const client = await DaemonClient.connect({ address: bus.address, ...options });
    clients.push(client);
    return client;
  };
  let probe: DaemonClient | null = null;
  const ownsName = async () => {
    probe ??= await newClient();
    const launched = child;
    await waitFor(async () => launched.exitCode === null && (await probe!.available()), {
      what: `the helper to own its bus name (stderr: ${stderr.slice(-2000)})`,
      timeoutMs: setup.startTimeoutMs ?? 30_000,
      intervalMs: 50,
    });
  };
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!isRunning()) return;
    const running = child;
    const done = exited;
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
    // The bus notices the closed socket a moment after the exit: wait, so that a start() right
    // after this cannot take the old owner for the new one.
    if (probe !== null) {
      const client = probe;
      // A closed connection or bus knows no owner either.
      await waitFor(async () => !(await client.available().catch(() => false)), { what: 'the bus to release the name of the helper that exited', timeoutMs: 5000 });
    }
  };
  launch();
  const running: RunningHelper = {
    bus,
    directory: directory.path,
    authLog,
    configPath,
    get process() {
      return child;
    },
    output: () => stderr,
    client: newClient,
    appendAuthLog: (text) => appendFileSync(authLog, text),
    kill,
    async start() {
      // As systemd's start of an active unit: nothing to do.
      if (isRunning()) return;
      launch();
      try {
        await ownsName();
      } catch (error) {
        throw new Error(`${(error as Error).message}\nhelper stderr:\n${stderr}`);
      }
    },
    async dispose() {
      await kill('SIGTERM');
      for (const client of clients) client.close();
      if (setup.bus === undefined) await bus.dispose();
      directory.dispose();
    },
  };
  try {
    await ownsName();
  } catch (error) {
    await running.dispose();
    throw new Error(`${(error as Error).message}\nhelper stderr:\n${stderr}`);
  }
  return running;
}
