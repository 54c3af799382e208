import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repositoryRoot, temporaryDirectory } from '../../support/paths.js';

const checker = join(repositoryRoot, 'scripts', 'check-boundaries.mjs');

function check(root: string) {
  return spawnSync(process.execPath, [checker, root], { encoding: 'utf8' });
}

function tree(files: Record<string, string>): { path: string; dispose: () => void } {
  const directory = temporaryDirectory();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(directory.path, path, '..'), { recursive: true });
    writeFileSync(join(directory.path, path), content);
  }
  return directory;
}

test('the repository itself has no import across runtime boundaries', () => {
  const result = check(repositoryRoot);
  assert.equal(result.status, 0, result.stderr);
});

test('electron code importing helper internals is refused', () => {
  const fixture = tree({ 'electron/main.ts': "import { Detector } from '../helper/core/detector.js';\n" });
  try {
    const result = check(fixture.path);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /electron\/main\.ts: imports "\.\.\/helper\/core\/detector\.js": electron\/ may import only/);
  } finally {
    fixture.dispose();
  }
});

test('electron code may import the protocol and the client', () => {
  const fixture = tree({
    'electron/main.ts': "import type { X } from '../helper/protocol/index.js';\nimport { c } from '../helper/client/index.js';\n",
  });
  try {
    assert.equal(check(fixture.path).status, 0);
  } finally {
    fixture.dispose();
  }
});

test('renderer code importing node modules or the client is refused', () => {
  const fixture = tree({
    'renderer/page.tsx': "import { readFileSync } from 'node:fs';\nimport { c } from '../helper/client/index.js';\n",
  });
  try {
    const result = check(fixture.path);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /renderer\/page\.tsx: imports "node:fs"/);
    assert.match(result.stderr, /renderer\/page\.tsx: imports "\.\.\/helper\/client\/index\.js"/);
  } finally {
    fixture.dispose();
  }
});

test('the protocol importing anything outside itself is refused', () => {
  const fixture = tree({
    'helper/protocol/names.ts': "import { x } from '../core/address.js';\nimport { EventEmitter } from 'node:events';\n",
  });
  try {
    const result = check(fixture.path);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /helper\/protocol\/names\.ts: imports "\.\.\/core\/address\.js"/);
    assert.match(result.stderr, /helper\/protocol\/names\.ts: imports "node:events"/);
  } finally {
    fixture.dispose();
  }
});

test('helper code importing test code is refused', () => {
  const fixture = tree({ 'helper/core/x.ts': "export * from '../../test/support/paths.js';\n" });
  try {
    const result = check(fixture.path);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /nothing outside test\/ may import test\//);
  } finally {
    fixture.dispose();
  }
});
