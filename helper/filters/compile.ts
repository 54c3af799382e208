// Turns a filter file's data (parsed TOML) into a FilterDefinition, refusing anything unsafe or unclear.
import { anchoringProblem, expandMacros, literalPrefix, namedGroups, numberGroups, requiredLiteral } from './regex-source.js';
import {
  FilterError,
  GROUP_NAMES,
  type CompiledPattern,
  type CorrelationOptions,
  type FilterDefinition,
  type GroupIndexes,
  type PatternRole,
} from './types.js';

const TOP_LEVEL_KEYS = new Set(['name', 'description', 'programs', 'untagged', 'subject', 'lead', 'correlation', 'patterns']);
const PATTERN_KEYS = new Set(['name', 'description', 'event_type', 'role', 'regex', 'forget', 'announce', 'outcome', 'summary', 'summarised']);
const CORRELATION_KEYS = new Set(['by', 'max_sessions', 'max_age_seconds']);
const ROLES: readonly PatternRole[] = ['failure', 'prelude', 'hint', 'start', 'success'];
const COUNTING_ROLES = new Set<PatternRole>(['failure', 'prelude', 'success']);
const WORD = /^[a-z][a-z0-9_]*$/;

type Table = Record<string, unknown>;

const USED_GROUPS: ReadonlySet<string> = new Set(Object.values(GROUP_NAMES));

/** Numbers the groups of a checked regex (named groups the matcher never reads stop capturing). */
export function groupIndexes(groups: ReadonlyMap<string, number>): GroupIndexes {
  return {
    ip: groups.get(GROUP_NAMES.ip) ?? 0,
    hostname: groups.get(GROUP_NAMES.hostname) ?? 0,
    user: groups.get(GROUP_NAMES.user) ?? 0,
    altUser: groups.get(GROUP_NAMES.altUser) ?? 0,
    attempts: groups.get(GROUP_NAMES.attempts) ?? 0,
    sid: groups.get(GROUP_NAMES.sid) ?? 0,
    duration: groups.get(GROUP_NAMES.duration) ?? 0,
  };
}

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

class Reader {
  constructor(private readonly origin: string, private readonly pattern?: string) {}

  fail(problem: string): never {
    throw new FilterError(problem, this.pattern === undefined ? { origin: this.origin } : { origin: this.origin, pattern: this.pattern });
  }

  onlyKeys(table: Table, allowed: Set<string>, where: string): void {
    for (const key of Object.keys(table)) {
      if (!allowed.has(key)) this.fail(`unknown key "${key}" in ${where} (allowed: ${[...allowed].join(', ')})`);
    }
  }

  string(table: Table, key: string, fallback?: string): string {
    const value = table[key];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value.length === 0) this.fail(`"${key}" must be a non-empty string`);
    return value;
  }

  boolean(table: Table, key: string): boolean {
    const value = table[key];
    if (value === undefined) return false;
    if (typeof value !== 'boolean') this.fail(`"${key}" must be true or false`);
    return value;
  }

  integer(table: Table, key: string, fallback: number, minimum: number, maximum: number): number {
    const value = table[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
      this.fail(`"${key}" must be a whole number from ${minimum} to ${maximum}`);
    }
    return value;
  }

  regex(source: string, flags: string, what: string): RegExp {
    try {
      return new RegExp(source, flags);
    } catch (error) {
      return this.fail(`${what} is not a valid regular expression: ${(error as Error).message}`);
    }
  }
}

function compileCorrelation(value: unknown, reader: Reader): CorrelationOptions | null {
  if (value === undefined) return null;
  if (!isTable(value)) reader.fail('[correlation] must be a table');
  reader.onlyKeys(value, CORRELATION_KEYS, '[correlation]');
  const by = reader.string(value, 'by');
  if (by !== 'process' && by !== 'session_id') reader.fail('[correlation] by must be "process" or "session_id"');
  return {
    by,
    maxSessions: reader.integer(value, 'max_sessions', 10_000, 1, 1_000_000),
    maxAgeMs: reader.integer(value, 'max_age_seconds', 600, 1, 86_400) * 1000,
  };
}

