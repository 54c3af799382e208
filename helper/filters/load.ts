// Finds and reads the built-in filter files (conf/filters/<name>.toml) of the installed package.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, TomlError } from 'smol-toml';
import { compileFilterData } from './compile.js';
import { FilterError, type FilterDefinition } from './types.js';

const FILTER_NAME = /^[a-z][a-z0-9-]*$/;
let packageRoot: string | null = null;

/**
 * The directory holding package.json and conf/. Walks up from this module, so it works from
 * helper/filters/*.ts (tsx), dist/helper/filters/*.js (built) and an installed package alike.
 */
export function findPackageRoot(): string {
  if (packageRoot !== null) return packageRoot;
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(directory, 'package.json')) && existsSync(join(directory, 'conf', 'filters'))) {
      packageRoot = directory;
      return directory;
    }
    const parent = dirname(directory);
    if (parent === directory) {
      throw new FilterError('no package directory with package.json and conf/filters above this module', {
        origin: fileURLToPath(import.meta.url),
      });
    }
    directory = parent;
  }
}

export function builtinFiltersDirectory(): string {
  return join(findPackageRoot(), 'conf', 'filters');
}

/** Names of the built-in filters (the .toml files in conf/filters), sorted. */
export function builtinFilterNames(options: { directory?: string } = {}): string[] {
  const directory = options.directory ?? builtinFiltersDirectory();
  return readdirSync(directory)
    .filter((file) => file.endsWith('.toml'))
    .map((file) => file.slice(0, -'.toml'.length))
    .filter((name) => FILTER_NAME.test(name))
    .sort();
}

/** Reads and compiles conf/filters/<name>.toml; throws FilterError naming the file and the problem. */
export function loadBuiltinFilter(name: string, options: { directory?: string } = {}): FilterDefinition {
  const directory = options.directory ?? builtinFiltersDirectory();
  if (!FILTER_NAME.test(name)) {
    throw new FilterError(`"${name}" is not a filter name (lower case letters, digits and -)`, { origin: directory });
  }
  const file = join(directory, `${name}.toml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const known = existsSync(directory) ? builtinFilterNames({ directory }).join(', ') : 'none';
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such filter' : (error as Error).message;
    throw new FilterError(`${reason} (built-in filters: ${known})`, { origin: file });
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    const where = error instanceof TomlError ? `line ${error.line}, column ${error.column}: ` : '';
    throw new FilterError(`not valid TOML: ${where}${(error as Error).message.split('\n')[0]}`, { origin: file });
  }
  return compileFilterData(data, file, name);
}
