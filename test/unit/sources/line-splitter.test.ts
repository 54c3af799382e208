// The line splitter's contract with readers that reuse one read buffer.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LineSplitter } from '../../../helper/sources/line-splitter.js';
import { readFileLines } from '../../../helper/sources/read-file-lines.js';

test('a held partial line survives the caller reusing its buffer for the next read', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter({ onLine: (text) => lines.push(text) });
  const buffer = Buffer.from('abc\nhel');
  splitter.push(buffer);
  buffer.write('XYZ\nzzz');
  splitter.push(Buffer.from('lo\n'));
  assert.deepEqual(lines, ['abc', 'hello']);
});

test('readFileLines keeps a line that spans two of its 1 MiB reads intact', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'c2b-splitter-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const path = join(directory, 'spanning.log');
  const first = 'a'.repeat(1024 * 1024 - 10);
  // The second read fills the whole buffer, over where the held start of the spanning line was.
  const filler = Array.from({ length: 20_000 }, () => 'b'.repeat(99));
  writeFileSync(path, `${first}\nspanning the boundary\n${filler.join('\n')}\n`);
  const lines: string[] = [];
  await readFileLines(path, { onLine: (text) => lines.push(text), maxLineBytes: 2 * 1024 * 1024 });
  assert.deepEqual(lines, [first, 'spanning the boundary', ...filler]);
});