function compilePattern(
  table: unknown,
  index: number,
  context: { origin: string; leadGroups: Set<string>; correlation: CorrelationOptions | null },
): CompiledPattern {
  if (!isTable(table)) throw new FilterError(`patterns[${index}] must be a table ([[patterns]])`, { origin: context.origin });
  const name = typeof table.name === 'string' ? table.name : `#${index + 1}`;
  const reader: Reader = new Reader(context.origin, name);
  reader.onlyKeys(table, PATTERN_KEYS, 'the pattern');
  if (!WORD.test(name)) reader.fail('"name" must be lower case letters, digits and _ (it names the pattern in events)');
  const role = reader.string(table, 'role', 'failure') as PatternRole;
  if (!ROLES.includes(role)) reader.fail(`"role" must be one of ${ROLES.join(', ')}`);
  const eventType = COUNTING_ROLES.has(role) ? reader.string(table, 'event_type') : reader.string(table, 'event_type', 'connection');
  if (!WORD.test(eventType)) reader.fail('"event_type" must be lower case letters, digits and _');
  const source = reader.string(table, 'regex');
  const anchoring = anchoringProblem(source);
  if (anchoring !== null) reader.fail(`regex is not anchored: ${anchoring}`);
  const expanded = expandMacros(source).slice(1);
  // Sticky: the match must start exactly where the subject starts. dotAll: "." is any character, so a
  // line separator an attacker slips into a field cannot make a pattern skip the line.
  const named = reader.regex(expanded, 'ys', 'regex');
  const groups = namedGroups(named);
  const numbered = numberGroups(expanded, USED_GROUPS);
  const regex = reader.regex(numbered.source, 'ys', 'regex');
  const flags = {
    forget: reader.boolean(table, 'forget'),
    announce: reader.boolean(table, 'announce'),
    outcome: reader.boolean(table, 'outcome'),
    summary: reader.boolean(table, 'summary'),
    summarised: reader.boolean(table, 'summarised'),
  };
  if (role !== 'failure' && (flags.announce || flags.outcome || flags.summary || flags.summarised)) {
    reader.fail('announce, outcome, summary and summarised only apply to role "failure"');
  }
  if (flags.summary && flags.summarised) reader.fail('a line cannot be both the summary and one of the attempts it sums up');
  if (flags.summarised && context.correlation === null) reader.fail('summarised needs a [correlation] (its bounds keep the lines by address)');
  const hasAddress = groups.has('ip') || context.leadGroups.has('ip');
  if (COUNTING_ROLES.has(role) && !hasAddress && context.correlation === null) {
    reader.fail('the regex has no <ip> and the filter has no [correlation] that could supply the address');
  }
  if ((role === 'hint' || role === 'start') && !groups.has('ip')) reader.fail(`a ${role} pattern exists to tell the address: it needs <ip>`);
  if (groups.has('ip') && context.leadGroups.has('ip')) reader.fail('both the lead and the pattern capture <ip>');
  return {
    name,
    eventType,
    role,
    source,
    regex,
    literal: literalPrefix(expanded),
    required: requiredLiteral(expanded),
    groups: groupIndexes(numbered.groups),
    ...flags,
    maxLineLength: null,
  };
}

/** Compiles a parsed filter file; origin (the file path) appears in every error. */
export function compileFilterData(data: unknown, origin: string, expectedName?: string): FilterDefinition {
  const reader: Reader = new Reader(origin);
  if (!isTable(data)) reader.fail('a filter file must be a TOML table');
  reader.onlyKeys(data, TOP_LEVEL_KEYS, 'the filter');
  const name = reader.string(data, 'name');
  if (expectedName !== undefined && name !== expectedName) reader.fail(`"name" is "${name}" but the file is named for "${expectedName}"`);
  const description = reader.string(data, 'description', name);
  const programs = data.programs === undefined ? null : reader.regex(reader.string(data, 'programs'), '', '"programs"');
  const untagged = reader.boolean(data, 'untagged');
  const subject = reader.string(data, 'subject', 'message');
  if (subject !== 'message' && subject !== 'tag') return reader.fail('"subject" must be "message" or "tag"');
  let lead: RegExp | null = null;
  let leadIndexes: GroupIndexes | null = null;
  let leadGroups = new Set<string>();
  if (data.lead !== undefined) {
    const leadSource = reader.string(data, 'lead');
    if (leadSource.startsWith('^')) reader.fail('"lead" is applied where the subject starts: leave out the ^');
    const expanded = expandMacros(leadSource);
    leadGroups = namedGroups(reader.regex(expanded, 'ys', '"lead"'));
    const numbered = numberGroups(expanded, USED_GROUPS);
    lead = reader.regex(numbered.source, 'ys', '"lead"');
    leadIndexes = groupIndexes(numbered.groups);
  }
  const correlation = compileCorrelation(data.correlation, reader);
  if (!Array.isArray(data.patterns) || data.patterns.length === 0) reader.fail('"patterns" must hold at least one [[patterns]] table');
  const patterns = data.patterns.map((table, index) => compilePattern(table, index, { origin, leadGroups, correlation }));
  const seen = new Set<string>();
  for (const pattern of patterns) {
    if (seen.has(pattern.name)) new Reader(origin, pattern.name).fail('two patterns have this name');
    seen.add(pattern.name);
  }
  return { name, description, origin, programs, untagged, subject, lead, leadGroups: leadIndexes, correlation, patterns };
}
