// A small declarative schema for configuration documents: each check reads one raw value and reports keyed, exact problems.
//
// Our own instead of a validation library so that every message names the dotted key, what was
// expected and what was found, in the words an admin editing a TOML file uses.

export interface ConfigIssue {
  /** Dotted path of the key, e.g. services.ssh.max_failures; arrays count from 1, as an admin counts blocks. */
  readonly key: string;
  readonly problem: string;
  /** Where in the file, when the parser knows (syntax errors). */
  readonly line?: number;
  readonly column?: number;
}

/** A configuration that cannot be used; lists every problem found, the first one in key and problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly key: string;
  readonly problem: string;
  readonly issues: readonly ConfigIssue[];

  constructor(readonly file: string | null, issues: readonly ConfigIssue[]) {
    const list = issues.length > 0 ? issues : [{ key: '', problem: 'invalid configuration' }];
    super(list.map((issue) => formatIssue(file, issue)).join('\n'));
    this.issues = list;
    this.key = list[0]!.key;
    this.problem = list[0]!.problem;
  }
}

function formatIssue(file: string | null, issue: ConfigIssue): string {
  const where = file ?? '(configuration text)';
  if (issue.line !== undefined) return `${where}:${issue.line}:${issue.column ?? 1}: ${issue.problem}`;
  return issue.key === '' ? `${where}: ${issue.problem}` : `${where}: ${issue.key}: ${issue.problem}`;
}

export interface ReadContext {
  readonly issues: ConfigIssue[];
  /** Only changes words: TOML has tables where JSON has objects. */
  readonly format: 'toml' | 'json';
}

export const INVALID: unique symbol = Symbol('invalid');
export type Result<T> = T | typeof INVALID;

export interface Check<T> {
  /** What a valid value looks like, completing "must be ...": "an integer from 1 to 1000000". */
  readonly expected: string;
  read(value: unknown, key: string, context: ReadContext): Result<T>;
}

export function report(context: ReadContext, key: string, problem: string): typeof INVALID {
  context.issues.push({ key, problem });
  return INVALID;
}

/** The dotted key of a child; names that are not bare TOML keys are quoted, as they would be in the file. */
export function childKey(parent: string, name: string): string {
  const part = /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
  return parent === '' ? part : `${parent}.${part}`;
}

