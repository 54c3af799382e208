// c2b test-filter: runs a built-in filter or a regex over a log file and shows what it catches and misses.
//
// Large files are scanned by two threads when the machine has two cores: the file is cut at a line
// boundary, and the second thread first replays a stretch before the cut without reporting, so that
// connections logged across the cut are understood as the helper would understand them.
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  builtinFilterNames,
  compileUserPatterns,
  createMatcher,
  FilterError,
  loadBuiltinFilter,
  type FilterDefinition,
  type LineMatcher,
} from '../../filters/index.js';
import { LineSplitter } from '../../sources/line-splitter.js';
import { readFileLines } from '../../sources/read-file-lines.js';
import { ExitCode, UsageError, type CliIo, type Command } from '../io.js';

export const testFilterUsage = 'c2b test-filter <filter|regex> <logfile> [--json] [--top N] [--missed N]';

const FILTER_NAME = /^[a-z][a-z0-9-]*$/;
/** Missed lines worth showing: they came from the service and sound like trouble. */
const RELEVANT = /fail|fatal|invalid|illegal|denied|refused|not allowed|mismatch|not found|unknown user|too many|timeout|error|attack|break-in/i;
const OUTPUT_CHUNK = 1 << 20;
/** Below this size one thread is fast enough. */
const PARALLEL_MIN_BYTES = 16 << 20;
/** What the second thread replays before its half: connections rarely span more log than this. */
const WARM_UP_BYTES = 2 << 20;
/**
 * Share of the file for the first thread. The second one starts later and replays its warm-up, but
 * the first also reads while the process starts: measured on two cores, a little under half balances them.
 */
const FIRST_SHARE = 0.48;
const READ_CHUNK = 1 << 20;
const WORKER_TASK = 'c2b-test-filter-range';

interface Options {
  readonly json: boolean;
  readonly top: number;
  readonly missed: number;
}

/** What one scan of (part of) a file found. Records are columns, so a thread can send them cheaply. */
interface ScanResult {
  lines: number;
  matchedLines: number;
  failures: number;
  addresses: Map<string, number>;
  patterns: Map<string, number>;
  relevantMissed: number;
  missed: { line: number; text: string }[];
  recordLines: number[];
  recordAddresses: string[];
  recordPatterns: string[];
  recordTimes: (number | null)[];
}

interface RangeTask {
  readonly task: typeof WORKER_TASK;
  readonly filter: string;
  readonly path: string;
  readonly modified: number;
  readonly warmUpStart: number;
  readonly start: number;
  readonly json: boolean;
  readonly missed: number;
}

function positiveInteger(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} needs a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** A built-in filter by name, or a regex with an address group; anything else is a usage error. */
function resolveFilter(argument: string): FilterDefinition {
  const builtins = builtinFilterNames();
  if (builtins.includes(argument)) return loadBuiltinFilter(argument);
  if (FILTER_NAME.test(argument)) {
    throw new UsageError(
      `unknown filter ${JSON.stringify(argument)}: built-in filters are ${builtins.join(', ')}; ` +
        'or give a regex whose address is the group (?P<ip>...) or group 1',
    );
  }
  try {
    return compileUserPatterns('test-filter', [{ name: 'regex', regex: argument, eventType: 'failed_auth' }]);
  } catch (error) {
    if (!(error instanceof FilterError)) throw error;
    const problem = error.message.slice(error.message.lastIndexOf('": ') + 3);
    throw new UsageError(`${JSON.stringify(argument)} is neither a built-in filter (${builtins.join(', ')}) nor a usable regex: ${problem}`);
  }
}

function emptyResult(): ScanResult {
  return {
    lines: 0, matchedLines: 0, failures: 0, addresses: new Map(), patterns: new Map(), relevantMissed: 0, missed: [],
    recordLines: [], recordAddresses: [], recordPatterns: [], recordTimes: [],
  };
}

/** Feeds lines to a matcher and tallies; `count` false replays a line for its context only. */
function scanner(matcher: LineMatcher, options: { json: boolean; missed: number }, result: ScanResult): (text: string, count: boolean) => void {
  return (text, count) => {
    const matches = matcher.push(text);
    if (!count) return;
    const line = ++result.lines;
    if (matches.length === 0) {
      if (matcher.lastPattern === null && matcher.lastLineFromService && RELEVANT.test(text)) {
        result.relevantMissed++;
        if (result.missed.length < options.missed) result.missed.push({ line, text: text.length > 300 ? `${text.slice(0, 300)}...` : text });
      }
      return;
    }
    result.matchedLines++;
    for (const match of matches) {
      result.failures++;
      result.addresses.set(match.address, (result.addresses.get(match.address) ?? 0) + 1);
      result.patterns.set(match.pattern, (result.patterns.get(match.pattern) ?? 0) + 1);
      if (options.json) {
        result.recordLines.push(line);
        result.recordAddresses.push(match.address);
        result.recordPatterns.push(match.pattern);
        result.recordTimes.push(match.time);
      }
    }
  };
}

