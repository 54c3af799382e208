#!/usr/bin/env node
// c2b: the command-line client. Dispatches to one module per command and maps errors to exit codes.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExitCode, UsageError, type CliIo, type Command } from './io.js';

interface CommandEntry {
  /** Loaded on use: each command pays only for the modules it needs. */
  readonly load: () => Promise<Command>;
  readonly usage: string;
  readonly summary: string;
}

const admin = async () => import('./commands/admin.js');
const control = async () => import('./commands/service-control.js');

const commands: Record<string, CommandEntry> = {
  start: {
    load: async () => (await control()).start,
    usage: 'c2b start [-f] [-c <config>] [-o <log file>]',
    summary: 'start the helper (through systemd when it manages it; -f: in this terminal)',
  },
  stop: { load: async () => (await control()).stop, usage: 'c2b stop [-c <config>]', summary: 'stop the helper (bans stay in the firewall until they expire)' },
  reload: {
    load: async () => (await admin()).reload,
    usage: 'c2b reload',
    summary: 'read the configuration again (a bad one is refused and the running one stays)',
  },
  status: { load: async () => (await admin()).status, usage: 'c2b status [-j]', summary: 'whether the helper runs, for how long, with which services' },
  ban: {
    load: async () => (await admin()).ban,
    usage: 'c2b ban <ip> [-d <seconds>] [-r <reason>]',
    summary: 'ban an address (default 3600 s; -d 0 = permanent)',
  },
  extend: {
    load: async () => (await admin()).extend,
    usage: 'c2b extend <ip> -d <seconds>',
    summary: 'make a running ban end <seconds> from now (0 = permanent), keeping its reason and source',
  },
  unban: { load: async () => (await admin()).unban, usage: 'c2b unban <ip>', summary: 'lift the ban of an address' },
  list: { load: async () => (await admin()).list, usage: 'c2b list [-f table|json|simple]', summary: 'active bans' },
  banned: { load: async () => (await admin()).banned, usage: 'c2b banned', summary: 'banned addresses, one per line' },
  intel: {
    load: async () => (await import('./commands/intel.js')).intel,
    usage: 'c2b intel <ip> [-r] [-j] [-c config]',
    summary: 'who is behind an address: location, network, WHOIS, reputation (-r: ask every source again)',
  },
  whitelist: {
    load: async () => (await admin()).whitelist,
    usage: 'c2b whitelist add <ip|cidr> [-c <comment>] | rm <ip|cidr> | list [-j]',
    summary: 'addresses that are never banned (adding one lifts its bans)',
  },
  logs: { load: async () => (await admin()).logs, usage: 'c2b logs [-l <limit>] [-a] [-j]', summary: 'recent failed attempts (-a: the admin activity log)' },
  stats: { load: async () => (await admin()).stats, usage: 'c2b stats [-j]', summary: 'counts of bans and failures' },
  services: { load: async () => (await admin()).services, usage: 'c2b services [-j]', summary: 'configured services and what they read' },
  flush: {
    load: async () => (await admin()).flush,
    usage: 'c2b flush --yes [-c <config>]',
    summary: 'end every ban (through the helper; as root directly when it is not running)',
  },
  init: {
    load: async () => (await import('./commands/firewall-admin.js')).init,
    usage: 'c2b init [-c <config>]',
    summary: 'create the firewall table and sets (root; idempotent)',
  },
  'test-filter': {
    load: async () => (await import('./commands/test-filter.js')).testFilter,
    usage: 'c2b test-filter <filter|regex> <logfile> [--json] [--top N] [--missed N]',
    summary: 'run a built-in filter (ssh, nginx, apache, postfix, dovecot) or a regex with an ip group over a log file',
  },
  replay: {
    load: async () => (await import('./commands/replay.js')).replay,
    usage: 'c2b replay <logfile> --service <name> [--config <file>] [--json]',
    summary: 'replay a log file through filters, gate and detector and print who would be banned',
  },
  'gen-config': {
    load: async () => (await import('./commands/gen-config.js')).genConfig,
    usage: 'c2b gen-config [-o <path>] [--force]',
    summary: 'write a complete, commented default configuration',
  },
};

function helpText(): string {
  const width = Math.max(...Object.values(commands).map((entry) => entry.usage.length));
  const lines = Object.values(commands).map((entry) => `  ${entry.usage.padEnd(width)}  ${entry.summary}`);
  return [
    'usage: c2b <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'c2b help <command> shows one command.',
    'Exit status: 0 ok, 1 failure, 2 usage, 69 helper unreachable, 77 not authorised, 78 bad configuration.',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0] !== undefined ? commands[rest[0]] : undefined;
    io.stdout.write(`${topic ? `usage: ${topic.usage}\n${topic.summary}` : helpText()}\n`);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const entry = commands[name];
  if (entry === undefined) {
    io.stderr.write(`c2b: unknown command ${JSON.stringify(name)}\n\n${helpText()}\n`);
    return ExitCode.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`usage: ${entry.usage}\n${entry.summary}\n`);
    return ExitCode.ok;
  }
  try {
    const run = await entry.load();
    return await run(rest, io);
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught));
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`c2b ${name}: ${error.message}\nusage: ${entry.usage}\n`);
      return ExitCode.usage;
    }
    // By name: importing the config module here would load it for every command.
    if (error.name === 'ConfigError') {
      io.stderr.write(`c2b ${name}: ${error.message}\n`);
      return ExitCode.config;
    }
    io.stderr.write(`c2b ${name}: ${error.message}\n`);
    return ExitCode.failure;
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  // Closing stdout early (c2b ... | head) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.ok);
  });
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}
