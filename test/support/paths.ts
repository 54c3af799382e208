// Locations the tests need: the repository root (for conf/ and scripts/) and fresh temp directories.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let directory = start;
  while (!existsSync(join(directory, 'package.json')) || !existsSync(join(directory, 'conf'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no repository root above ${start}`);
    directory = parent;
  }
  return directory;
}

/** The repository root, whether the test runs from test/ (tsx) or dist/test/ (compiled). */
export const repositoryRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A new temp directory, removed when the returned dispose runs. */
export function temporaryDirectory(prefix = 'c2b-test-'): { path: string; dispose: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Command line that runs a helper entry point (e.g. "cli/c2b", "daemon/main") the way this test runs:
 * compiled JavaScript under dist/, or TypeScript through the same loader (tsx) during development.
 */
export function helperCommand(entry: string): string[] {
  const compiled = import.meta.url.endsWith('.js');
  const script = fileURLToPath(new URL(`../../helper/${entry}.${compiled ? 'js' : 'ts'}`, import.meta.url));
  return [process.execPath, ...process.execArgv.filter((argument) => !argument.startsWith('--test')), script];
}
