// What the helper runs with when nothing says otherwise: where files live, the built-in filters, the default services.
//
// Defaults of single keys sit next to their checks in document.ts, where a reader sees range and
// default together; this file holds the larger pieces and the place of the shipped files.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the installed configuration lives (packages copy conf/croissant2ban.toml there). */
export const DEFAULT_CONFIG_PATH = '/etc/croissant2ban/config.toml';
/** The helper's own log when it detaches (in the foreground it logs to stderr, the journal under systemd). */
export const DEFAULT_LOG_FILE = '/var/log/croissant2ban/croissant2ban.log';

/** Services with a filter shipped in conf/filters/<name>.toml; keep in step with that folder. */
export const BUILT_IN_FILTERS = ['ssh', 'nginx', 'apache', 'postfix', 'dovecot'] as const;
export type BuiltInFilter = (typeof BUILT_IN_FILTERS)[number];

export function isBuiltInFilter(name: string): name is BuiltInFilter {
  return (BUILT_IN_FILTERS as readonly string[]).includes(name);
}

/** Per-service defaults for keys a service leaves out (ban_time falls back to [general] ban_time, which is this). */
export const SERVICE_DEFAULTS = { maxFailures: 5, findTime: 600, banTime: 3600 } as const;

/**
 * The services of the default configuration, in the document's own shape: ssh watched (its log
 * file, else the journal), the other built-ins listed but off. conf/croissant2ban.toml says the same;
 * a test holds the two together.
 */
export const DEFAULT_SERVICES = {
  ssh: {
    enabled: true,
    log_path: ['/var/log/auth.log'],
    journal_units: ['ssh.service', 'sshd.service'],
    port: '22',
  },
  nginx: { enabled: false, log_path: ['/var/log/nginx/error.log'], port: '80,443' },
  apache: { enabled: false, log_path: ['/var/log/apache2/error.log'], port: '80,443' },
  postfix: {
    enabled: false,
    log_path: ['/var/log/mail.log'],
    journal_units: ['postfix.service', 'postfix@-.service'],
    port: '25,465,587',
  },
  dovecot: {
    enabled: false,
    log_path: ['/var/log/mail.log'],
    journal_units: ['dovecot.service'],
    port: '110,143,993,995',
  },
} as const;

/**
 * The package's root folder (the one holding package.json and conf/), found by walking up from
 * this module, so it works from helper/config/ under tsx and from dist/helper/config/ once built.
 */
export function findPackageRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let folder = start; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json')) && existsSync(join(folder, 'conf'))) return folder;
    if (dirname(folder) === folder) throw new Error(`cannot find the croissant2ban package root (package.json and conf/) above ${start}`);
  }
}

/** Path of the complete, commented default configuration that ships in the package. */
export function shippedConfigPath(): string {
  return join(findPackageRoot(), 'conf', 'croissant2ban.toml');
}

export function readShippedConfig(): string {
  return readFileSync(shippedConfigPath(), 'utf8');
}
