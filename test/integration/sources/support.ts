// Helpers for the source tests: temporary directories, bounded waiting, and a check for leaked descriptors.
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh directory, removed after the test. */
export function temporaryDirectory(t: TestContext, prefix = 'c2b-sources-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** Resolves once the condition holds; rejects with the description after the timeout, so no test hangs. */
export async function waitFor(condition: () => boolean, description: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(5);
  }
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Paths under the directory that this process still holds open. */
export function openDescriptorsUnder(directory: string): string[] {
  const open: string[] = [];
  for (const descriptor of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${descriptor}`);
      if (target.startsWith(directory)) open.push(target);
    } catch {
      // Closed while we looked (readdir's own descriptor).
    }
  }
  return open;
}
