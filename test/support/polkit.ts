// Debian's polkitd on a private bus, with the project's action and the test's rules. It runs in a
// mount namespace of its own where a temp directory is bound over polkit's action and rules
// directories, so the host's polkit configuration is never touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusConnection } from '../../helper/client/bus.js';
import type { PrivateBus } from './dbus.js';
import { repositoryRoot } from './paths.js';
import { waitFor } from './wait.js';

const POLKITD = '/usr/lib/polkit-1/polkitd';

export interface RunningPolkit {
  output(): string;
  dispose(): Promise<void>;
}

/** Starts polkitd on `bus` with the shipped action file and the given rules (JavaScript, polkit 0.106+ syntax). */
export async function startPolkit(bus: PrivateBus, rules: string): Promise<RunningPolkit> {
  const root = join(bus.directory, 'polkit');
  const actions = join(root, 'actions');
  const rulesDirectory = join(root, 'rules');
  mkdirSync(actions, { recursive: true });
  mkdirSync(rulesDirectory, { recursive: true });
  for (const file of readdirSync('/usr/share/polkit-1/actions')) copyFileSync(join('/usr/share/polkit-1/actions', file), join(actions, file));
  copyFileSync(join(repositoryRoot, 'conf/polkit/org.croissant2ban.policy'), join(actions, 'org.croissant2ban.policy'));
  copyFileSync(join(repositoryRoot, 'conf/polkit/50-croissant2ban.rules'), join(rulesDirectory, '50-croissant2ban.rules'));
  writeFileSync(join(rulesDirectory, '10-test.rules'), rules);
  // polkitd drops to its own user and must read these.
  for (const path of [bus.directory, root, actions, rulesDirectory]) chmodSync(path, 0o755);
  const script = `mount --bind "$1" /usr/share/polkit-1/actions && mount --bind "$2" /etc/polkit-1/rules.d && exec ${POLKITD} --no-debug`;
  const child: ChildProcess = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'polkit', actions, rulesDirectory], {
    env: bus.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const probe = await BusConnection.connect(bus.address);
  try {
    await waitFor(async () => child.exitCode === null && (await probe.callBus('NameHasOwner', 's', ['org.freedesktop.PolicyKit1'])).body![0] === true, {
      what: `polkitd to own its name (apt-get install polkitd); output: ${output}`,
      timeoutMs: 20_000,
      intervalMs: 50,
    });
  } finally {
    probe.close();
  }
  return {
    output: () => output,
    async dispose() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
