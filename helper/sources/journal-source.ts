// Follows journald through `journalctl --follow --output=json` and emits each entry as a syslog-style line.
//
// Where it starts: after the saved cursor when there is one (entries logged while the helper was
// stopped are read); otherwise `initialWindowSeconds` back (default 10 minutes), so an attack that
// is under way when the helper first starts is seen, without replaying months of history. The
// detector judges every entry by its own time either way.
import { spawn, type ChildProcess } from 'node:child_process';
import type { SourceLine } from '../core/events.js';
import { describe, type Source, type SourceWarning } from './file-source.js';
import { LineSplitter } from './line-splitter.js';
import type { PositionStore } from './positions.js';

export interface JournalSourceOptions {
  /** Config service name, copied into every line. */
  readonly service: string;
  /** systemd units to follow, e.g. ["ssh.service"]. */
  readonly units: readonly string[];
  /** The cursor is saved under the path "journal:<units, sorted, comma-separated>". */
  readonly positions: PositionStore;
  /** Synchronous: once it returns for every entry of a batch, the batch's cursor is saved. */
  readonly onLine: (line: SourceLine) => void;
  readonly onWarning: (warning: SourceWarning) => void;
  /** Default "journalctl", looked up on PATH; tests point it at a fake that prints journal JSON. */
  readonly journalctlPath?: string;
  /** Without a saved cursor, start this many seconds back. Default 600. */
  readonly initialWindowSeconds?: number;
  /** Wait before running journalctl again after it failed or exited; doubles up to the maximum. */
  readonly restartDelayMs?: { readonly initial: number; readonly maximum: number };
  readonly now?: () => number;
}

export const DEFAULT_INITIAL_WINDOW_SECONDS = 600;
export const DEFAULT_RESTART_DELAY_MS = { initial: 1000, maximum: 60_000 } as const;
/** journald itself caps entries well below this; a longer line is not an entry. */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
const STOP_TIMEOUT_MS = 2000;

export function createJournalSource(options: JournalSourceOptions): Source {
  if (options.units.length === 0) throw new Error(`the journal source for service ${options.service} needs at least one unit`);
  return new JournalFollower(options);
}

/** The arguments for journalctl; never passed through a shell, and every value is joined to its option by "=". */
export function journalctlArguments(request: { units: readonly string[]; cursor: string | undefined; sinceEpochSeconds: number }): string[] {
  return [
    '--follow',
    '--output=json',
    // Without --all, fields over 4 KiB come out as null.
    '--all',
    '--no-pager',
    '--quiet',
    // --follow implies --lines=10, which would skip entries between the start point and the last ten.
    '--no-tail',
    ...request.units.map((unit) => `--unit=${unit}`),
    request.cursor !== undefined ? `--after-cursor=${request.cursor}` : `--since=@${request.sinceEpochSeconds}`,
  ];
}

/**
 * "<SYSLOG_IDENTIFIER>[<_PID>]: <MESSAGE>", like a syslog file line without its date and host;
 * null when the entry has no message. A multi-line message stays one text, so that a line an
 * attacker embeds in it can never pass for a line of its own to an anchored filter.
 */
export function journalEntryText(entry: Readonly<Record<string, unknown>>): string | null {
  const message = fieldText(entry['MESSAGE']);
  if (message === null) return null;
  const identifier = fieldText(entry['SYSLOG_IDENTIFIER']) ?? fieldText(entry['_COMM']);
  const pid = fieldText(entry['_PID']) ?? fieldText(entry['SYSLOG_PID']);
  const text = message.replace(/\r?\n$/, '');
  if (identifier === null) return text;
  return pid === null ? `${identifier}: ${text}` : `${identifier}[${pid}]: ${text}`;
}

/** Epoch milliseconds from __REALTIME_TIMESTAMP (microseconds, as a decimal string). */
export function journalEntryTime(entry: Readonly<Record<string, unknown>>): number | undefined {
  const value = fieldText(entry['__REALTIME_TIMESTAMP']);
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Math.floor(Number(value) / 1000);
}

