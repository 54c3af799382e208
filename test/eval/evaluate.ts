// npm run eval: scores the built-in filters on the shared third-party corpus and prints a table (or --json).
//
// Usage: node dist/test/eval/evaluate.js [--json] [--verbose] [--corpus <dir>]
// The corpus directory is --corpus, else $C2B_CORPUS, else <repository>/../shared/corpus.
// Exit status: 0 when every expectation is met or documented as a deliberate miss, 1 otherwise.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { corpusExists, defaultCorpusDirectory, evaluateCorpus, type SuiteResult } from './corpus-evaluation.js';

function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('no package.json above test/eval');
    directory = parent;
  }
  return directory;
}

function table(results: readonly SuiteResult[]): string {
  const header = ['corpus filter', 'our filter', 'cases', 'met', 'deliberate', 'MISSED', 'time agrees', 'selection'];
  const rows = results.map((result) => [
    result.corpus,
    result.filter ?? '-',
    String(result.cases),
    result.filter === null ? '-' : String(result.met),
    result.filter === null ? '-' : String(result.deliberate.length),
    result.filter === null ? '-' : String(result.unexpected.length),
    result.filter === null ? '-' : `${result.timeAgreed}/${result.timed}`,
    result.selection,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (row: readonly string[]): string =>
    row.map((cell, column) => (column >= 2 && column <= 6 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...rows.map(format)].join('\n');
}

function details(results: readonly SuiteResult[], verbose: boolean): string[] {
  const lines: string[] = [];
  for (const result of results) {
    for (const miss of result.unexpected) {
      lines.push(
        `MISSED ${result.corpus} seq ${miss.seq}: expected ${miss.expectedMatch ? `a match on ${miss.expected}` : 'no match'}, ` +
          `got ${miss.addresses.length > 0 ? miss.addresses.join(', ') : 'none'} ${miss.patterns.length > 0 ? `[${miss.patterns.join(', ')}]` : ''}`.trimEnd(),
      );
    }
    for (const stale of result.staleMisses) lines.push(`STALE deliberate-miss entry: ${stale}`);
    if (verbose) {
      for (const miss of result.deliberate) lines.push(`deliberate ${result.corpus} seq ${miss.seq}: ${miss.deliberate}`);
    }
  }
  return lines;
}

function main(): number {
  const { values } = parseArgs({
    options: { json: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false }, corpus: { type: 'string' } },
  });
  // The corpus gives expected times as naive wall-clock strings; compare them in one fixed zone.
  process.env.TZ = 'UTC';
  const directory = values.corpus ?? defaultCorpusDirectory(repositoryRoot());
  if (!corpusExists(directory)) {
    process.stderr.write(`evaluate: no corpus at ${directory} (expected ${join(directory, 'cases')}/*.jsonl); set C2B_CORPUS or --corpus\n`);
    return 2;
  }
  const results = evaluateCorpus(directory);
  const failing = results.some((result) => result.unexpected.length > 0 || result.staleMisses.length > 0);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ corpus: directory, ok: !failing, results }, null, 2)}\n`);
  } else {
    const scored = results.filter((result) => result.filter !== null);
    const cases = scored.reduce((sum, result) => sum + result.cases, 0);
    const met = scored.reduce((sum, result) => sum + result.met, 0);
    const deliberate = scored.reduce((sum, result) => sum + result.deliberate.length, 0);
    process.stdout.write(`Corpus: ${directory}\n\n${table(results)}\n\n`);
    process.stdout.write(`In scope: ${met} of ${cases} expectations met, ${deliberate} missed on purpose (run with --verbose for the reasons).\n`);
    const notes = details(results, values.verbose);
    if (notes.length > 0) process.stdout.write(`\n${notes.join('\n')}\n`);
  }
  return failing ? 1 : 0;
}

process.exitCode = main();
