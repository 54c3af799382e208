#!/usr/bin/env node
// c2b: the command-line client. Dispatches to one module per command and maps errors to exit codes.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/load.js';
import { genConfig } from './commands/gen-config.js';
import { replay, replayUsage } from './commands/replay.js';
import { testFilter } from './commands/test-filter.js';
import { ExitCode, UsageError, type CliIo, type Command } from './io.js';

interface CommandEntry {
  readonly run: Command;
  readonly usage: string;
  readonly summary: string;
}

const commands: Record<string, CommandEntry> = {
  'test-filter': {
    run: testFilter,
    usage: 'c2b test-filter <filter|regex> <logfile> [--json]',
    summary: 'run a built-in filter (ssh, nginx, apache, postfix, dovecot) or a regex with an ip group over a log file',
  },
  replay: {
    run: replay,
    usage: replayUsage.replace(/^usage: /, ''),
    summary: 'replay a log file through filters, gate and detector and print who would be banned',
  },
  'gen-config': {
    run: genConfig,
    usage: 'c2b gen-config [-o <path>] [--force]',
    summary: 'write a complete, commented default configuration',
  },
};

function helpText(): string {
  const width = Math.max(...Object.values(commands).map((entry) => entry.usage.length));
  const lines = Object.values(commands).map((entry) => `  ${entry.usage.padEnd(width)}  ${entry.summary}`);
  return ['usage: c2b <command> [options]', '', 'Commands:', ...lines, '', 'c2b help <command> shows one command.'].join('\n');
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
    return await entry.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`c2b ${name}: ${(error as Error).message}\nusage: ${entry.usage}\n`);
      return ExitCode.usage;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`c2b ${name}: ${error.message}\n`);
      return ExitCode.config;
    }
    io.stderr.write(`c2b ${name}: ${(error as Error).message ?? String(error)}\n`);
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
