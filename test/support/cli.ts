// Runs a c2b command in-process with captured output, as a user at a terminal (or a pipe) would see it.
import { Writable } from 'node:stream';
import { main } from '../../helper/cli/c2b.js';

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

export async function runCli(argv: readonly string[], options: { cwd?: string } = {}): Promise<CliResult> {
  const stdout = capture();
  const stderr = capture();
  const status = await main(argv, { stdout: stdout.stream, stderr: stderr.stream, env: {}, cwd: options.cwd ?? process.cwd() });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

/** Parses JSON-lines output into objects. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