/**
 * Calls onLine for the lines that start in [start, end) of the file, with the same splitting as
 * readFileLines (sources/read-file-lines.ts): overlong lines dropped, "\r" removed, and a last
 * line without a newline delivered. start must be 0 or just after a newline.
 */
async function readLineRange(path: string, start: number, end: number, onLine: (text: string) => void): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const splitter = new LineSplitter({ onLine }, start);
    let position = start;
    while (position < end) {
      // A fresh buffer per read: the splitter may keep a view of an unfinished line until the next one.
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, Math.min(READ_CHUNK, end - position), position);
      if (bytesRead === 0) break;
      splitter.push(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    if (splitter.heldBytes > 0) splitter.push(Buffer.from('\n'));
  } finally {
    await handle.close();
  }
}

/** The offset just after the first newline at or after offset (the file size when there is none). */
async function lineStartAfter(path: string, offset: number, size: number): Promise<number> {
  if (offset <= 0) return 0;
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(64 * 1024);
    let position = offset - 1;
    while (position < size) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      const newline = buffer.subarray(0, bytesRead).indexOf(10);
      if (newline !== -1) return position + newline + 1;
      position += bytesRead;
    }
    return size;
  } finally {
    await handle.close();
  }
}

/** The second thread: replays [warmUpStart, start) silently, then scans [start, end of file). */
async function runRangeTask(task: RangeTask): Promise<ScanResult> {
  const definition = loadBuiltinFilter(task.filter);
  const matcher = createMatcher(definition, { service: definition.name, yearReference: () => task.modified });
  const result = emptyResult();
  const scan = scanner(matcher, task, result);
  await readLineRange(task.path, task.warmUpStart, task.start, (text) => scan(text, false));
  await readLineRange(task.path, task.start, Number.MAX_SAFE_INTEGER, (text) => scan(text, true));
  return result;
}

if (!isMainThread && (workerData as { task?: unknown } | null)?.task === WORKER_TASK) {
  runRangeTask(workerData as RangeTask).then(
    (result) => parentPort!.postMessage({ result }),
    (error: unknown) => parentPort!.postMessage({ error: (error as Error).message ?? String(error) }),
  );
}

function runInWorker(task: RangeTask): Promise<ScanResult> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: task });
    worker.once('message', (message: { result?: ScanResult; error?: string }) => {
      void worker.terminate();
      if (message.result !== undefined) resolvePromise(message.result);
      else reject(new Error(message.error ?? 'the second scanning thread failed'));
    });
    worker.once('error', reject);
  });
}

/** Appends a later part's result to an earlier one, shifting its line numbers. */
function merge(first: ScanResult, second: ScanResult): ScanResult {
  const offset = first.lines;
  for (const [address, count] of second.addresses) first.addresses.set(address, (first.addresses.get(address) ?? 0) + count);
  for (const [pattern, count] of second.patterns) first.patterns.set(pattern, (first.patterns.get(pattern) ?? 0) + count);
  for (const sample of second.missed) first.missed.push({ line: sample.line + offset, text: sample.text });
  for (let index = 0; index < second.recordLines.length; index++) {
    first.recordLines.push(second.recordLines[index]! + offset);
    first.recordAddresses.push(second.recordAddresses[index]!);
    first.recordPatterns.push(second.recordPatterns[index]!);
    first.recordTimes.push(second.recordTimes[index]!);
  }
  first.lines += second.lines;
  first.matchedLines += second.matchedLines;
  first.failures += second.failures;
  first.relevantMissed += second.relevantMissed;
  return first;
}

async function scanFile(definition: FilterDefinition, argument: string, path: string, size: number, modified: number, options: Options): Promise<ScanResult> {
  const matcher = createMatcher(definition, { service: definition.name, yearReference: () => modified });
  const result = emptyResult();
  const scan = scanner(matcher, options, result);
  const builtin = definition.subject !== 'line';
  // A worker thread loads this module again, which only works once it is compiled (not under a TypeScript loader).
  const compiled = import.meta.url.endsWith('.js');
  if (!builtin || !compiled || size < PARALLEL_MIN_BYTES || availableParallelism() < 2) {
    await readFileLines(path, { onLine: (text) => scan(text, true) });
    return result;
  }
  const cut = await lineStartAfter(path, Math.floor(size * FIRST_SHARE), size);
  const warmUpStart = await lineStartAfter(path, Math.max(0, cut - WARM_UP_BYTES), size);
  const second = runInWorker({ task: WORKER_TASK, filter: argument, path, modified, warmUpStart, start: cut, json: options.json, missed: options.missed });
  // A failure of the second thread must not leave an unhandled rejection while the first one works.
  second.catch(() => undefined);
  await readLineRange(path, 0, cut, (text) => scan(text, true));
  merge(result, await second);
  result.missed = result.missed.slice(0, options.missed);
  return result;
}

