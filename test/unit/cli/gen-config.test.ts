import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, test } from 'node:test';
import { genConfig } from '../../../helper/cli/commands/gen-config.js';
import { ExitCode, UsageError, type CliIo } from '../../../helper/cli/io.js';
import { readShippedConfig, shippedConfigPath } from '../../../helper/config/defaults.js';
import { defaultConfig, loadConfig, parseConfigText } from '../../../helper/config/load.js';

interface CapturedIo extends CliIo {
  readonly output: () => string;
  readonly errors: () => string;
}

function capturingIo(cwd: string): CapturedIo {
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  const sink = (into: string[]): Writable =>
    new Writable({
      write(chunk, _encoding, done) {
        into.push(String(chunk));
        done();
      },
    });
  return {
    stdout: sink(chunks.stdout),
    stderr: sink(chunks.stderr),
    env: {},
    cwd,
    output: () => chunks.stdout.join(''),
    errors: () => chunks.stderr.join(''),
  };
}

let folder = '';
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'c2b-gen-config-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

test('without -o the shipped default configuration goes to stdout', async () => {
  const io = capturingIo(folder);
  assert.equal(await genConfig([], io), ExitCode.ok);
  assert.equal(io.output(), readShippedConfig());
});

test('the generated text parses to the same Config as the shipped file and the built-in defaults', async () => {
  const io = capturingIo(folder);
  await genConfig([], io);
  const generated = parseConfigText(io.output(), { file: shippedConfigPath(), format: 'toml' });
  assert.deepEqual(generated, loadConfig(shippedConfigPath()));
  assert.deepEqual({ ...generated, file: null, format: 'defaults' }, defaultConfig());
});

test('-o writes a new file readable by owner and group only', async () => {
  const io = capturingIo(folder);
  assert.equal(await genConfig(['-o', 'config.toml'], io), ExitCode.ok);
  const path = join(folder, 'config.toml');
  assert.equal(readFileSync(path, 'utf8'), readShippedConfig());
  assert.equal(statSync(path).mode & 0o777, 0o640);
  assert.equal(io.output(), '');
  assert.match(io.errors(), /wrote .*config\.toml/);
});

test('an existing file is left alone unless --force is given', async () => {
  const path = join(folder, 'config.toml');
  writeFileSync(path, '# mine\n', { mode: 0o644 });
  const refused = capturingIo(folder);
  assert.equal(await genConfig(['--output', path], refused), ExitCode.failure);
  assert.equal(readFileSync(path, 'utf8'), '# mine\n');
  assert.match(refused.errors(), /already exists; use --force/);

  assert.equal(await genConfig(['-o', path, '--force'], capturingIo(folder)), ExitCode.ok);
  assert.equal(readFileSync(path, 'utf8'), readShippedConfig());
  assert.equal(statSync(path).mode & 0o777, 0o640);
});

test('a folder that does not exist is reported, not thrown', async () => {
  const io = capturingIo(folder);
  assert.equal(await genConfig(['-o', join(folder, 'missing', 'config.toml')], io), ExitCode.failure);
  assert.match(io.errors(), /not writing .*ENOENT/);
});

test('unknown options and stray arguments are usage errors', async () => {
  await assert.rejects(genConfig(['--colour'], capturingIo(folder)), UsageError);
  await assert.rejects(genConfig(['config.toml'], capturingIo(folder)), UsageError);
});
