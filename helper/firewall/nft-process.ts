// Talks to nft: one `nft -f -` process per batch, or a long-lived `nft -i` channel that skips the ~6 ms start.
//
// The channel is plain nft 1.0.6 in interactive mode reading a pipe: every input line is one
// transaction, errors go to stderr and the process keeps running. nft never says "done", so each
// line is followed by a marker line that is a syntax error: nft echoes it on stderr, and whatever
// stderr carried between two markers is the outcome of the line in between (nothing = success).
// Nothing here goes through a shell; commands are argument arrays.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { FirewallError } from './backend.js';

/** Long enough for a 100k-element batch on a loaded machine; short enough that a hung nft is noticed. */
const PROCESS_TIMEOUT_MS = 60_000;
/** One channel line carries at most a few thousand elements (see nftables.ts), done in milliseconds. */
const CHANNEL_TIMEOUT_MS = 10_000;
/**
 * nft -i keeps every line in its libedit history, in memory and with a linear lookup per line:
 * measured, a line costs 0.3 ms after 2,000 lines but 3.7 ms after 45,000. So a channel retires
 * after this many lines (or bytes) and a fresh one takes over.
 */
const CHANNEL_LINES_BEFORE_RENEWAL = 500;
const CHANNEL_BYTES_BEFORE_RENEWAL = 4 << 20;

/** How a command line reads in an error: the argv, then the batch as nft would take it on one line. */
export function describeCommand(argv: readonly string[], input?: string): string {
  const command = argv.join(' ');
  if (input === undefined) return command;
  return `${command} < ${input.trimEnd().split('\n').join('; ')}`;
}

/**
 * Runs nft once: `prefix + args`, with `input` on stdin. Resolves with stdout; rejects with a
 * FirewallError naming the command and carrying nft's stderr and exit status.
 */
export function runNft(
  prefix: readonly string[],
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const argv = [...prefix, ...args];
  const described = describeCommand(argv, options.input);
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      reject(new FirewallError(described, `cannot start ${argv[0]}: ${(error as Error).message}`, (error as NodeJS.ErrnoException).code ?? null));
      return;
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let failure: Error | null = null;
    let timedOut = false;
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    // nft that dies early (or never started) closes stdin under us; the exit status tells the story.
    child.stdin!.on('error', () => {});
    child.on('error', (error) => {
      failure = error;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? PROCESS_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const errorText = Buffer.concat(stderr).toString('utf8');
      if (failure !== null) {
        const code = (failure as NodeJS.ErrnoException).code ?? null;
        reject(new FirewallError(described, `cannot run ${argv[0]}: ${failure.message}`, code));
      } else if (timedOut) {
        reject(new FirewallError(described, `no answer after ${options.timeoutMs ?? PROCESS_TIMEOUT_MS} ms; killed. ${errorText}`, signal));
      } else if (code !== 0) {
        reject(new FirewallError(described, errorText, code ?? signal));
      } else {
        resolve(Buffer.concat(stdout).toString('utf8'));
      }
    });
    child.stdin!.end(options.input ?? '');
  });
}

/** Runs nft with -j and parses its output; output that is not JSON is a FirewallError too. */
export async function runNftJson(prefix: readonly string[], args: readonly string[]): Promise<unknown> {
  const output = await runNft(prefix, ['-j', ...args]);
  try {
    return JSON.parse(output) as unknown;
  } catch (error) {
    throw new FirewallError(describeCommand([...prefix, '-j', ...args]), `output is not JSON (${(error as Error).message}): ${output.slice(0, 200)}`, null);
  }
}

/** The channel's process went away (or stopped answering): the line's outcome is unknown. */
export class NftChannelLost extends Error {
  override readonly name = 'NftChannelLost';
}

interface Pending {
  readonly marker: string;
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** A caret-only line: the tail of the previous marker's error report. */
const CARETS = /^[\s^~]*$/;

/** A persistent `nft -i`; lines run in order, each as one transaction. */
export class NftChannel {
  private readonly child: ChildProcess;
  private readonly argv: readonly string[];
  private readonly nonce = randomBytes(6).toString('hex');
  private readonly pending: Pending[] = [];
  private stderr = '';
  private counter = 0;
  private bytes = 0;
  private lost: NftChannelLost | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly exited: Promise<void>;

