// An unreadable log file, for real: the source runs in a child process that drops root, since root reads mode 000 files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { temporaryDirectory } from './support.js';

interface ChildMessage {
  readonly type: 'probe' | 'line' | 'warning' | 'polled' | 'stopped';
  readonly [field: string]: unknown;
}

/** Under tsx the fixture is TypeScript; from dist/ it is the compiled JavaScript beside this file. */
function fixtureCommand(): string[] {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const fixture = fileURLToPath(new URL(`./fixtures/follow-unprivileged${extension}`, import.meta.url));
  return extension === '.ts' ? ['--import', 'tsx', fixture] : [fixture];
}

test('reports a file it may not read, naming it, keeps following the others, and reads it once allowed', async (t) => {
  const directory = temporaryDirectory(t);
  chmodSync(directory, 0o755);
  const readable = join(directory, 'readable.log');
  const secret = join(directory, 'secret.log');
  writeFileSync(readable, 'open 1\n', { mode: 0o644 });
  writeFileSync(secret, 'secret 1\n');
  chmodSync(secret, 0o000);

  const child = spawn(process.execPath, [...fixtureCommand(), join(directory, '*.log'), secret], { stdio: ['pipe', 'pipe', 'inherit'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  t.after(() => {
    clearTimeout(killer);
    child.kill('SIGKILL');
  });
  const messages: ChildMessage[] = [];
  const waiting: { type: string; resolve: (message: ChildMessage) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    const message = JSON.parse(text) as ChildMessage;
    messages.push(message);
    const index = waiting.findIndex((waiter) => waiter.type === message.type);
    if (index !== -1) waiting.splice(index, 1)[0]?.resolve(message);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const next = (type: ChildMessage['type']): Promise<ChildMessage> => new Promise((resolve, reject) => {
    waiting.push({ type, resolve });
    void exited.then((code) => reject(new Error(`the child exited (status ${code}) before sending "${type}"`)));
  });
  const command = async (text: 'poll' | 'stop', reply: ChildMessage['type']): Promise<void> => {
    const answered = next(reply);
    child.stdin.write(`${text}\n`);
    await answered;
  };

  const probe = await next('probe');
  assert.equal(probe['result'], 'EACCES',
    `the child (uid ${String(probe['uid'])}) could open a mode 000 file (${String(probe['result'])}): this machine cannot produce EACCES, so this test proves nothing here`);
  await next('polled');

  const lines = () => messages.filter((message) => message.type === 'line').map((message) => message['text']);
  const warnings = () => messages.filter((message) => message.type === 'warning');
  assert.deepEqual(lines(), ['open 1']);
  assert.deepEqual(warnings().map((warning) => [warning['code'], warning['origin']]), [['unreadable', secret]]);
  assert.match(String(warnings()[0]?.['message']), new RegExp(`cannot read ${secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: permission denied \\(EACCES\\)`));

  appendFileSync(readable, 'open 2\n');
  await command('poll', 'polled');
  assert.deepEqual(lines(), ['open 1', 'open 2']);
  assert.equal(warnings().length, 1, 'the same problem is not reported at every poll');

  chmodSync(secret, 0o644);
  await command('poll', 'polled');
  assert.deepEqual(lines(), ['open 1', 'open 2', 'secret 1']);

  await command('stop', 'stopped');
  assert.equal(await exited, 0);
});
