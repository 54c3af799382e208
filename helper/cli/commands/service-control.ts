// c2b start and c2b stop: through systemd when it manages the helper, otherwise by starting the
// daemon directly or signalling the pid in its pid file (both need root; others are told why).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from '../../config/defaults.js';
import { loadConfig } from '../../config/load.js';
import { ExitCode, type CliIo, type Command } from '../io.js';

const UNIT = 'croissant2ban.service';
const UNIT_DIRECTORIES = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];
const STOP_TIMEOUT_MS = 30_000;

/** systemd runs this machine and knows the unit: let it start and stop the helper. */
function systemdManages(env: NodeJS.ProcessEnv): boolean {
  if (env.C2B_NO_SYSTEMD === '1') return false;
  return existsSync('/run/systemd/system') && UNIT_DIRECTORIES.some((directory) => existsSync(`${directory}/${UNIT}`));
}

function systemctl(io: CliIo, verb: 'start' | 'stop'): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('systemctl', [verb, UNIT], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (error) => {
      io.stderr.write(`c2b ${verb}: cannot run systemctl: ${error.message}\n`);
      resolve(ExitCode.failure);
    });
    child.on('exit', (code) => {
      if (code === 0) io.stdout.write(`${verb === 'start' ? 'started' : 'stopped'} ${UNIT}\n`);
      resolve(code === 0 ? ExitCode.ok : ExitCode.failure);
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

/** The daemon's entry point beside this file (main.ts when c2b itself runs from source). */
function daemonScript(): string {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../../daemon/main.${extension}`, import.meta.url));
}

export const start: Command = async (argv, io) => {
  const { values } = parseArgs({ args: [...argv], options: {
      foreground: { type: 'boolean', short: 'f', default: false },
      config: { type: 'string', short: 'c', default: DEFAULT_CONFIG_PATH },
      output: { type: 'string', short: 'o' },
    },
  });
  if (!values.foreground && systemdManages(io.env)) return systemctl(io, 'start');
  if (!isRoot()) {
    io.stderr.write(`c2b start: the helper runs as root (it changes the firewall): sudo c2b start${values.foreground ? ' -f' : ''}\n`);
    return ExitCode.notAuthorized;
  }
  const script = daemonScript();
  const args = [script, '-c', values.config, ...(values.foreground ? ['-f'] : []), ...(values.output ? ['-o', values.output] : [])];
  // The daemon says itself whether it started (and detaches without -f); its status is ours.
  return new Promise((resolve) => {
    // The same node flags as this process (a TypeScript loader in development; none when installed).
    const child = spawn(process.execPath, [...process.execArgv, ...args], { stdio: 'inherit', env: io.env });
    child.on('error', (error) => {
      io.stderr.write(`c2b start: cannot run the helper: ${error.message}\n`);
      resolve(ExitCode.failure);
    });
    if (values.foreground) {
      // Ctrl-C reaches the helper through the terminal; c2b waits for it to finish.
      process.on('SIGINT', () => {});
      process.on('SIGTERM', () => child.kill('SIGTERM'));
    }
    child.on('exit', (code) => resolve(code ?? ExitCode.failure));
  });
};

export const stop: Command = async (argv, io) => {
  const { values } = parseArgs({ args: [...argv], options: { config: { type: 'string', short: 'c', default: DEFAULT_CONFIG_PATH } } });
  if (systemdManages(io.env)) {
    const active = spawnSync('systemctl', ['is-active', '--quiet', UNIT]).status === 0;
    if (active) return systemctl(io, 'stop');
  }
  if (!isRoot()) {
    io.stderr.write('c2b stop: stopping the helper needs root: sudo c2b stop\n');
    return ExitCode.notAuthorized;
  }
  const pidFile = loadConfig(values.config).general.pidFile;
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  } catch {
    io.stdout.write(`the helper is not running (no pid file at ${pidFile})\n`);
    return ExitCode.ok;
  }
  if (!Number.isInteger(pid) || pid <= 1) {
    io.stderr.write(`c2b stop: ${pidFile} does not hold a pid\n`);
    return ExitCode.failure;
  }
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // Only signal what is really the helper: a stale pid file may name an unrelated process by now.
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    io.stdout.write(`the helper is not running (stale pid file ${pidFile})\n`);
    return ExitCode.ok;
  }
  if (!/daemon\/main\.[jt]s\0|croissant2ban/.test(command)) {
    io.stderr.write(`c2b stop: pid ${pid} from ${pidFile} is not the helper; not signalling it\n`);
    return ExitCode.failure;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) {
    io.stderr.write(`c2b stop: the helper (pid ${pid}) is still running after ${STOP_TIMEOUT_MS / 1000} s\n`);
    return ExitCode.failure;
  }
  io.stdout.write(`stopped the helper (pid ${pid}); its bans stay in the firewall until they expire\n`);
  return ExitCode.ok;
};
