// The file source against real files being written, rotated, truncated and replaced in a temporary directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync, closeSync, copyFileSync, mkdirSync, openSync, renameSync, statSync, symlinkSync,
  truncateSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { SourceLine } from '../../../helper/core/events.js';
import { createFileSource, type FileSource, type SourceWarning } from '../../../helper/sources/file-source.js';
import { MemoryPositionStore, type FilePosition, type PositionStore } from '../../../helper/sources/positions.js';
import { openDescriptorsUnder, sleep, temporaryDirectory, waitFor } from './support.js';

interface Following {
  readonly source: FileSource;
  readonly lines: SourceLine[];
  readonly warnings: SourceWarning[];
  readonly texts: () => string[];
}

interface FollowOptions {
  readonly positions?: PositionStore;
  readonly pollIntervalMs?: number;
  readonly rotationGraceMs?: number;
  readonly onLine?: (line: SourceLine) => void;
}

/** Starts a source; the slow default poll leaves wake-ups to fs.watch and to the test's own poll() calls. */
async function follow(t: TestContext, pattern: string, options: FollowOptions = {}): Promise<Following> {
  const lines: SourceLine[] = [];
  const warnings: SourceWarning[] = [];
  const source = createFileSource({
    service: 'sshd',
    pattern,
    positions: options.positions ?? new MemoryPositionStore(),
    onLine: (line) => {
      options.onLine?.(line);
      lines.push(line);
    },
    onWarning: (warning) => warnings.push(warning),
    pollIntervalMs: options.pollIntervalMs ?? 60_000,
    rotationGraceMs: options.rotationGraceMs ?? 60_000,
  });
  t.after(() => source.stop());
  await source.start();
  return { source, lines, warnings, texts: () => lines.map((line) => line.text) };
}

