// Fails when code imports across runtime boundaries (see README "Where to change what"):
//   helper/protocol imports nothing else of the repo and no node:/electron/DOM-only modules;
//   electron/ imports only helper/protocol and helper/client from helper/;
//   renderer/ imports only helper/protocol (and its own files, and electron/bridge: the bridge contract and its error sentences);
//   nothing imports test/.
// Usage: node scripts/check-boundaries.mjs [repository root]   (exit 1 and one line per violation)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/gm;

function sourceFiles(directory) {
  let files = [];
  let entries = [];
  try { entries = readdirSync(directory); } catch { return files; }
  for (const entry of entries) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) files = files.concat(sourceFiles(path));
    else if (/\.(?:ts|tsx|mts|cts)$/.test(entry) && !entry.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

const within = (path, folder) => {
  const relativePath = relative(join(root, folder), path);
  return relativePath === '' || (!relativePath.startsWith('..') && !relativePath.startsWith(sep) && !relativePath.includes(`..${sep}`));
};

/** The rule for a file: which repo folders it may import from, and which bare modules are forbidden. */
function ruleFor(file) {
  if (within(file, 'helper/protocol')) return { allowed: ['helper/protocol'], forbidBare: () => true, name: 'helper/protocol' };
  if (within(file, 'electron')) return { allowed: ['electron', 'helper/protocol', 'helper/client'], forbidBare: () => false, name: 'electron/' };
  if (within(file, 'renderer')) {
    return {
      allowed: ['renderer', 'helper/protocol', 'electron/bridge.ts', 'electron/bridge'],
      forbidBare: (specifier) => specifier.startsWith('node:') || specifier === 'electron',
      name: 'renderer/',
    };
  }
  if (within(file, 'test')) return { allowed: null, forbidBare: () => false, name: 'test/' };
  return { allowed: null, forbidBare: () => false, name: 'helper/' };
}

const violations = [];
for (const folder of ['helper', 'electron', 'renderer', 'test']) {
  for (const file of sourceFiles(join(root, folder))) {
    const rule = ruleFor(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? match[4];
      const where = `${relative(root, file)}: imports ${JSON.stringify(specifier)}`;
      if (!specifier.startsWith('.')) {
        if (rule.forbidBare(specifier)) violations.push(`${where}: ${rule.name} may not import outside modules`);
        continue;
      }
      const target = resolve(dirname(file), specifier);
      if (within(target, 'test') && !within(file, 'test')) {
        violations.push(`${where}: nothing outside test/ may import test/`);
        continue;
      }
      if (rule.allowed && !rule.allowed.some((folderName) => within(target.replace(/\.js$/, '.ts'), folderName) || within(target, folderName))) {
        violations.push(`${where}: ${rule.name} may import only ${rule.allowed.join(', ')}`);
      }
    }
  }
}

if (violations.length > 0) {
  for (const violation of violations) console.error(`boundary violation: ${violation}`);
  process.exit(1);
}
