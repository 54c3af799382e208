// Log path patterns: what they accept, what they name now, and which directories must be watched.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { expandLogPathPattern, parseLogPathPattern } from '../../../helper/sources/glob.js';

function temporaryDirectory(t: TestContext): string {
  const directory = mkdtempSync(join(tmpdir(), 'c2b-glob-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

test('refuses a relative path or a directory, saying what to write instead', () => {
  assert.throws(() => parseLogPathPattern('auth.log'), /log path "auth.log" is not absolute/);
  assert.throws(() => parseLogPathPattern('/var/log/'), /names a directory: name the log file in it, e\.g\. \/var\/log\/\*\.log/);
  assert.throws(() => parseLogPathPattern('/'), /names a directory/);
});

test('a plain path is not a glob and names its file whether or not it exists', async (t) => {
  const directory = temporaryDirectory(t);
  const pattern = parseLogPathPattern(join(directory, 'sub', '..', 'auth.log'));
  assert.equal(pattern.isGlob, false);
  assert.equal(pattern.text, join(directory, 'auth.log'));
  const expansion = await expandLogPathPattern(pattern);
  assert.deepEqual(expansion.files, [join(directory, 'auth.log')]);
  assert.deepEqual(expansion.directories.map((watched) => watched.path), [directory]);
  assert.equal(expansion.directories[0]?.isRelevant('auth.log'), true);
  assert.equal(expansion.directories[0]?.isRelevant('syslog'), false);
});

test('globs match in any component, sorted, without hidden files', async (t) => {
  const directory = temporaryDirectory(t);
  for (const site of ['b-site', 'a-site', '.hidden']) {
    mkdirSync(join(directory, site));
    for (const name of ['error.log', 'access.log', '.error.log']) writeFileSync(join(directory, site, name), '');
  }
  writeFileSync(join(directory, 'not-a-dir-site'), '');
  const expansion = await expandLogPathPattern(parseLogPathPattern(join(directory, '*-site', '{error,other}.log')));
  assert.deepEqual(expansion.files, [join(directory, 'a-site', 'error.log'), join(directory, 'b-site', 'error.log')]);
  assert.deepEqual(expansion.directories.map((watched) => watched.path).sort(),
    [directory, join(directory, 'a-site'), join(directory, 'b-site')]);
  const top = expansion.directories.find((watched) => watched.path === directory);
  assert.equal(top?.isRelevant('new-site'), true, 'any new entry above the last component can lead to matches');
});

test('a missing directory is watched through its nearest existing ancestor, for the name leading to it', async (t) => {
  const directory = temporaryDirectory(t);
  const expansion = await expandLogPathPattern(parseLogPathPattern(join(directory, 'nginx', 'sites', '*error.log')));
  assert.deepEqual(expansion.files, []);
  assert.deepEqual(expansion.directories.map((watched) => watched.path), [directory]);
  assert.equal(expansion.directories[0]?.isRelevant('nginx'), true);
  assert.equal(expansion.directories[0]?.isRelevant('apache2'), false);
});

test('an escaped glob character is a literal name', async (t) => {
  const directory = temporaryDirectory(t);
  writeFileSync(join(directory, 'odd[1].log'), '');
  const pattern = parseLogPathPattern(`${directory}/odd\\[1\\].log`);
  assert.equal(pattern.isGlob, false);
  assert.deepEqual((await expandLogPathPattern(pattern)).files, [join(directory, 'odd[1].log')]);
});