/** journalctl's JSON gives a field as a string, as an array of bytes (binary content), or as an array of those (repeated field). */
function fieldText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value) || value.length === 0) return null;
  if (value.every((byte) => Number.isInteger(byte) && byte >= 0 && byte <= 255)) {
    return Buffer.from(value as number[]).toString('utf8');
  }
  return fieldText(value[0]);
}

class JournalFollower implements Source {
  private readonly key: string;
  private readonly restartDelay: { readonly initial: number; readonly maximum: number };
  private readonly now: () => number;
  private readonly journalctlPath: string;
  private cursor: string | undefined;
  private savedCursor: string | undefined;
  private child: ChildProcess | null = null;
  private childClosed: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | null = null;
  private nextDelayMs: number;
  /** The last failure reported, so a journalctl that keeps failing the same way is reported once. */
  private lastFailure: string | null = null;
  private started = false;
  private stopped = false;

  constructor(private readonly options: JournalSourceOptions) {
    this.key = `journal:${[...options.units].sort().join(',')}`;
    this.restartDelay = options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS;
    this.nextDelayMs = this.restartDelay.initial;
    this.now = options.now ?? Date.now;
    this.journalctlPath = options.journalctlPath ?? 'journalctl';
  }

  /** Resolves once journalctl runs (or failed to start, which is reported and retried). */
  async start(): Promise<void> {
    if (this.started) throw new Error(`the journal source ${this.key} was already started`);
    this.started = true;
    this.cursor = this.options.positions.load(this.key)?.cursor;
    this.savedCursor = this.cursor;
    await this.launch();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child === null) return;
    const closed = this.childClosed;
    child.kill('SIGTERM');
    let killTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      closed,
      new Promise<void>((resolve) => {
        killTimer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, STOP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(killTimer);
    await closed;
  }

  private launch(): Promise<void> {
    this.restartTimer = null;
    if (this.stopped) return Promise.resolve();
    const usedCursor = this.cursor;
    const sinceEpochSeconds = Math.floor(this.now() / 1000) - (this.options.initialWindowSeconds ?? DEFAULT_INITIAL_WINDOW_SECONDS);
    const args = journalctlArguments({ units: this.options.units, cursor: usedCursor, sinceEpochSeconds });
    const launchedAt = this.now();
    let delivered = 0;
    let invalidReported = false;
    let stderrTail = '';
    let spawnError: Error | null = null;

    const splitter = new LineSplitter({
      maxLineBytes: MAX_ENTRY_BYTES,
      onLine: (text) => {
        if (this.stopped) return;
        if (this.handleEntry(text)) delivered += 1;
        else if (!invalidReported) {
          invalidReported = true;
          this.warn('journal-entry-invalid', `journalctl printed a line that is not a journal entry for ${this.key}: ${JSON.stringify(text.slice(0, 200))}; such lines are skipped`);
        }
      },
      onOverlong: (lengthBytes) => this.warn('journal-entry-invalid', `skipped a journal entry of ${lengthBytes} bytes for ${this.key}: longer than ${MAX_ENTRY_BYTES} bytes`),
    });

    const child = spawn(this.journalctlPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      this.saveCursor();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4096);
    });