  constructor(prefix: readonly string[]) {
    this.argv = [...prefix, '-i'];
    // HOME=/dev/null: nft -i reads and writes $HOME/.nft.history; under /dev/null that path can never
    // exist, so no ban list ends up in root's home directory.
    this.child = spawn(this.argv[0]!, this.argv.slice(1), {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, HOME: '/dev/null' },
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', () => resolve());
      // A process that never started may not report 'close' on every Node version.
      this.child.once('error', () => {
        if (this.child.pid === undefined) resolve();
      });
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => this.receive(chunk));
    // A write fails (EPIPE) when nft is gone; its exit status and last words, reported on 'close'
    // right after, say more, so the write error only counts if 'close' does not come.
    this.child.stdin!.on('error', (error) => {
      setTimeout(() => this.fail(`writing to ${this.argv.join(' ')} failed: ${error.message}`), 500).unref();
    });
    this.child.on('error', (error) => this.fail(`cannot run ${this.argv.join(' ')}: ${error.message}`));
    this.child.on('close', (code, signal) => {
      const tail = this.stderr.trim().split('\n').slice(-3).join(' / ');
      this.fail(`${this.argv.join(' ')} exited (${code ?? signal})${tail ? `: ${tail}` : ''}`);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** False once the process died or timed out; such a channel is only good for close(). */
  get usable(): boolean {
    return this.lost === null;
  }

  /** Why the channel stopped being usable; null while it is. */
  get lostError(): NftChannelLost | null {
    return this.lost;
  }

  /** True once the channel carried enough lines that a fresh process would answer faster. */
  get worn(): boolean {
    return this.counter >= CHANNEL_LINES_BEFORE_RENEWAL || this.bytes >= CHANNEL_BYTES_BEFORE_RENEWAL;
  }

  /**
   * Runs one line (one nft transaction; commands separated by ";"). Resolves when nft accepted it,
   * rejects with FirewallError when nft refused it, with NftChannelLost when the process went away.
   */
  execute(line: string): Promise<void> {
    if (line.includes('\n')) return Promise.reject(new Error('an nft channel line must not contain a newline'));
    if (this.lost !== null) return Promise.reject(this.lost);
    const marker = `c2b_sync_${this.nonce}_${++this.counter}`;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ marker, line, resolve, reject });
      this.bytes += line.length;
      this.child.stdin!.write(`${line}\n${marker}\n`);
      this.arm();
    });
  }

  /** Ends nft's input (it exits on end of file) and waits; kills it if it lingers. */
  async close(): Promise<void> {
    this.fail('the nft channel was closed');
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin!.end();
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
      await this.exited;
      clearTimeout(killer);
    }
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    this.timer = setTimeout(() => {
      this.fail(`${this.argv.join(' ')} did not answer within ${CHANNEL_TIMEOUT_MS} ms`);
      this.child.kill('SIGKILL');
    }, CHANNEL_TIMEOUT_MS);
  }

  private receive(chunk: string): void {
    this.stderr += chunk;
    for (;;) {
      const head = this.pending[0];
      if (head === undefined) break;
      const markerLine = `${head.marker}\n`;
      let at = this.stderr.indexOf(markerLine);
      while (at > 0 && this.stderr[at - 1] !== '\n') at = this.stderr.indexOf(markerLine, at + 1);
      if (at === -1) break;
      const lines = this.stderr.slice(0, at).split('\n');
      this.stderr = this.stderr.slice(at + markerLine.length);
      this.pending.shift();
      // Drop the marker's own report around the line's output: its "Error: syntax error" header
      // just before, and the caret line left over from the previous marker at the start.
      if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      if (lines.length > 0 && lines[lines.length - 1]!.includes('Error:')) lines.pop();
      while (lines.length > 0 && CARETS.test(lines[0]!)) lines.shift();
      const output = lines.join('\n').trim();
      if (output === '') head.resolve();
      else head.reject(new FirewallError(describeCommand(this.argv, head.line), output, null));
    }
    // Only the caret line of the last marker (or a partial report) waits here; keep it bounded.
    if (this.pending.length === 0 && this.stderr.length > 65536) this.stderr = this.stderr.slice(-4096);
    this.arm();
  }

  private fail(reason: string): void {
    if (this.lost === null) this.lost = new NftChannelLost(reason);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const pending of this.pending.splice(0)) pending.reject(this.lost);
  }
}
