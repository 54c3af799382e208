// Runs every compiled test file (dist/test/**/*.test.js) with node's own test runner.
// Usage: node scripts/run-tests.mjs [unit|integration|e2e ...]   (default: all suites)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('../dist/test/', import.meta.url).pathname;
const suites = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];

function collect(directory) {
  let found = [];
  let entries;
  try { entries = readdirSync(directory); } catch { return found; }
  for (const entry of entries.sort()) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) found = found.concat(collect(path));
    else if (entry.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const files = suites.flatMap((suite) => collect(join(root, suite)));
if (files.length === 0) {
  console.error(`no test files under ${root} for suites ${suites.join(', ')}: did the build run?`);
  process.exit(1);
}
// Tests never reach the host's buses: a helper started without a test bus finds none and goes on;
// tests of the D-Bus API start a private dbus-daemon and say where it is.
const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/croissant2ban-tests-have-no-host-bus' };
delete env.DBUS_SESSION_BUS_ADDRESS;
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
