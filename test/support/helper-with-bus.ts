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
  readonly process: ChildProcess;
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
  const argv = (setup.backend ?? 'nftables') === 'nftables' ? inFreshNamespace(command) : command;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: bus.env });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const clients: DaemonClient[] = [];
  const newClient = async (options: ClientOptions = {}) => {
    const client = await DaemonClient.connect({ address: bus.address, ...options });
    clients.push(client);
    return client;
  };
  const running: RunningHelper = {
    bus,
    directory: directory.path,
    authLog,
    configPath,
    process: child,
    output: () => stderr,
    client: newClient,
    appendAuthLog: (text) => appendFileSync(authLog, text),
    async dispose() {
      for (const client of clients) client.close();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (setup.bus === undefined) await bus.dispose();
      directory.dispose();
    },
  };
  try {
    const probe = await newClient();
    await waitFor(async () => child.exitCode === null && (await probe.available()), { what: `the helper to own its bus name (stderr: ${stderr.slice(-2000)})`, timeoutMs: setup.startTimeoutMs ?? 30_000, intervalMs: 50 });
  } catch (error) {
    await running.dispose();
    throw new Error(`${(error as Error).message}\nhelper stderr:\n${stderr}`);
  }
  return running;
}
