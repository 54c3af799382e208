// A private system-type dbus-daemon per test run: the project's own bus policy file, a socket in a
// temp directory, nothing shared with the host's bus. The daemon reads its stdin pipe's end as a
// cue to go (--nofork keeps it our child), so it dies with the test process.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot, temporaryDirectory } from './paths.js';

export interface PrivateBus {
  /** DBUS_SYSTEM_BUS_ADDRESS for callers and the helper. */
  readonly address: string;
  readonly directory: string;
  /** Environment with DBUS_SYSTEM_BUS_ADDRESS set (and nothing pointing at the host's buses). */
  readonly env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

const BUS_POLICY_FILE = join(repositoryRoot, 'conf/dbus/org.croissant2ban.Daemon.conf');

/** Debian's system.conf default context, minus what only a real system bus needs (user switch, fork, activation). */
function busConfig(socket: string, extraPolicy: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
  </policy>
${extraPolicy}
  <include>${BUS_POLICY_FILE}</include>
  <include ignore_missing="yes">/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>
  <limit name="max_message_size">134217728</limit>
  <limit name="reply_timeout">60000</limit>
</busconfig>
`;
}

/**
 * Starts a dbus-daemon with a system-type config and the shipped policy. `extraPolicy` adds
 * <policy> elements (the test runner's own uid may own the name when the tests do not run as root).
 */
export async function startPrivateBus(options: { extraPolicy?: string } = {}): Promise<PrivateBus> {
  const directory = temporaryDirectory('c2b-bus-');
  // Callers of other uids (the unprivileged tests) must reach the socket.
  chmodSync(directory.path, 0o755);
  const socket = join(directory.path, 'system_bus_socket');
  const runnerUid = process.getuid?.() ?? 0;
  const runnerPolicy = runnerUid === 0 ? '' : `  <policy user="${runnerUid}"><allow own="org.croissant2ban.Daemon"/></policy>\n`;
  const configFile = join(directory.path, 'bus.conf');
  writeFileSync(configFile, busConfig(socket, runnerPolicy + (options.extraPolicy ?? '')));
  const daemon: ChildProcess = spawn('dbus-daemon', ['--nofork', '--nopidfile', `--config-file=${configFile}`, '--print-address=1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`dbus-daemon did not start in 10 s: ${stderr}`)), 10_000);
    daemon.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        resolve(stdout.split('\n')[0]!.trim());
      }
    });
    daemon.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    daemon.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run dbus-daemon (apt-get install dbus): ${error.message}`));
    });
    daemon.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dbus-daemon exited with ${code}: ${stderr}`));
    });
  });
  const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: address };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  return {
    address,
    directory: directory.path,
    env,
    async dispose() {
      if (daemon.exitCode === null) {
        const exited = new Promise((resolve) => daemon.once('exit', resolve));
        daemon.kill('SIGTERM');
        await exited;
      }
      directory.dispose();
    },
  };
}