export function elementKey(parent: string, index: number): string {
  return `${parent}[${index + 1}]`;
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function tableWord(context: ReadContext): string {
  return context.format === 'json' ? 'an object' : 'a table';
}

/** A short description of what was found, for "got ...". */
export function describe(value: unknown, context: ReadContext): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'a date';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (isTable(value)) return tableWord(context);
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

function mismatch(context: ReadContext, key: string, expected: string, value: unknown, hint = ''): typeof INVALID {
  return report(context, key, `must be ${expected}, got ${describe(value, context)}${hint}`);
}

/** A check from a predicate and a conversion; convert returns undefined to reject. */
function scalar<T>(expected: string, convert: (value: unknown) => T | undefined, hint?: (value: unknown) => string): Check<T> {
  return {
    expected,
    read(value, key, context) {
      const converted = convert(value);
      return converted === undefined ? mismatch(context, key, expected, value, hint?.(value) ?? '') : converted;
    },
  };
}

// A quoted number or boolean is the most common slip in hand-written TOML; say so.
function quotedNumberHint(value: unknown): string {
  return typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? ' (a string: write the number without quotes)' : '';
}

function quotedBooleanHint(value: unknown): string {
  return value === 'true' || value === 'false' ? ' (a string: write true or false without quotes)' : '';
}

export function boolean(): Check<boolean> {
  return scalar('true or false', (value) => (typeof value === 'boolean' ? value : undefined), quotedBooleanHint);
}

export function integer(minimum: number, maximum: number): Check<number> {
  return scalar(
    `an integer from ${minimum} to ${maximum}`,
    (value) => (typeof value === 'number' && Number.isInteger(value) && value >= minimum && value <= maximum ? value : undefined),
    quotedNumberHint,
  );
}

/** A number strictly above `above` and at most `maximum`. */
export function numberAbove(above: number, maximum: number): Check<number> {
  return scalar(
    `a number above ${above} and at most ${maximum}`,
    (value) => (typeof value === 'number' && Number.isFinite(value) && value > above && value <= maximum ? value : undefined),
    quotedNumberHint,
  );
}

export interface TextOptions {
  /** Completes "must be ..."; defaults to "a non-empty string". */
  readonly expected?: string;
  readonly pattern?: RegExp;
  readonly maximumLength?: number;
}

export function text(options: TextOptions = {}): Check<string> {
  const maximumLength = options.maximumLength ?? 4096;
  return scalar(options.expected ?? 'a non-empty string', (value) => {
    if (typeof value !== 'string' || value.length === 0 || value.length > maximumLength) return undefined;
    if (options.pattern !== undefined && !options.pattern.test(value)) return undefined;
    return value;
  });
}

export function oneOf<const V extends string>(values: readonly V[], expected?: string): Check<V> {
  return scalar(expected ?? `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`, (value) =>
    typeof value === 'string' && (values as readonly string[]).includes(value) ? (value as V) : undefined,
  );
}

/** Absolute paths only: the helper runs from / as a service, so a relative path would mean nothing useful. */
export function absolutePath(what = 'an absolute path (starting with /)'): Check<string> {
  return text({ expected: what, pattern: /^\/[^\0]*$/ });
}

/** Turns a valid value into another; convert calls reject(problem) to report at the same key. */
export function refine<T, U>(check: Check<T>, convert: (value: T, reject: (problem: string) => typeof INVALID) => Result<U>): Check<U> {
  return {
    expected: check.expected,
    read(value, key, context) {
      const read = check.read(value, key, context);
      if (read === INVALID) return INVALID;
      return convert(read, (problem) => report(context, key, problem));
    },
  };
}

export interface ListOptions {
  readonly minimum?: number;
  readonly maximum?: number;
}

export function list<T>(item: Check<T>, options: ListOptions = {}): Check<readonly T[]> {
  const minimum = options.minimum ?? 0;
  const maximum = options.maximum ?? 100_000;
  const size = minimum > 0 ? `a non-empty array` : 'an array';
  const expected = `${size}, each element ${item.expected}`;
  return {
    expected,
    read(value, key, context) {
      if (!Array.isArray(value)) {
        // [x] where [[x]] was meant is the usual way to get a table here.
        const hint = isTable(value) && context.format === 'toml' ? ` (write [[${key.replace(/\[\d+\]/g, '')}]] with double brackets for each entry)` : '';
        return mismatch(context, key, expected, value, hint);
      }
      if (value.length < minimum || value.length > maximum) {
        const bounds = value.length < minimum ? `at least ${minimum}` : `at most ${maximum}`;
        return report(context, key, `must hold ${bounds} element${bounds.endsWith(' 1') ? '' : 's'}, got ${value.length}`);
      }
      const result: T[] = [];
      let valid = true;
      value.forEach((element, index) => {
        const read = item.read(element, elementKey(key, index), context);
        if (read === INVALID) valid = false;
        else result.push(read);
      });
      return valid ? result : INVALID;
    },
  };
}

/** One value or an array of them (log_path = "/a" or ["/a", "/b"]); always an array after reading. */
export function oneOrMany<T>(item: Check<T>): Check<readonly T[]> {
  const many = list(item, { minimum: 1 });
  const expected = `${item.expected}, or a non-empty array of them`;
  return {
    expected,
    read(value, key, context) {
      if (Array.isArray(value)) return many.read(value, key, context);
      const read = item.read(value, key, context);
      return read === INVALID ? INVALID : [read];
    },
  };
}

/** How a key of a table is read, and what it is when the file leaves it out. */
export interface Field<T> {
  readonly check: Check<T>;
  readonly whenMissing: (key: string, context: ReadContext) => Result<T>;
}

export function required<T>(check: Check<T>): Field<T> {
  return { check, whenMissing: (key, context) => report(context, key, `is required: ${check.expected}`) };
}

export function withDefault<T>(check: Check<T>, fallback: T): Field<T> {
  return { check, whenMissing: () => fallback };
}

/** Absent means null: the builder decides (inherit from [general], derive from the name, or leave unset). */
export function nullable<T>(check: Check<T>): Field<T | null> {
  return { check, whenMissing: () => null };
}

/** A sub-table whose keys all have defaults: absent reads as an empty table. */
export function section<T>(check: Check<T>): Field<T> {
  return { check, whenMissing: (key, context) => check.read({}, key, context) };
}

export type Fields = Record<string, Field<unknown>>;
export type TableValue<S extends Fields> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };
export type CheckValue<C> = C extends Check<infer T> ? T : never;

export interface TableOptions {
  /** Keys a caller reads itself (the `type` of a tagged table): known, but not part of the result. */
  readonly readElsewhere?: readonly string[];
}