function numbered(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix} ${index + 1}`);
}

function asLog(lines: readonly string[]): string {
  return lines.map((line) => `${line}\n`).join('');
}

test('delivers appended lines in order, each exactly once, with the service and the file as origin', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  writeFileSync(path, 'first\nsecond\n');
  const { source, lines, texts } = await follow(t, path);
  assert.deepEqual(texts(), ['first', 'second']);
  appendFileSync(path, 'third\n');
  await source.poll();
  appendFileSync(path, asLog(numbered('more', 100)));
  await source.poll();
  await source.poll();
  assert.deepEqual(texts(), ['first', 'second', 'third', ...numbered('more', 100)]);
  assert.ok(lines.every((line) => line.service === 'sshd' && line.origin === path && line.time === undefined));
});

test('wakes up on a write through fs.watch without waiting for the safety poll', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  writeFileSync(path, '');
  const { texts } = await follow(t, path, { pollIntervalMs: 60_000 });
  appendFileSync(path, 'written later\n');
  await waitFor(() => texts().length === 1, 'the line to arrive through fs.watch');
  assert.deepEqual(texts(), ['written later']);
});

test('holds an unterminated last line until its newline arrives and saves only the offset past complete lines', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const positions = new MemoryPositionStore();
  writeFileSync(path, 'one\ntw');
  const { source, texts } = await follow(t, path, { positions });
  assert.deepEqual(texts(), ['one']);
  assert.equal(positions.load(path)?.offset, 4);
  appendFileSync(path, 'o\nthr');
  await source.poll();
  appendFileSync(path, 'ee\n');
  await source.poll();
  assert.deepEqual(texts(), ['one', 'two', 'three']);
  assert.equal(positions.load(path)?.offset, 14);
});

test('reads the rest of a renamed file, then the new file from its start (rename+create)', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const rotated = `${path}.1`;
  const oldWriter = openSync(path, 'a');
  writeSync(oldWriter, 'a\nb\n');
  const { source, lines, texts } = await follow(t, path, { rotationGraceMs: 300 });
  assert.deepEqual(texts(), ['a', 'b']);

  renameSync(path, rotated);
  // The writer has not reopened yet: this goes to the renamed file.
  writeSync(oldWriter, 'c\n');
  writeFileSync(path, 'd\n');
  await source.poll();
  assert.deepEqual(texts(), ['a', 'b', 'c', 'd']);

  // Still within the grace period: late writes to the old file, at later wake-ups, are not lost.
  writeSync(oldWriter, 'e\n');
  appendFileSync(path, 'f\n');
  await source.poll();
  writeSync(oldWriter, 'g\n');
  await source.poll();
  assert.deepEqual(texts(), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.ok(lines.every((line) => line.origin === path));
  closeSync(oldWriter);

  // After the grace period the rotated file is released.
  await sleep(350);
  await source.poll();
  assert.deepEqual(openDescriptorsUnder(directory), [path]);
  await source.stop();
  assert.deepEqual(openDescriptorsUnder(directory), []);
});

test('restarts at the beginning after copytruncate, without repeating what was already read', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  writeFileSync(path, asLog(['a', 'b', 'c']));
  const { source, texts } = await follow(t, path);
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, 'd\n');
  await source.poll();
  appendFileSync(path, 'e\n');
  await source.poll();
  assert.deepEqual(texts(), ['a', 'b', 'c', 'd', 'e']);
});

test('restarts after copytruncate also when the new file begins with the same header line', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'access.log');
  writeFileSync(path, asLog(['#Version: 1.0', 'old request 1', 'old request 2']));
  const { source, texts } = await follow(t, path);
  truncateSync(path, 0);
  appendFileSync(path, asLog(['#Version: 1.0', 'new']));
  await source.poll();
  appendFileSync(path, asLog(['newer', 'newest']));
  await source.poll();
  assert.deepEqual(texts(), ['#Version: 1.0', 'old request 1', 'old request 2', '#Version: 1.0', 'new', 'newer', 'newest']);
});

test('notices copytruncate when the file grew past the old offset before it was read again', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  writeFileSync(path, asLog(['Jan 1 first', 'Jan 1 second']));
  const { source, texts } = await follow(t, path);
  // Truncated and refilled at once: the size never looks smaller, only the first line differs.
  writeFileSync(path, asLog(['Jan 2 new one', 'Jan 2 new two', 'Jan 2 new three', 'Jan 2 new four']));
  await source.poll();
  assert.deepEqual(texts(), ['Jan 1 first', 'Jan 1 second', 'Jan 2 new one', 'Jan 2 new two', 'Jan 2 new three', 'Jan 2 new four']);
});

test('reads a deleted file to its end, then the recreated file from its start', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const oldWriter = openSync(path, 'a');
  writeSync(oldWriter, 'a\nb\n');
  const { source, texts } = await follow(t, path, { rotationGraceMs: 200 });
  unlinkSync(path);
  writeSync(oldWriter, 'c\n');
  closeSync(oldWriter);
  writeFileSync(path, 'd\n');
  await source.poll();
  appendFileSync(path, 'e\n');
  await source.poll();
  assert.deepEqual(texts(), ['a', 'b', 'c', 'd', 'e']);
});

test('delivers the unterminated last line of a rotated file once its grace period is over', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  writeFileSync(path, 'a\npartial');
  const { source, texts } = await follow(t, path, { rotationGraceMs: 100 });
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'b\n');
  await source.poll();
  assert.deepEqual(texts(), ['a', 'b']);
  await sleep(150);
  await source.poll();
  assert.deepEqual(texts(), ['a', 'b', 'partial']);
});

test('resumes after a restart exactly where it stopped: lines written while stopped are read, none twice', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const positions = new MemoryPositionStore();
  writeFileSync(path, 'a\nb\nc-par');
  const first = await follow(t, path, { positions });
  await first.source.stop();
  appendFileSync(path, 't\nd\n');
  const second = await follow(t, path, { positions });
  appendFileSync(path, 'e\n');
  await second.source.poll();
  assert.deepEqual(first.texts(), ['a', 'b']);
  assert.deepEqual(second.texts(), ['c-part', 'd', 'e']);
  assert.equal(positions.load(path)?.offset, statSync(path).size);
});

test('reads the file from its start after a restart when another file took its path', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const positions = new MemoryPositionStore();
  writeFileSync(path, 'a\nb\n');
  const first = await follow(t, path, { positions });
  await first.source.stop();
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'x\ny\n');
  const second = await follow(t, path, { positions });
  assert.deepEqual(second.texts(), ['x', 'y']);
});

test('reads the rest of a file rotated away while stopped, then the new file, none twice', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const positions = new MemoryPositionStore();
  writeFileSync(path, 'a\nb\n');
  const first = await follow(t, path, { positions });
  await first.source.stop();
  appendFileSync(path, 'c\n');
  renameSync(path, `${path}-20240101`);
  writeFileSync(path, 'd\n');
  const second = await follow(t, path, { positions, rotationGraceMs: 100 });
  appendFileSync(path, 'e\n');
  await second.source.poll();
  assert.deepEqual(first.texts(), ['a', 'b']);
  assert.deepEqual(second.texts(), ['c', 'd', 'e']);
  assert.ok(second.lines.every((line) => line.origin === path));
  await sleep(150);
  await second.source.poll();
  assert.deepEqual(openDescriptorsUnder(directory), [path], 'the rotated file is released after the grace period');
});

test('resumes a file renamed to another name the glob matches while stopped, without reading it twice', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const dated = join(directory, 'auth-20240101.log');
  const positions = new MemoryPositionStore();
  writeFileSync(path, 'a\nb\n');
  const first = await follow(t, join(directory, '*.log'), { positions });
  await first.source.stop();
  appendFileSync(path, 'c\n');
  renameSync(path, dated);
  writeFileSync(path, 'd\n');
  const second = await follow(t, join(directory, '*.log'), { positions });
  assert.deepEqual(first.texts(), ['a', 'b']);
  assert.deepEqual(second.lines.map((line) => `${line.text}@${line.origin}`), [`c@${dated}`, `d@${path}`]);
});

test('reads the file from its start after a restart when it was truncated while stopped', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const positions = new MemoryPositionStore();
  writeFileSync(path, 'a\nb\nc\n');
  const first = await follow(t, path, { positions });
  await first.source.stop();
  truncateSync(path, 0);
  appendFileSync(path, 'd\n');
  const second = await follow(t, path, { positions });
  assert.deepEqual(second.texts(), ['d']);
});

test('reads the file from its start when the inode matches but the first line does not (a reused inode)', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  writeFileSync(path, 'a\nb\nc\n');
  const { ino, dev } = statSync(path);
  const stale: FilePosition = { path, inode: ino, device: dev, firstLineHash: 'f'.repeat(64), offset: 2 };
  const { texts } = await follow(t, path, { positions: new MemoryPositionStore([stale]) });
  assert.deepEqual(texts(), ['a', 'b', 'c']);
});

test('saves the position once per batch of lines, not once per line', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  writeFileSync(path, '');
  const memory = new MemoryPositionStore();
  const saved: FilePosition[] = [];
  const positions: PositionStore = {
    load: (at) => memory.load(at),
    save: (position) => {
      saved.push(position);
      memory.save(position);
    },
  };
  const { source, texts } = await follow(t, path, { positions });
  appendFileSync(path, asLog(numbered('line', 1000)));
  await source.poll();
  assert.equal(texts().length, 1000);
  assert.equal(saved.length, 1);
  assert.equal(saved[0]?.offset, statSync(path).size);
  assert.equal(saved[0]?.inode, statSync(path).ino);
  assert.match(saved[0]?.firstLineHash ?? '', /^[0-9a-f]{64}$/);
});

test('reads a file larger than one wake-up reads, completely, before poll() resolves', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'big.log');
  writeFileSync(path, '');
  const { source, lines } = await follow(t, path);
  const line = `${'x'.repeat(90)}\n`;
  writeFileSync(path, line.repeat(200_000)); // 18.2 MB, over the 16 MiB read per file per wake-up
  await source.poll();
  assert.equal(lines.length, 200_000);
  assert.ok(lines.every((entry) => entry.text.length === 90));
});

test('picks up a file that the glob matches only later, in a directory created later, and warns only once', async (t) => {
  const directory = temporaryDirectory(t);
  const pattern = join(directory, '*', 'app-*.log');
  const { source, texts, warnings } = await follow(t, pattern);
  await source.poll();
  await source.poll();
  assert.deepEqual(warnings.map((warning) => [warning.code, warning.origin]), [['missing', pattern]]);
  assert.match(warnings[0]?.message ?? '', /no file matches/);

  mkdirSync(join(directory, 'web'));
  writeFileSync(join(directory, 'web', 'other.log'), 'not matched\n');
  writeFileSync(join(directory, 'web', 'app-1.log'), 'one\n');
  await source.poll();
  mkdirSync(join(directory, 'api'));
  writeFileSync(join(directory, 'api', 'app-2.log'), 'two\n');
  appendFileSync(join(directory, 'web', 'app-1.log'), 'three\n');
  await source.poll();
  assert.deepEqual(texts().sort(), ['one', 'three', 'two']);
  assert.equal(warnings.length, 1);
});

test('notices a file created in a directory that did not exist yet, without waiting for the poll', async (t) => {
  const directory = temporaryDirectory(t);
  const pattern = join(directory, 'nginx', '*error.log');
  const { texts } = await follow(t, pattern, { pollIntervalMs: 60_000 });
  mkdirSync(join(directory, 'nginx'));
  await sleep(20);
  writeFileSync(join(directory, 'nginx', 'site-error.log'), 'found\n');
  await waitFor(() => texts().length === 1, 'the new file to be noticed through fs.watch');
  assert.deepEqual(texts(), ['found']);
});

test('warns once about a missing file and reads it from its start when it appears', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const { source, texts, warnings } = await follow(t, path);
  await source.poll();
  await source.poll();
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.code, 'missing');
  assert.ok(warnings[0]?.message.includes(path));
  writeFileSync(path, 'a\nb\n');
  await source.poll();
  assert.deepEqual(texts(), ['a', 'b']);
  assert.equal(warnings.length, 1);
});

test('follows a file renamed to another name the glob matches, without reading it twice', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const dated = join(directory, 'auth-20240101.log');
  writeFileSync(path, 'a\n');
  const { source, lines } = await follow(t, join(directory, '*.log'));
  renameSync(path, dated);
  writeFileSync(path, 'b\n');
  appendFileSync(dated, 'c\n');
  await source.poll();
  assert.deepEqual(lines.map((line) => `${line.text}@${line.origin}`).sort(), [`a@${path}`, `b@${path}`, `c@${dated}`]);
});

test('follows a symlinked log file and wakes up on writes to its target', async (t) => {
  const directory = temporaryDirectory(t);
  mkdirSync(join(directory, 'target'));
  mkdirSync(join(directory, 'links'));
  const target = join(directory, 'target', 'real.log');
  const link = join(directory, 'links', 'auth.log');
  writeFileSync(target, 'a\n');
  symlinkSync(target, link);
  const { lines, texts } = await follow(t, link, { pollIntervalMs: 60_000 });
  appendFileSync(target, 'b\n');
  await waitFor(() => texts().length === 2, 'the write to the symlink target to wake the source');
  assert.deepEqual(texts(), ['a', 'b']);
  assert.ok(lines.every((line) => line.origin === link));
});

test('reports a directory or a named pipe at the log path once, without hanging, and skips them in a glob', async (t) => {
  const directory = temporaryDirectory(t);
  const asDirectory = join(directory, 'dir.log');
  const asPipe = join(directory, 'pipe.log');
  mkdirSync(asDirectory);
  const made = spawnSync('mkfifo', [asPipe]);
  assert.equal(made.status, 0, `mkfifo failed: ${made.stderr}`);
  writeFileSync(join(directory, 'real.log'), 'real\n');

  const onDirectory = await follow(t, asDirectory);
  const onPipe = await follow(t, asPipe);
  const onGlob = await follow(t, join(directory, '*.log'));
  await onDirectory.source.poll();
  await onPipe.source.poll();
  await onGlob.source.poll();
  assert.deepEqual(onDirectory.warnings.map((warning) => warning.code), ['not-a-file']);
  assert.match(onDirectory.warnings[0]?.message ?? '', /dir\.log is a directory/);
  assert.deepEqual(onPipe.warnings.map((warning) => warning.code), ['not-a-file']);
  assert.match(onPipe.warnings[0]?.message ?? '', /pipe\.log is a named pipe/);
  assert.deepEqual(onGlob.texts(), ['real']);
  assert.deepEqual(onGlob.warnings, []);
});

test('drops a 1 MB line with a warning and still reads the next line', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  const huge = 'x'.repeat(1024 * 1024);
  writeFileSync(path, `before\n${huge}\nafter\n`);
  const { texts, warnings } = await follow(t, path);
  assert.deepEqual(texts(), ['before', 'after']);
  assert.deepEqual(warnings.map((warning) => [warning.code, warning.origin]), [['overlong-line', path]]);
  assert.match(warnings[0]?.message ?? '', /1048576 bytes at offset 7/);
});

test('survives binary garbage and delivers the lines around it', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  // Every byte value but the newline, twice, in a scrambled order: NULs, lone UTF-8 continuation bytes, \r.
  const garbage = Buffer.from(Array.from({ length: 510 }, (_, index) => (index * 97 + 13) % 256).filter((byte) => byte !== 10));
  writeFileSync(path, Buffer.concat([Buffer.from('before\n'), garbage, Buffer.from('\nafter\n')]));
  const { texts } = await follow(t, path);
  const garbageText = garbage.toString('utf8');
  assert.deepEqual(texts(), ['before', garbageText.endsWith('\r') ? garbageText.slice(0, -1) : garbageText, 'after']);
});

test('keeps reading when the line handler throws on one line', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  writeFileSync(path, 'a\nbad\nb\n');
  const { texts, warnings } = await follow(t, path, {
    onLine: (line) => {
      if (line.text === 'bad') throw new Error('filter exploded');
    },
  });
  assert.deepEqual(texts(), ['a', 'b']);
  assert.deepEqual(warnings.map((warning) => warning.code), ['line-handler-failed']);
  assert.match(warnings[0]?.message ?? '', /filter exploded/);
});

test('rejects a relative log path with a message that names it', () => {
  assert.throws(
    () => createFileSource({ service: 'sshd', pattern: 'var/log/auth.log', positions: new MemoryPositionStore(), onLine: () => undefined, onWarning: () => undefined }),
    /log path "var\/log\/auth.log" is not absolute/,
  );
});

test('releases every descriptor and watcher on stop, also with files still draining', async (t) => {
  const directory = temporaryDirectory(t);
  const path = join(directory, 'auth.log');
  writeFileSync(path, 'a\n');
  const { source } = await follow(t, join(directory, '*.log'), { rotationGraceMs: 60_000 });
  renameSync(path, join(directory, 'auth.log.1'));
  writeFileSync(path, 'b\n');
  await source.poll();
  assert.equal(openDescriptorsUnder(directory).length, 2);
  await source.stop();
  assert.deepEqual(openDescriptorsUnder(directory), []);
  // A stopped source answers poll() at once instead of hanging.
  await source.poll();
});
