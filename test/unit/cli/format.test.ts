import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSparkline } from '../../../helper/cli/format.js';

test('a sparkline scales bars to the largest count, shows every non-zero count and leaves zeros blank', () => {
  assert.equal(formatSparkline([0, 1, 4, 8, 100, 0]), ' ▁▁▁█ ');
  assert.equal(formatSparkline([1, 2, 3, 4, 5, 6, 7, 8]), '▁▂▃▄▅▆▇█');
  assert.equal(formatSparkline([0, 0]), '  ');
  assert.equal(formatSparkline([]), '');
});
