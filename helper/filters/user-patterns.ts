// Compiles the regexes an admin writes in the configuration into a filter (search semantics).
//
// User regexes are matched anywhere in the whole line, with the timestamp found automatically.
// They name the address (?P<ip>...) or (?<ip>...), or put it in group 1; every capture still goes
// through parseAddress, so a host name or a malformed address never becomes a ban.
import type { UserPattern } from '../config/types.js';
import { redosVerdict } from './redos.js';
import { groupIndexes } from './compile.js';
import { captureGroupCount, convertPythonGroups, namedGroups, numberGroups } from './regex-source.js';
import { FilterError, type CompiledPattern, type FilterDefinition } from './types.js';

const EVENT_TYPE = /^[a-z][a-z0-9_]*$/;
/** dotAll: a line is a single line, so "." should cover every character in it. */
const USER_FLAGS = 's';

function compileOne(service: string, pattern: UserPattern): CompiledPattern {
  const context = { origin: `configuration of service "${service}"`, pattern: pattern.name };
  if (typeof pattern.regex !== 'string' || pattern.regex.trim() === '') throw new FilterError('the regex is empty', context);
  const source = convertPythonGroups(pattern.regex);
  let regex: RegExp;
  try {
    regex = new RegExp(source, USER_FLAGS);
  } catch (error) {
    throw new FilterError(`invalid regular expression: ${(error as Error).message}`, context);
  }
  const hasIpGroup = namedGroups(regex).has('ip');
  if (!hasIpGroup && captureGroupCount(regex) === 0) {
    throw new FilterError('the regex has no (?P<ip>...) group and no group 1 to capture the address', context);
  }
  const verdict = redosVerdict(source, USER_FLAGS);
  if (!verdict.accepted) throw new FilterError(`refused: ${verdict.reason}`, context);
  const eventType = EVENT_TYPE.test(pattern.eventType) ? pattern.eventType : 'failed_auth';
  // Every group keeps its number, so "group 1" means what the admin counted.
  const numbered = numberGroups(source);
  const indexes = groupIndexes(numbered.groups);
  return {
    name: pattern.name,
    eventType,
    role: 'failure',
    source: pattern.regex,
    regex: new RegExp(numbered.source, USER_FLAGS),
    literal: '',
    required: '',
    groups: hasIpGroup ? indexes : { ...indexes, ip: 1 },
    forget: false,
    announce: false,
    outcome: false,
    summary: false,
    summarised: false,
    maxLineLength: verdict.maxLineLength,
  };
}

/**
 * A filter from config patterns. Throws FilterError naming the service, the pattern and the
 * problem: invalid syntax, no address group, or a regex that could stall on a crafted line. A
 * pattern accepted with a line-length limit (quadratic cost) says so in its maxLineLength.
 */
export function compileUserPatterns(service: string, patterns: readonly UserPattern[]): FilterDefinition {
  const origin = `configuration of service "${service}"`;
  if (patterns.length === 0) throw new FilterError('no patterns given', { origin });
  const compiled = patterns.map((pattern) => compileOne(service, pattern));
  const names = new Set<string>();
  for (const pattern of compiled) {
    if (names.has(pattern.name)) throw new FilterError('two patterns have this name', { origin, pattern: pattern.name });
    names.add(pattern.name);
  }
  return {
    name: service,
    description: `patterns from the configuration of service "${service}"`,
    origin,
    programs: null,
    untagged: true,
    subject: 'line',
    lead: null,
    leadGroups: null,
    correlation: null,
    patterns: compiled,
  };
}
