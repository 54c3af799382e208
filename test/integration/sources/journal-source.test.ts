// The journal source against a fake journalctl that prints journal JSON, honours --after-cursor and can fail on demand.
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { SourceLine } from '../../../helper/core/events.js';
import type { Source, SourceWarning } from '../../../helper/sources/file-source.js';
import { createJournalSource, type JournalSourceOptions } from '../../../helper/sources/journal-source.js';
import { MemoryPositionStore, type PositionStore } from '../../../helper/sources/positions.js';
import { sleep, temporaryDirectory, waitFor } from './support.js';

interface FakeBehaviour {
  /** Exit with this status after printing what is there, instead of following. */
  readonly exitStatus?: number;
  readonly stderr?: string;
}

interface FakeJournalctl {
  readonly path: string;
  behave(behaviour: FakeBehaviour): void;
  append(...entries: readonly (Record<string, unknown> | string)[]): void;
  launches(): { pid: number; args: string[] }[];
}

/** Writes the fake; like the real journalctl it fails with "Failed to seek to cursor" on an unknown cursor. */
function fakeJournalctl(directory: string, options: { path?: string; install?: boolean } = {}): FakeJournalctl & { install(): void } {
  const path = options.path ?? join(directory, 'journalctl');
  const configPath = join(directory, 'fake-config.json');
  const entriesPath = join(directory, 'entries.jsonl');
  const launchesPath = join(directory, 'launches.jsonl');
  writeFileSync(entriesPath, '');
  writeFileSync(launchesPath, '');
  const behave = (behaviour: FakeBehaviour): void => writeFileSync(configPath, JSON.stringify(behaviour));
  behave({});
  const script = `#!${process.execPath}
const fs = require('node:fs');
const behaviour = JSON.parse(fs.readFileSync(${JSON.stringify(configPath)}, 'utf8'));
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(launchesPath)}, JSON.stringify({ pid: process.pid, args }) + '\\n');
const afterArgument = args.find((arg) => arg.startsWith('--after-cursor='));
const after = afterArgument === undefined ? undefined : afterArgument.slice('--after-cursor='.length);
let printing = after === undefined;
let done = 0;
function emit() {
  const lines = fs.readFileSync(${JSON.stringify(entriesPath)}, 'utf8').split('\\n').slice(0, -1);
  for (; done < lines.length; done += 1) {
    const line = lines[done];
    if (printing) { process.stdout.write(line + '\\n'); continue; }
    try { if (JSON.parse(line).__CURSOR === after) printing = true; } catch {}
  }
}
emit();
if (!printing) {
  process.stderr.write('Failed to seek to cursor: Invalid argument\\n');
  process.exitCode = 1;
} else if (behaviour.exitStatus !== undefined) {
  if (behaviour.stderr) process.stderr.write(behaviour.stderr + '\\n');
  process.exitCode = behaviour.exitStatus;
} else {
  setInterval(emit, 10);
}
`;
  const install = (): void => {
    // Written beside and renamed, so a launch never runs a half-written script.
    writeFileSync(`${path}.new`, script);
    chmodSync(`${path}.new`, 0o755);
    renameSync(`${path}.new`, path);
  };
  if (options.install !== false) install();
  return {
    path,
    behave,
    install,
    append: (...entries) => appendFileSync(entriesPath, entries.map((entry) => `${typeof entry === 'string' ? entry : JSON.stringify(entry)}\n`).join('')),
    launches: () => readFileSync(launchesPath, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { pid: number; args: string[] }),
  };
}

function entry(number: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    __CURSOR: `s=0123;i=${number}`,
    __REALTIME_TIMESTAMP: String(1_700_000_000_000_000 + number * 1_000_000),
    _SYSTEMD_UNIT: 'ssh.service',
    SYSLOG_IDENTIFIER: 'sshd',
    _PID: '4242',
    MESSAGE: `message ${number}`,
    ...fields,
  };
}

interface Following {
  readonly source: Source;
  readonly lines: SourceLine[];
  readonly warnings: SourceWarning[];
  readonly texts: () => string[];
}

