// The package version, read once from package.json beside dist/ (the same layout in the packages).
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const relative of ['../../../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'croissant2ban' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // Try the next layout.
    }
  }
  return 'unknown';
}

export const VERSION = readVersion();
