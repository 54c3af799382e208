import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { repositoryRoot } from '../../support/paths.js';

// The package's bin entries, as an admin runs them after `npm run build`.
for (const [bin, expected] of [
  ['c2b', /usage: c2b <command>[\s\S]*test-filter[\s\S]*replay[\s\S]*gen-config/],
  ['croissant2ban', /usage: croissant2ban \[-c <config>\] \[-f\]/],
] as const) {
  test(`npx ${bin} --help runs the built entry point`, () => {
    const result = spawnSync('npx', ['--no-install', bin, '--help'], { cwd: repositoryRoot, encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, expected);
  });
}