async function follow(t: TestContext, fake: { path: string }, options: Partial<JournalSourceOptions> = {}): Promise<Following> {
  const lines: SourceLine[] = [];
  const warnings: SourceWarning[] = [];
  const source = createJournalSource({
    service: 'sshd',
    units: ['ssh.service'],
    positions: new MemoryPositionStore(),
    onLine: (line) => lines.push(line),
    onWarning: (warning) => warnings.push(warning),
    journalctlPath: fake.path,
    // A short first delay keeps tests fast; a long maximum, because a run that lasts that long counts as healthy.
    restartDelayMs: { initial: 20, maximum: 5000 },
    ...options,
  });
  t.after(() => source.stop());
  await source.start();
  return { source, lines, warnings, texts: () => lines.map((line) => line.text) };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('emits each entry as "identifier[pid]: message" with the entry\'s own time, unit and service', async (t) => {
  const directory = temporaryDirectory(t);
  const fake = fakeJournalctl(directory);
  fake.append(
    entry(1, { MESSAGE: 'Failed password for root from 203.0.113.7 port 22 ssh2' }),
    entry(2, { MESSAGE: [73, 110, 118, 97, 108, 105, 100, 0, 255, 33] }),
    entry(3, { _PID: undefined, SYSLOG_PID: undefined }),
    entry(4, { MESSAGE: undefined }),
    'not json at all',
    entry(5, { SYSLOG_IDENTIFIER: undefined, _COMM: 'sshd-session' }),
  );
  const { lines, warnings } = await follow(t, fake);
  await waitFor(() => lines.length === 4, 'four lines');
  await sleep(30);
  assert.deepEqual(lines, [
    { service: 'sshd', origin: 'journal:ssh.service', text: 'sshd[4242]: Failed password for root from 203.0.113.7 port 22 ssh2', time: 1_700_000_001_000 },
    { service: 'sshd', origin: 'journal:ssh.service', text: 'sshd[4242]: Invalid\u0000\uFFFD!', time: 1_700_000_002_000 },
    { service: 'sshd', origin: 'journal:ssh.service', text: 'sshd: message 3', time: 1_700_000_003_000 },
    { service: 'sshd', origin: 'journal:ssh.service', text: 'sshd-session[4242]: message 5', time: 1_700_000_005_000 },
  ]);
  assert.deepEqual(warnings.map((warning) => warning.code), ['journal-entry-invalid']);
  assert.match(warnings[0]?.message ?? '', /not json at all/);
});

test('starts ten minutes back when no cursor is saved, and saves the cursor of the last entry under journal:<units>', async (t) => {
  const directory = temporaryDirectory(t);
  const fake = fakeJournalctl(directory);
  fake.append(entry(1), entry(2));
  const positions = new MemoryPositionStore();
  const { lines } = await follow(t, fake, { positions, units: ['sshd.service', 'ssh.service'], now: () => 1_700_000_600_500 });
  await waitFor(() => lines.length === 2, 'two lines');
  const [launch] = fake.launches();
  assert.deepEqual(launch?.args, [
    '--follow', '--output=json', '--all', '--no-pager', '--quiet', '--no-tail',
    '--unit=sshd.service', '--unit=ssh.service', '--since=@1700000000',
  ]);
  await waitFor(() => positions.load('journal:ssh.service,sshd.service')?.cursor === 's=0123;i=2', 'the cursor to be saved');
});

test('resumes after the saved cursor on restart: entries logged while stopped are read, none twice', async (t) => {
  const directory = temporaryDirectory(t);
  const fake = fakeJournalctl(directory);
  const positions = new MemoryPositionStore();
  fake.append(entry(1), entry(2));
  const first = await follow(t, fake, { positions });
  await waitFor(() => first.lines.length === 2, 'the first run to read two entries');
  await first.source.stop();
  const firstPid = fake.launches()[0]?.pid ?? 0;
  assert.equal(isRunning(firstPid), false, 'stop() ended journalctl');

  fake.append(entry(3), entry(4));
  const second = await follow(t, fake, { positions });
  await waitFor(() => second.lines.length === 2, 'the second run to read two entries');
  fake.append(entry(5));
  await waitFor(() => second.lines.length === 3, 'a live entry');
  await sleep(30);
  assert.deepEqual(first.texts(), ['sshd[4242]: message 1', 'sshd[4242]: message 2']);
  assert.deepEqual(second.texts(), ['sshd[4242]: message 3', 'sshd[4242]: message 4', 'sshd[4242]: message 5']);
  assert.equal(fake.launches()[1]?.args.at(-1), '--after-cursor=s=0123;i=2');
  assert.equal(positions.load('journal:ssh.service')?.cursor, 's=0123;i=5');
});

test('runs journalctl again after it exits, reporting why once and going on after the last entry', async (t) => {
  const directory = temporaryDirectory(t);
  const fake = fakeJournalctl(directory);
  fake.behave({ exitStatus: 1, stderr: 'Journal file corrupted, ignoring' });
  fake.append(entry(1), entry(2));
  const { source, texts, warnings } = await follow(t, fake);
  await waitFor(() => fake.launches().length >= 4, 'journalctl to be run again several times');
  assert.deepEqual(texts(), ['sshd[4242]: message 1', 'sshd[4242]: message 2']);
  const failures = warnings.filter((warning) => warning.code === 'journal-failed');
  assert.equal(failures.length, 1, 'the same failure is reported once');
  assert.match(failures[0]?.message ?? '', /exited with status 1: "Journal file corrupted, ignoring"; retrying in 20 ms/);
  assert.ok(fake.launches().slice(1).every((launch) => launch.args.at(-1) === '--after-cursor=s=0123;i=2'));

  fake.behave({});
  fake.append(entry(3));
  await waitFor(() => texts().length === 3, 'the entry after the restart');
  await source.stop();
  const launched = fake.launches().length;
  await sleep(150);
  assert.equal(fake.launches().length, launched, 'nothing is run after stop()');
  assert.deepEqual(texts(), ['sshd[4242]: message 1', 'sshd[4242]: message 2', 'sshd[4242]: message 3']);
});

test('reports a missing journalctl clearly, retries with backoff, and reads once it appears', async (t) => {
  const directory = temporaryDirectory(t);
  const fake = fakeJournalctl(directory, { install: false });
  fake.append(entry(1));
  const { texts, warnings } = await follow(t, fake);
  assert.deepEqual(warnings.map((warning) => warning.code), ['journal-failed']);
  assert.match(warnings[0]?.message ?? '', new RegExp(`cannot run ${fake.path}: .*ENOENT.*install systemd's journalctl`));
  await sleep(200);
  assert.equal(warnings.length, 1, 'the same failure is reported once');
  fake.install();
  await waitFor(() => texts().length === 1, 'the entry once journalctl exists', 3000);
  assert.deepEqual(texts(), ['sshd[4242]: message 1']);
});

test('reads from the time window when journalctl rejects the saved cursor', async (t) => {
  const directory = temporaryDirectory(t);
  const fake = fakeJournalctl(directory);
  fake.append(entry(7), entry(8));
  const positions: PositionStore = new MemoryPositionStore([
    { path: 'journal:ssh.service', inode: 0, device: 0, firstLineHash: '', offset: 0, cursor: 's=vacuumed;i=1' },
  ]);
  const { texts, warnings } = await follow(t, fake, { positions });
  await waitFor(() => texts().length === 2, 'the entries from the window');
  assert.deepEqual(texts(), ['sshd[4242]: message 7', 'sshd[4242]: message 8']);
  assert.deepEqual(warnings.map((warning) => warning.code), ['journal-cursor-rejected']);
  assert.match(warnings[0]?.message ?? '', /Failed to seek to cursor/);
  assert.equal(fake.launches()[0]?.args.at(-1), '--after-cursor=s=vacuumed;i=1');
  assert.match(fake.launches()[1]?.args.at(-1) ?? '', /^--since=@\d+$/);
});