/** Buffers output and respects the stream's back-pressure, so a million JSON lines stay cheap. */
class Output {
  private pending: string[] = [];
  private size = 0;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  async line(text: string): Promise<void> {
    this.pending.push(text);
    this.size += text.length + 1;
    if (this.size >= OUTPUT_CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await new Promise<void>((done) => this.stream.once('drain', () => done()));
  }
}

/** 1234567 as "1,234,567" (toLocaleString would load ICU data: tens of milliseconds on first use). */
function formatCount(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function describe(definition: FilterDefinition, argument: string): string {
  if (definition.subject === 'line') {
    const limit = definition.patterns[0]?.maxLineLength;
    return `regex ${JSON.stringify(argument)}${limit != null ? ` (only tried on lines up to ${limit} characters: anchor it with ^ to lift this)` : ''}`;
  }
  return `${definition.name} (${definition.origin})`;
}

async function writeJson(out: Output, result: ScanResult): Promise<void> {
  for (let index = 0; index < result.recordLines.length; index++) {
    const time = result.recordTimes[index];
    await out.line(
      `{"line":${result.recordLines[index]},"ip":"${result.recordAddresses[index]}","pattern":${JSON.stringify(result.recordPatterns[index])},` +
        `"time":${time === null || time === undefined ? 'null' : `"${new Date(time).toISOString()}"`}}`,
    );
  }
  await out.line(JSON.stringify({ summary: { lines: result.lines, matched: result.matchedLines, addresses: result.addresses.size } }));
}

async function writeReport(out: Output, result: ScanResult, context: { definition: FilterDefinition; argument: string; path: string; seconds: number; top: number }): Promise<void> {
  const ranked = [...result.addresses].sort((left, right) => right[1] - left[1] || (left[0] < right[0] ? -1 : 1));
  const shown = ranked.slice(0, context.top);
  await out.line(`Filter:   ${describe(context.definition, context.argument)}`);
  await out.line(`Log file: ${context.path}`);
  await out.line(
    `Lines:    ${formatCount(result.lines)} read, ${formatCount(result.matchedLines)} matched (${formatCount(result.failures)} failures), ` +
      `${formatCount(result.lines - result.matchedLines)} missed, in ${context.seconds.toFixed(2)} s`,
  );
  if (result.patterns.size > 0) {
    await out.line('');
    await out.line('Patterns:');
    const names = [...result.patterns].sort((left, right) => right[1] - left[1]);
    const nameWidth = Math.max(...names.map(([name]) => name.length));
    const countWidth = Math.max(...names.map(([, count]) => formatCount(count).length));
    for (const [name, count] of names) await out.line(`  ${name.padEnd(nameWidth)}  ${formatCount(count).padStart(countWidth)}`);
  }
  await out.line('');
  if (ranked.length === 0) await out.line('Addresses: none');
  else {
    const addressWidth = Math.max(...shown.map(([address]) => address.length));
    const countWidth = Math.max(...shown.map(([, count]) => formatCount(count).length));
    await out.line(`Addresses (${shown.length < ranked.length ? `top ${shown.length} of ` : ''}${formatCount(ranked.length)}):`);
    for (const [address, count] of shown) await out.line(`  ${address.padEnd(addressWidth)}  ${formatCount(count).padStart(countWidth)}`);
  }
  await out.line('');
  if (result.relevantMissed === 0) await out.line('Missed lines that look relevant: none');
  else {
    await out.line(`Missed lines that look relevant (${result.missed.length} of ${formatCount(result.relevantMissed)}):`);
    for (const sample of result.missed) await out.line(`  ${sample.line}: ${sample.text}`);
  }
}

export const testFilter: Command = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      top: { type: 'string' },
      missed: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 2) throw new UsageError(`expected a filter (or regex) and a log file, got ${positionals.length} argument(s)`);
  const [filterArgument, fileArgument] = positionals as [string, string];
  const options: Options = {
    json: values.json ?? false,
    top: positiveInteger(values.top, 20, '--top'),
    missed: positiveInteger(values.missed, 10, '--missed'),
  };
  const definition = resolveFilter(filterArgument);
  const path = resolve(io.cwd, fileArgument);
  let size: number;
  let modified: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
    // The lines were written before the file's last change: that decides the years syslog leaves out.
    modified = info.mtimeMs;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    io.stderr.write(`c2b test-filter: cannot read ${fileArgument}: ${reason}\n`);
    return ExitCode.failure;
  }
  const started = performance.now();
  let result: ScanResult;
  try {
    result = await scanFile(definition, filterArgument, path, size, modified, options);
  } catch (error) {
    io.stderr.write(`c2b test-filter: cannot read ${fileArgument}: ${(error as Error).message}\n`);
    return ExitCode.failure;
  }
  const seconds = (performance.now() - started) / 1000;
  const out = new Output(io.stdout);
  if (options.json) await writeJson(out, result);
  else await writeReport(out, result, { definition, argument: filterArgument, path, seconds, top: options.top });
  await out.flush();
  return ExitCode.ok;
};
