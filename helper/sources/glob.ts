// Expands a log path pattern (a glob in any path component) into the files it names now, and the directories to watch.
import { readdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import picomatch from 'picomatch';

interface PatternComponent {
  /** The name itself when the component has no glob characters (escapes removed). */
  readonly literal: string | null;
  readonly matches: (name: string) => boolean;
}

export interface LogPathPattern {
  /** The pattern as normalised: absolute, no "." or ".." components. */
  readonly text: string;
  /** True when some component is a glob; a plain path names one file. */
  readonly isGlob: boolean;
  readonly components: readonly PatternComponent[];
}

/** A directory whose entries can change what the pattern names. */
export interface WatchedDirectory {
  readonly path: string;
  readonly device: number;
  readonly inode: number;
  /** Whether a change to the entry of this name can matter. */
  readonly isRelevant: (name: string) => boolean;
}

export interface PatternExpansion {
  /**
   * Paths the pattern names now, sorted. A plain path is listed whether or not it exists; glob
   * matches are listed only when they exist (of any type: the caller keeps regular files).
   */
  readonly files: readonly string[];
  readonly directories: readonly WatchedDirectory[];
  /** Directories that exist but could not be listed (EACCES, EIO...). */
  readonly failures: readonly { readonly path: string; readonly error: NodeJS.ErrnoException }[];
}

/**
 * Throws on a pattern that cannot name a log file, with the pattern in the message.
 * Supports what picomatch supports inside one component (*, ?, [...], {a,b}); a "**" component
 * matches one directory level, as in fail2ban, because a recursive walk of /var/log is never wanted.
 */
export function parseLogPathPattern(pattern: string): LogPathPattern {
  if (!posix.isAbsolute(pattern)) {
    throw new Error(`log path "${pattern}" is not absolute: write it from the root, e.g. /var/log/auth.log`);
  }
  const text = posix.normalize(pattern);
  const parts = text.split('/').filter((part) => part.length > 0);
  if (parts.length === 0 || text.endsWith('/')) {
    throw new Error(`log path "${pattern}" names a directory: name the log file in it, e.g. ${posix.join(text, '*.log')}`);
  }
  const components = parts.map((part): PatternComponent => {
    if (!picomatch.scan(part).isGlob) {
      const literal = part.replace(/\\(.)/g, '$1');
      return { literal, matches: (name) => name === literal };
    }
    return { literal: null, matches: picomatch(part, { dot: false }) };
  });
  return { text, isGlob: components.some((component) => component.literal === null), components };
}

export async function expandLogPathPattern(pattern: LogPathPattern): Promise<PatternExpansion> {
  const files: string[] = [];
  const failures: { path: string; error: NodeJS.ErrnoException }[] = [];
  const wanted = new Map<string, ((name: string) => boolean)[]>();
  const want = (directory: string, isRelevant: (name: string) => boolean): void => {
    const tests = wanted.get(directory);
    if (tests === undefined) wanted.set(directory, [isRelevant]);
    else tests.push(isRelevant);
  };
  // A missing directory is watched through its nearest existing ancestor, for the one name that leads to it.
  const wantCreationOf = async (missing: string): Promise<void> => {
    let child = missing;
    for (;;) {
      const parent = posix.dirname(child);
      const leadingName = posix.basename(child);
      if (await isDirectory(parent) || parent === child) {
        want(parent, (name) => name === leadingName);
        return;
      }
      child = parent;
    }
  };

  const walk = async (directory: string, index: number): Promise<void> => {
    const component = pattern.components[index];
    if (component === undefined) return;
    const isLast = index === pattern.components.length - 1;
    if (component.literal !== null) {
      const child = posix.join(directory, component.literal);
      if (!isLast) return walk(child, index + 1);
      files.push(child);
      if (await isDirectory(directory)) want(directory, component.matches);
      else await wantCreationOf(directory);
      return;
    }
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') await wantCreationOf(directory);
      else failures.push({ path: directory, error: error as NodeJS.ErrnoException });
      return;
    }
    // Any entry can matter above the last component: a new directory may lead to new matches.
    want(directory, isLast ? component.matches : () => true);
    const names = entries
      .filter((entry) => component.matches(entry.name) && (isLast || entry.isDirectory() || entry.isSymbolicLink()))
      .map((entry) => entry.name)
      .sort();
    for (const name of names) {
      const child = posix.join(directory, name);
      if (isLast) files.push(child);
      else await walk(child, index + 1);
    }
  };

  await walk('/', 0);

  const directories: WatchedDirectory[] = [];
  for (const [path, tests] of wanted) {
    try {
      const info = await stat(path);
      directories.push({ path, device: info.dev, inode: info.ino, isRelevant: (name) => tests.some((test) => test(name)) });
    } catch {
      // Vanished since it was listed: the next scan watches whatever replaced it.
    }
  }
  return { files: files.sort(), directories, failures };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
