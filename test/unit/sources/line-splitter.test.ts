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

/** Splits `stream` fed in pieces of the given sizes (cycled) and records lines, offsets and drops. */
function split(stream: Buffer, sizes: readonly number[], maxLineBytes = 64): string[] {
  const events: string[] = [];
  const splitter = new LineSplitter({
    maxLineBytes,
    onLine: (text, endOffset) => events.push(`line ${JSON.stringify(text)} ${endOffset}`),
    onOverlong: (length, startOffset) => events.push(`overlong ${length} ${startOffset}`),
  });
  let position = 0;
  for (let index = 0; position < stream.length; index++) {
    const size = sizes[index % sizes.length]!;
    splitter.push(stream.subarray(position, position + size));
    position += size;
  }
  events.push(`committed ${splitter.committedOffset} held ${splitter.heldBytes}`);
  return events;
}

test('lines and byte offsets are the same however the stream is cut into chunks', () => {
  const stream = Buffer.concat([
    Buffer.from('plain ascii line\n'),
    Buffer.from('crlf line\r\n'),
    Buffer.from('\n'),
    Buffer.from('utf-8 user \u00e9\u00e8\u4e2d\ud83d\ude00 from 192.0.2.1\n'),
    Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x20, 0xe2, 0x82, 0x41, 0x0a]), // invalid and truncated sequences
    Buffer.from(`${'x'.repeat(100)}\n`), // over the 64-byte limit
    Buffer.from('after the long one\n'),
    Buffer.from('unterminated tail'),
  ]);
  const reference = split(stream, [stream.length]);
  assert.deepEqual(reference.slice(0, 3), ['line "plain ascii line" 17', 'line "crlf line" 28', 'line "" 29']);
  assert.ok(reference.includes('overlong 100 77'), reference.join('\n'));
  assert.ok(reference.includes('line "after the long one" 197'), reference.join('\n'));
  assert.equal(reference.at(-1), `committed 197 held ${'unterminated tail'.length}`);
  for (const sizes of [[1], [2], [3], [5, 1], [7], [13, 2, 1], [64], [65], [100]]) {
    assert.deepEqual(split(stream, sizes), reference, `chunk sizes ${sizes.join(',')}`);
  }
});

test('the byte offset after each line points just past its newline in the raw bytes', () => {
  const lines = ['\u00e9t\u00e9', 'caf\u00e9 \ufffd', 'ascii'];
  const stream = Buffer.from(`${lines.join('\n')}\n`);
  const offsets: number[] = [];
  new LineSplitter({ onLine: (_text, endOffset) => offsets.push(endOffset) }).push(stream);
  let expected = 0;
  assert.deepEqual(
    offsets,
    lines.map((line) => (expected += Buffer.byteLength(line) + 1)),
  );
  assert.equal(stream[offsets[0]! - 1], 10);
});

test('large chunks are cut into decode blocks without changing any line or offset', () => {
  const lines = Array.from({ length: 4000 }, (_unused, index) => `line ${index} ${'\u00e9x'.repeat(index % 37)}`);
  lines.splice(1234, 0, 'y'.repeat(70_000)); // one line longer than a decode block
  const stream = Buffer.from(`${lines.join('\n')}\n`);
  const run = (sizes: readonly number[]) => split(stream, sizes, 100_000);
  const reference = run([7]);
  assert.equal(reference.length, lines.length + 1);
  assert.deepEqual(run([stream.length]), reference);
  assert.deepEqual(run([65_537, 3]), reference);
});
