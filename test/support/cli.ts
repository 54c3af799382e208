// Runs a c2b command in-process with captured output, as a user at a terminal (or a pipe) would see it.
import { Writable } from 'node:stream';
import { main } from '../../helper/cli/c2b.js';
import type { CliIo } from '../../helper/cli/io.js';

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function capture(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** A CliIo whose output is kept in memory, for running one command module directly. */
export function captureIo(cwd = process.cwd(), env: NodeJS.ProcessEnv = {}): { io: CliIo; stdout: () => string; stderr: () => string } {
  const stdout = capture();
  const stderr = capture();
  return { io: { stdout: stdout.stream, stderr: stderr.stream, env, cwd }, stdout: stdout.text, stderr: stderr.text };
}

/** Runs `c2b <argv>` through the dispatcher, as the c2b binary would. */
export async function runCli(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const { io, stdout, stderr } = captureIo(options.cwd, options.env);
  const status = await main(argv, io);
  return { status, stdout: stdout(), stderr: stderr() };
}

/** Parses JSON-lines output into objects. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