/** A table with a fixed set of keys; any other key is an error, with the nearest known key suggested. */
export function table<S extends Fields>(fields: S, options: TableOptions = {}): Check<TableValue<S>> {
  const elsewhere = options.readElsewhere ?? [];
  const known = [...elsewhere, ...Object.keys(fields)];
  return {
    expected: 'a table',
    read(value, key, context) {
      if (!isTable(value)) return mismatch(context, key, tableWord(context), value);
      let valid = true;
      const result: Record<string, unknown> = {};
      // The file's own order first, so problems are listed as an admin reads the file.
      for (const [name, raw] of Object.entries(value)) {
        if (elsewhere.includes(name)) continue;
        const fieldKey = childKey(key, name);
        const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
        const read = field === undefined ? report(context, fieldKey, unknownKeyProblem(name, known)) : field.check.read(raw, fieldKey, context);
        if (read === INVALID) valid = false;
        else result[name] = read;
      }
      for (const [name, field] of Object.entries(fields)) {
        if (Object.hasOwn(value, name)) continue;
        const read = field.whenMissing(childKey(key, name), context);
        if (read === INVALID) valid = false;
        else result[name] = read;
      }
      return valid ? (result as TableValue<S>) : INVALID;
    },
  };
}

/** A table of named entries ([services.NAME]), kept in file order; names are checked by nameProblem. */
export function namedTables<T>(
  entry: Check<T>,
  nameProblem: (name: string) => string | null,
): Check<readonly { readonly name: string; readonly value: T }[]> {
  return {
    expected: 'a table of named tables',
    read(value, key, context) {
      if (!isTable(value)) return mismatch(context, key, tableWord(context), value);
      const result: { name: string; value: T }[] = [];
      let valid = true;
      for (const [name, raw] of Object.entries(value)) {
        const entryKey = childKey(key, name);
        const problem = nameProblem(name);
        if (problem !== null) {
          report(context, entryKey, problem);
          valid = false;
          continue;
        }
        const read = entry.read(raw, entryKey, context);
        if (read === INVALID) valid = false;
        else result.push({ name, value: read });
      }
      return valid ? result : INVALID;
    },
  };
}

type Variants = Record<string, Fields>;
export type TaggedValue<V extends Variants> = { [K in keyof V & string]: { readonly type: K } & TableValue<V[K]> }[keyof V & string];

/** Tables told apart by their `type` key ([[siem.targets]], [[whitelist.sources]]); each variant lists its other keys. */
export function tagged<V extends Variants>(variants: V): Check<TaggedValue<V>> {
  const types = Object.keys(variants);
  const typeCheck = oneOf(types);
  const tables = new Map(types.map((type) => [type, table(variants[type]!, { readElsewhere: ['type'] })]));
  return {
    expected: `a table with type = ${types.map((type) => JSON.stringify(type)).join(' | ')}`,
    read(value, key, context) {
      if (!isTable(value)) return mismatch(context, key, tableWord(context), value);
      const typeKey = childKey(key, 'type');
      if (!Object.hasOwn(value, 'type')) return report(context, typeKey, `is required: ${typeCheck.expected}`);
      const type = typeCheck.read(value['type'], typeKey, context);
      if (type === INVALID) return INVALID;
      const read = tables.get(type)!.read(value, key, context);
      return read === INVALID ? INVALID : ({ type, ...read } as TaggedValue<V>);
    },
  };
}

// Names other tools use for the same thing, so a fail2ban habit gets a pointed suggestion.
const FAMILIAR_NAMES: Readonly<Record<string, readonly string[]>> = {
  maxretry: ['max_failures'],
  threshold: ['max_failures'],
  failregex: ['patterns'],
  regex: ['patterns'],
  ignoreip: ['sources', 'networks'],
  journalmatch: ['journal_units'],
  unit: ['journal_units'],
  units: ['journal_units'],
  bantime_increment: ['ban_time_increment'],
};

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const substitution = previous[column - 1]! + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min(previous[column]! + 1, current[column - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length]!;
}

/** The known key an unknown one most likely meant, or null when none is close. */
export function closestKey(name: string, known: readonly string[]): string | null {
  const normalised = normalise(name);
  const sameLetters = known.find((candidate) => normalise(candidate) === normalised);
  if (sameLetters !== undefined) return sameLetters;
  const familiar = FAMILIAR_NAMES[normalised]?.find((candidate) => known.includes(candidate));
  if (familiar !== undefined) return familiar;
  // A shortened name ("table" for table_name) when only one key fits.
  const longer = known.filter((candidate) => candidate.startsWith(`${name}_`) || candidate.endsWith(`_${name}`));
  if (longer.length === 1) return longer[0]!;
  const allowed = name.length >= 5 ? 2 : 1;
  let best: string | null = null;
  let bestDistance = allowed + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function unknownKeyProblem(name: string, known: readonly string[]): string {
  const suggestion = closestKey(name, known);
  if (suggestion !== null) return `unknown key, did you mean ${suggestion}?`;
  if (known.length === 0) return 'unknown key: this table takes no keys';
  return `unknown key; the keys here are ${known.join(', ')}`;
}
