// c2b test-filter: runs a built-in filter or a regex over a log file and shows what it catches and misses.
//
// One pass, in order, through the same matcher the helper runs: what it reports is what the helper would see.
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  builtinFilterNames,
  compileUserPatterns,
  createMatcher,
  FilterError,
  loadBuiltinFilter,
  type FilterDefinition,
  type LineMatcher,
} from '../../filters/index.js';
import { readFileLines } from '../../sources/read-file-lines.js';
import { ExitCode, UsageError, type CliIo, type Command } from '../io.js';


const FILTER_NAME = /^[a-z][a-z0-9-]*$/;
/** Missed lines worth showing: they came from the service and sound like trouble. */
const RELEVANT = /fail|fatal|invalid|illegal|denied|refused|not allowed|mismatch|not found|unknown user|too many|timeout|error|attack|break-in/i;
const OUTPUT_CHUNK = 1 << 20;

interface Options {
  readonly json: boolean;
  readonly top: number;
  readonly missed: number;
}

/**
 * What one scan of a file found; --json records are kept as columns (cheaper than an object each).
 * One record per distinct (line, address, pattern): a summary line standing for 3 attempts is one
 * record with count 3; a line that completes failures of two addresses (or patterns) is two.
 */
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
  recordCounts: number[];
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
    recordLines: [], recordAddresses: [], recordPatterns: [], recordTimes: [], recordCounts: [],
  };
}

/** Feeds lines to a matcher and tallies what it found. */
function scanner(matcher: LineMatcher, options: { json: boolean; missed: number }, result: ScanResult): (text: string) => void {
  return (text) => {
    const matches = matcher.push(text);
    const line = ++result.lines;
    if (matches.length === 0) {
      if (matcher.lastPattern === null && matcher.lastLineFromService && RELEVANT.test(text)) {
        result.relevantMissed++;
        if (result.missed.length < options.missed) result.missed.push({ line, text: text.length > 300 ? `${text.slice(0, 300)}...` : text });
      }
      return;
    }
    result.matchedLines++;
    const firstRecord = result.recordLines.length;
    for (const match of matches) {
      result.failures++;
      result.addresses.set(match.address, (result.addresses.get(match.address) ?? 0) + 1);
      result.patterns.set(match.pattern, (result.patterns.get(match.pattern) ?? 0) + 1);
      if (options.json) {
        // A line completes a handful of failures at most: a linear look at its records is enough.
        let record = result.recordLines.length - 1;
        while (record >= firstRecord && (result.recordAddresses[record] !== match.address || result.recordPatterns[record] !== match.pattern)) record--;
        if (record >= firstRecord) {
          result.recordCounts[record]!++;
          continue;
        }
        result.recordLines.push(line);
        result.recordAddresses.push(match.address);
        result.recordPatterns.push(match.pattern);
        result.recordTimes.push(match.time);
        result.recordCounts.push(1);
      }
    }
  };
}

async function scanFile(definition: FilterDefinition, path: string, modified: number, options: Options): Promise<ScanResult> {
  const matcher = createMatcher(definition, { service: definition.name, yearReference: () => modified });
  const result = emptyResult();
  await readFileLines(path, { onLine: scanner(matcher, options, result) });
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
        `"time":${time === null || time === undefined ? 'null' : `"${new Date(time).toISOString()}"`},"count":${result.recordCounts[index]}}`,
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
  let modified: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
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
    result = await scanFile(definition, path, modified, options);
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
