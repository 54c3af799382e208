// Every built-in filter against its annotated samples (test/samples/<filter>.log), and every pattern covered by one.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { builtinFilterNames, createMatcher, loadBuiltinFilter, type FilterMatch } from '../../../helper/filters/index.js';

// Expected times are written in UTC; BSD and nginx timestamps are local time.
process.env.TZ = 'UTC';

/** The year reference every sample file is read with. */
const YEAR_REFERENCE = Date.UTC(2024, 5, 30, 12, 0, 0);

interface Expectation {
  /** The line completes at least one failure. */
  readonly match?: boolean;
  /** The address of every failure the line completes. */
  readonly ip?: string;
  /** The pattern that recognises the line; absent when no pattern may. */
  readonly pattern?: string;
  /** Number of failures (default 1 when match). */
  readonly count?: number;
  /** Patterns of the failures when they are not the recognising one (failures that waited for an address). */
  readonly reported?: readonly string[];
  /** ISO time of the failures. */
  readonly time?: string;
  /** ISO time the source supplies (journald). */
  readonly source_time?: string;
}

interface Sample {
  readonly lineNumber: number;
  readonly text: string;
  readonly expect: Expectation;
}

function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) directory = dirname(directory);
  return directory;
}

const KNOWN_KEYS = new Set(['match', 'ip', 'pattern', 'count', 'reported', 'time', 'source_time']);

/** Reads an annotated sample file: every log line must follow a "# expect: {...}" line. */
function readSamples(file: string): Sample[] {
  const samples: Sample[] = [];
  let pending: { expect: Expectation; lineNumber: number } | null = null;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const lineNumber = index + 1;
      if (text.startsWith('# expect:')) {
        assert.equal(pending, null, `${file}:${lineNumber}: two expectations in a row`);
        const expect = JSON.parse(text.slice('# expect:'.length)) as Expectation;
        for (const key of Object.keys(expect)) assert.ok(KNOWN_KEYS.has(key), `${file}:${lineNumber}: unknown key ${key}`);
        pending = { expect, lineNumber };
        return;
      }
      if (text.startsWith('#') || text.trim() === '') return;
      assert.notEqual(pending, null, `${file}:${lineNumber}: a log line without a "# expect:" line before it`);
      samples.push({ lineNumber, text, expect: pending!.expect });
      pending = null;
    });
  assert.equal(pending, null, `${file}: the last expectation has no line`);
  return samples;
}

function check(file: string, sample: Sample, matches: readonly FilterMatch[], recognisedBy: string | null): void {
  const where = `${file}:${sample.lineNumber}: ${sample.text}`;
  const expect = sample.expect;
  assert.equal(recognisedBy, expect.pattern ?? null, `${where}\n  recognised by ${recognisedBy ?? 'no pattern'}`);
  if (!expect.match) {
    assert.deepEqual(matches, [], `${where}\n  expected no failure`);
    return;
  }
  assert.equal(matches.length, expect.count ?? 1, `${where}\n  failures: ${JSON.stringify(matches)}`);
  for (const match of matches) {
    assert.equal(match.address, expect.ip, `${where}\n  address`);
    if (expect.time !== undefined) assert.equal(match.time === null ? null : new Date(match.time).toISOString(), expect.time, `${where}\n  time`);
  }
  const reported = matches.map((match) => match.pattern);
  assert.deepEqual(reported, expect.reported ?? reported.map(() => expect.pattern), `${where}\n  reported patterns`);
}

const root = repositoryRoot();

for (const name of builtinFilterNames()) {
  test(`the ${name} filter meets every expectation of test/samples/${name}.log and each of its patterns has a sample`, () => {
    const file = join(root, 'test', 'samples', `${name}.log`);
    assert.ok(existsSync(file), `every built-in filter needs annotated samples: ${file} is missing`);
    const definition = loadBuiltinFilter(name);
    const matcher = createMatcher(definition, { service: name, yearReference: () => YEAR_REFERENCE });
    const recognised = new Set<string>();
    const samples = readSamples(file);
    assert.ok(samples.length > 0, `${file} holds no samples`);
    for (const sample of samples) {
      const sourceTime = sample.expect.source_time === undefined ? undefined : Date.parse(sample.expect.source_time);
      const matches = matcher.push(sample.text, sourceTime);
      if (matcher.lastPattern !== null) recognised.add(matcher.lastPattern);
      for (const match of matches) recognised.add(match.pattern);
      check(file, sample, matches, matcher.lastPattern);
    }
    const uncovered = definition.patterns.map((pattern) => pattern.name).filter((pattern) => !recognised.has(pattern));
    assert.deepEqual(uncovered, [], `patterns of ${name} without a sample that matches them`);
  });
}

test('every sample file belongs to a built-in filter', () => {
  const names = new Set(builtinFilterNames());
  for (const file of readdirSync(join(root, 'test', 'samples')).filter((entry) => entry.endsWith('.log'))) {
    assert.ok(names.has(file.slice(0, -'.log'.length)), `test/samples/${file} has no filter in conf/filters`);
  }
});