    let markSpawned: () => void = () => undefined;
    const spawned = new Promise<void>((resolve) => {
      markSpawned = resolve;
    });
    child.once('spawn', () => markSpawned());
    this.childClosed = new Promise<void>((resolve) => {
      // A failed spawn gives 'error', then 'close'; start() resolves after the failure was reported.
      child.once('error', (error) => {
        spawnError = error;
      });
      child.once('close', (code, signal) => {
        if (this.child === child) this.child = null;
        resolve();
        this.afterExit({ code, signal, spawnError, usedCursor, delivered, launchedAt, stderrTail });
        markSpawned();
      });
    });
    return spawned;
  }

  private afterExit(run: {
    code: number | null;
    signal: NodeJS.Signals | null;
    spawnError: Error | null;
    usedCursor: string | undefined;
    delivered: number;
    launchedAt: number;
    stderrTail: string;
  }): void {
    const { code, signal, spawnError, usedCursor, delivered, launchedAt, stderrTail } = run;
    if (this.stopped) return;
    const ranLong = this.now() - launchedAt >= this.restartDelay.maximum;
    if (delivered > 0 || ranLong) {
      this.nextDelayMs = this.restartDelay.initial;
      this.lastFailure = null;
    }
    const complaint = stderrTail.trim().split('\n').pop() ?? '';
    if (usedCursor !== undefined && delivered === 0 && /cursor/i.test(complaint)) {
      // A cursor from a vacuumed or foreign journal must not keep the source down forever.
      this.cursor = undefined;
      this.warn('journal-cursor-rejected', `journalctl rejected the saved cursor of ${this.key} ("${complaint}"); reading from ${this.options.initialWindowSeconds ?? DEFAULT_INITIAL_WINDOW_SECONDS} seconds back instead`);
      this.scheduleLaunch(0);
      return;
    }
    const reason = spawnError !== null
      ? `cannot run ${this.journalctlPath}: ${describe(spawnError)}${(spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? '; install systemd\'s journalctl, or follow a log file instead' : ''}`
      : `${this.journalctlPath} for ${this.key} ${signal !== null ? `was killed by ${signal}` : `exited with status ${code}`}${complaint !== '' ? `: "${complaint}"` : ''}`;
    const delay = this.nextDelayMs;
    this.nextDelayMs = Math.min(this.nextDelayMs * 2, this.restartDelay.maximum);
    if (reason !== this.lastFailure) {
      this.lastFailure = reason;
      this.warn('journal-failed', `${reason}; retrying in ${formatDelay(delay)}, then less and less often`);
    }
    this.scheduleLaunch(delay);
  }

  private scheduleLaunch(delayMs: number): void {
    if (this.stopped) return;
    this.restartTimer = setTimeout(() => void this.launch(), delayMs);
  }

  /** Returns false when the text is not a journal entry. */
  private handleEntry(text: string): boolean {
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch {
      return false;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return false;
    const fields = entry as Record<string, unknown>;
    const cursor = fields['__CURSOR'];
    if (typeof cursor !== 'string') return false;
    const lineText = journalEntryText(fields);
    if (lineText !== null) {
      const unit = fieldText(fields['_SYSTEMD_UNIT']);
      const time = journalEntryTime(fields);
      const line: SourceLine = {
        service: this.options.service,
        origin: `journal:${unit ?? this.options.units.join(',')}`,
        text: lineText,
        ...(time !== undefined ? { time } : {}),
      };
      try {
        this.options.onLine(line);
      } catch (error) {
        this.warn('line-handler-failed', `an entry from ${this.key} could not be processed: ${describe(error)}`);
      }
    }
    this.cursor = cursor;
    return true;
  }

  private saveCursor(): void {
    if (this.cursor === undefined || this.cursor === this.savedCursor) return;
    try {
      this.options.positions.save({ path: this.key, inode: 0, device: 0, firstLineHash: '', offset: 0, cursor: this.cursor });
      this.savedCursor = this.cursor;
    } catch (error) {
      this.warn('position-not-saved', `cannot save the journal cursor of ${this.key}: ${describe(error)}; after a restart some entries may be read again`);
    }
  }

  private warn(code: SourceWarning['code'], message: string): void {
    this.options.onWarning({ code, origin: this.key, message });
  }
}

function formatDelay(milliseconds: number): string {
  return milliseconds >= 1000 ? `${Math.round(milliseconds / 1000)} s` : `${milliseconds} ms`;
}
