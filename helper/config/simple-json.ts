// Reads the simple JSON format (conf/croissant.json): a whitelist, one failure threshold, and services with one regex each.
//
// Checked here under its own key names (logpath, bantime, threshold) so messages match the file,
// then translated into the TOML document's shape and read by document.ts, so defaults never drift.

import { BUILT_IN_FILTERS, SERVICE_DEFAULTS, isBuiltInFilter } from './defaults.js';
import { LONGEST_BAN, SERVICE_NAME, network, port, readDocument, regexSource } from './document.js';
import {
  INVALID,
  absolutePath,
  boolean,
  elementKey,
  integer,
  list,
  nullable,
  oneOrMany,
  report,
  required,
  table,
  text,
  withDefault,
  type CheckValue,
  type ReadContext,
  type Result,
} from './schema.js';
import type { Config } from './types.js';

const service = table({
  name: required(text({ pattern: SERVICE_NAME, expected: 'a service name of 1 to 64 letters, digits, _ or -, starting with a letter' })),
  logpath: withDefault(oneOrMany(absolutePath('an absolute path or glob (starting with /)')), []),
  port: nullable(port),
  enabled: withDefault(boolean(), true),
  bantime: withDefault(integer(0, LONGEST_BAN), SERVICE_DEFAULTS.banTime),
  /** The address is capture group 1. */
  regex: nullable(regexSource),
});

const SIMPLE_DOCUMENT = table({
  whitelist: withDefault(list(network), []),
  threshold: withDefault(integer(1, 1_000_000), SERVICE_DEFAULTS.maxFailures),
  services: withDefault(list(service), []),
});

type SimpleDocument = CheckValue<typeof SIMPLE_DOCUMENT>;

/** Reads a parsed JSON value in the simple format into a Config (format 'json'). */
export function readSimpleJson(document: unknown, file: string | null, context: ReadContext): Result<Config> {
  const checked = SIMPLE_DOCUMENT.read(document, '', context);
  if (checked === INVALID) return INVALID;
  const before = context.issues.length;
  checkServices(checked, context);
  if (context.issues.length > before) return INVALID;
  return readDocument(translate(checked), { file, format: 'json' }, context);
}

function checkServices(document: SimpleDocument, context: ReadContext): void {
  const seen = new Map<string, number>();
  document.services.forEach((entry, index) => {
    const key = elementKey('services', index);
    const earlier = seen.get(entry.name.toLowerCase());
    if (earlier !== undefined) {
      report(context, `${key}.name`, `duplicate service name ${JSON.stringify(entry.name)} (also services[${earlier + 1}])`);
    } else seen.set(entry.name.toLowerCase(), index);
    if (entry.regex === null && !isBuiltInFilter(entry.name)) {
      report(
        context,
        `${key}.regex`,
        `is required: ${JSON.stringify(entry.name)} is not a built-in filter (${BUILT_IN_FILTERS.join(', ')}), so give a regex with the address in group 1`,
      );
    }
    if (entry.enabled && entry.logpath.length === 0) {
      report(context, `${key}.logpath`, 'is required for an enabled service: where should its log be read?');
    }
  });
}

/** The same configuration in the TOML document's shape; everything the JSON format cannot say takes the defaults. */
function translate(document: SimpleDocument): Record<string, unknown> {
  const services = Object.fromEntries(
    document.services.map((entry) => [
      entry.name,
      {
        enabled: entry.enabled,
        log_path: entry.logpath,
        ban_time: entry.bantime,
        max_failures: document.threshold,
        find_time: SERVICE_DEFAULTS.findTime,
        patterns: entry.regex === null ? [] : [{ name: `${entry.name}_regex`, regex: entry.regex, event_type: 'failed_auth' }],
        ...(entry.port === null ? {} : { port: entry.port }),
      },
    ]),
  );
  const whitelist =
    document.whitelist.length === 0
      ? {}
      : { sources: [{ type: 'database' }, { type: 'zones' }, { type: 'networks', networks: document.whitelist }] };
  return { services, whitelist };
}
