// The built-in filters against the shared third-party corpus: every default-mode expectation met or documented.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { repositoryRoot } from '../support/paths.js';
import { corpusExists, defaultCorpusDirectory, DELIBERATE_MISSES, evaluateCorpus } from '../eval/corpus-evaluation.js';

// The corpus gives expected times as naive wall-clock strings.
process.env.TZ = 'UTC';

const corpus = defaultCorpusDirectory(repositoryRoot);

test('the corpus is where the evaluation expects it (set C2B_CORPUS to move it)', () => {
  assert.ok(corpusExists(corpus), `no corpus at ${corpus}: the filters cannot be measured; set C2B_CORPUS to the directory holding cases/*.jsonl`);
});

test('every default-mode expectation of the corpus is met, except the documented deliberate misses', { skip: !corpusExists(corpus) && 'no corpus' }, () => {
  const results = evaluateCorpus(corpus);
  const problems: string[] = [];
  for (const result of results) {
    for (const miss of result.unexpected) {
      problems.push(
        `${result.corpus} seq ${miss.seq}: expected ${miss.expectedMatch ? `a match on ${miss.expected}` : 'no match'}, ` +
          `got ${miss.addresses.join(', ') || 'none'} ${miss.patterns.join(', ')}`,
      );
    }
    problems.push(...result.staleMisses.map((stale) => `deliberate-miss list out of date: ${stale}`));
  }
  assert.deepEqual(problems, []);
  const scored = results.filter((result) => result.filter !== null);
  assert.ok(scored.every((result) => result.cases > 0), 'a corpus filter had no cases: the corpus changed shape');
  assert.equal(scored.reduce((sum, result) => sum + result.deliberate.length, 0), DELIBERATE_MISSES.length);
});

test('each deliberate miss carries a reason', () => {
  for (const miss of DELIBERATE_MISSES) assert.ok(miss.reason.length > 40, `${miss.corpus} seq ${miss.seq} needs a real reason`);
});
