// The filters stage: turns log lines into failed attempts (address, time, pattern) for the detector.
//
// Built-in filters are data in conf/filters/<name>.toml; admins add regexes in the configuration.
// One matcher per source stream: it is stateful, because one attempt can span several lines.
export { builtinFilterNames, builtinFiltersDirectory, findPackageRoot, loadBuiltinFilter } from './load.js';
export { compileUserPatterns } from './user-patterns.js';
export { createMatcher, MAX_ATTEMPTS_PER_LINE, MAX_LINE_CHARS, type MatcherOptions } from './matcher.js';
export { QUADRATIC_LINE_LIMIT } from './redos.js';
export { parseTimestamp, type ParsedTimestamp, type TimestampFormat } from './timestamp.js';
export {
  FilterError,
  type CompiledPattern,
  type CorrelationOptions,
  type FilterDefinition,
  type FilterMatch,
  type GroupIndexes,
  type LineMatcher,
  type PatternRole,
} from './types.js';
