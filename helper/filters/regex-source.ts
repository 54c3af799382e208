// Reads regex source text: macro expansion, Python group syntax, anchoring checks and literal prefixes.
//
// Filters are data written by people, so the compiler has to see the structure of a regex before
// trusting it: whether it is really anchored at both ends, what literal text every match starts
// with (the matcher's cheap prefilter), and which named groups it declares.

/**
 * The address capture: a dotted quad, or IPv6 (hex groups with at least one colon, optionally
 * ending in a dotted quad). parseAddress decides strictly afterwards (leading zeros, ranges); the
 * capture's job is to have an address's shape, so that nothing else (a port, a number in a user
 * name) can ever be taken for one, and to stop where the address ends.
 */
export const ADDRESS_PATTERN = String.raw`(?<ip>\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){1,7}(?:\.\d{1,3}){0,3})`;

/** A DNS name where a daemon wrote one instead of an address. It is never resolved. */
export const HOST_NAME_PATTERN = String.raw`(?<hostname>[A-Za-z0-9][A-Za-z0-9._-]{0,252})`;

const MACROS: Readonly<Record<string, string>> = { '<ip>': ADDRESS_PATTERN, '<host>': HOST_NAME_PATTERN };

/** Replaces <ip> and <host> (but not the name in "(?<ip>" or "\k<ip>"). */
export function expandMacros(source: string): string {
  return source.replace(/(?<!\(\?|\\k)<(?:ip|host)>/g, (macro) => MACROS[macro] ?? macro);
}

/** Rewrites Python's (?P<name>...) and (?P=name) into JavaScript's (?<name>...) and \k<name>. */
export function convertPythonGroups(source: string): string {
  let result = '';
  let inClass = false;
  for (let index = 0; index < source.length; index++) {
    const char = source[index]!;
    if (char === '\\') {
      result += source.slice(index, index + 2);
      index++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      result += char;
      continue;
    }
    if (char === '[') {
      inClass = true;
      result += char;
      continue;
    }
    if (char === '(' && source.startsWith('?P<', index + 1)) {
      result += '(?<';
      index += 3;
      continue;
    }
    if (char === '(' && source.startsWith('?P=', index + 1)) {
      const close = source.indexOf(')', index);
      if (close !== -1) {
        result += `\\k<${source.slice(index + 4, close)}>`;
        index = close;
        continue;
      }
    }
    result += char;
  }
  return result;
}

/** Why a built-in pattern is not anchored at both ends, or null when it is. */
export function anchoringProblem(source: string): string | null {
  if (!source.startsWith('^')) return 'it must start with ^ (anchored at the start of the message)';
  let depth = 0;
  let inClass = false;
  let lastTopLevelDollar = -1;
  for (let index = 0; index < source.length; index++) {
    const char = source[index]!;
    if (char === '\\') {
      index++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) {
      return 'it has a top-level | : wrap the alternatives in (?:...) so that ^ and $ apply to all of them';
    } else if (char === '$' && depth === 0) lastTopLevelDollar = index;
  }
  if (lastTopLevelDollar !== source.length - 1) return 'it must end with $ (anchored at the end of the line)';
  return null;
}

const QUANTIFIER_START = new Set(['?', '*', '{']);
const LITERAL_ESCAPES = new Set([...'()[]{}|.*+?^$\\/-:<>=!,#&~\'"@ ']);

/**
 * The literal text every match of an anchored source (without its leading ^) starts with, e.g.
 * "Failed " for "Failed (?<method>...". Empty when the source starts with a group, a class or an
 * escape such as \d. Used as a prefilter only, so being shorter than possible is always safe.
 */
export function literalPrefix(sourceAfterCaret: string): string {
  let prefix = '';
  let index = 0;
  while (index < sourceAfterCaret.length) {
    const char = sourceAfterCaret[index]!;
    let literal: string;
    let width: number;
    if (char === '\\') {
      const next = sourceAfterCaret[index + 1];
      if (next === undefined || !LITERAL_ESCAPES.has(next)) break;
      literal = next;
      width = 2;
    } else if ('()[]{}|.*+?^$'.includes(char)) {
      break;
    } else {
      literal = char;
      width = 1;
    }
    const following = sourceAfterCaret[index + width];
    // "ab?" only promises "a": a quantified last character is optional or repeated.
    if (following !== undefined && QUANTIFIER_START.has(following)) break;
    prefix += literal;
    index += width;
    if (following === '+') break;
  }
  return prefix;
}

/**
 * The longest literal text that every match must contain after its literal prefix: a run of plain
 * characters at the top level of the regex (not inside a group, not quantified). The matcher looks
 * for it with indexOf before running the regex, which rules out most lines that merely share the
 * prefix ("pam_unix(sshd:session)" vs "pam_unix(sshd:auth): authentication failure").
 */
export function requiredLiteral(sourceAfterCaret: string): string {
  const prefixLength = literalPrefix(sourceAfterCaret).length;
  let best = '';
  let run = '';
  let depth = 0;
  let inClass = false;
  let seenPrefix = 0;
  const finish = (): void => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let index = 0; index < sourceAfterCaret.length; index++) {
    const char = sourceAfterCaret[index]!;
    let literal: string | null = null;
    let width = 1;
    if (char === '\\') {
      const next = sourceAfterCaret[index + 1];
      width = 2;
      if (next !== undefined && LITERAL_ESCAPES.has(next) && depth === 0 && !inClass) literal = next;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '(') {
      depth++;
    } else if (char === ')') {
      depth--;
    } else if (char === '{') {
      // A {m,n} quantifier: its digits are not text of the line.
      const close = sourceAfterCaret.indexOf('}', index);
      if (close !== -1) width = close - index + 1;
    } else if (depth === 0 && !'{}|.*+?^$'.includes(char)) {
      literal = char;
    } else if (char === '|' && depth === 0) {
      return ''; // top-level alternatives: nothing is required by all of them
    }
    const following = sourceAfterCaret[index + width];
    const quantified = following !== undefined && (QUANTIFIER_START.has(following) || following === '+');
    if (literal !== null && !quantified) {
      // The prefix is checked by startsWith already; count its characters out of the runs.
      if (seenPrefix < prefixLength) seenPrefix++;
      else run += literal;
    } else {
      if (literal !== null && following === '+') run += literal;
      finish();
      if (seenPrefix < prefixLength) seenPrefix = prefixLength;
    }
    index += width - 1;
  }
  finish();
  return best;
}

/** Names of the named groups a compiled regex declares. */
export function namedGroups(regex: RegExp): Set<string> {
  // An empty alternative always matches and reports every group, named ones included.
  const groups = new RegExp(`${regex.source}|`).exec('')!.groups;
  return new Set(groups === undefined ? [] : Object.keys(groups));
}

/** Number of capturing groups (same trick as namedGroups). */
export function captureGroupCount(regex: RegExp): number {
  return new RegExp(`${regex.source}|`).exec('')!.length - 1;
}

/** Characters a match can start with: ASCII codes, plus whether other (non-ASCII) ones are possible. */
export interface FirstCharacters {
  readonly ascii: ReadonlySet<number>;
  readonly other: boolean;
  /** The regex can match the empty string at this position. */
  readonly empty: boolean;
}

const DIGITS = [...'0123456789'].map((char) => char.charCodeAt(0));
const WORD = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'].map((char) => char.charCodeAt(0));
const SPACES = [9, 10, 11, 12, 13, 32];
const ALL_ASCII = Array.from({ length: 128 }, (_unused, code) => code);

interface CharacterSet {
  codes: Set<number>;
  other: boolean;
}

/**
 * A small reader of regex source for one question: which characters can a match start with? It
 * understands literals, escapes, classes, groups, alternation and quantifiers; anything it does not
 * understand widens the answer (to "any character"), so the result is always a superset.
 */
class FirstCharacterReader {
  private index = 0;
  constructor(private readonly source: string) {}

  read(): FirstCharacters {
    const result = this.alternatives();
    return { ascii: result.set.codes, other: result.set.other, empty: result.empty };
  }

  private alternatives(): { set: CharacterSet; empty: boolean } {
    const set: CharacterSet = { codes: new Set(), other: false };
    let empty = false;
    for (;;) {
      const branch = this.sequence();
      for (const code of branch.set.codes) set.codes.add(code);
      set.other ||= branch.set.other;
      empty ||= branch.empty;
      if (this.source[this.index] !== '|') return { set, empty };
      this.index++;
    }
  }

  /** A sequence up to ")" or "|": its first set is the union of atoms until one cannot be empty. */
  private sequence(): { set: CharacterSet; empty: boolean } {
    const set: CharacterSet = { codes: new Set(), other: false };
    let stillEmpty = true;
    while (this.index < this.source.length) {
      const char = this.source[this.index]!;
      if (char === '|' || char === ')') break;
      const atom = this.atom();
      const quantifier = this.quantifier();
      if (stillEmpty) {
        for (const code of atom.set.codes) set.codes.add(code);
        set.other ||= atom.set.other;
        if (!atom.empty && !quantifier.optional) stillEmpty = false;
      }
    }
    return { set, empty: stillEmpty };
  }

  private quantifier(): { optional: boolean } {
    const char = this.source[this.index];
    let optional = false;
    if (char === '?' || char === '*') {
      optional = true;
      this.index++;
    } else if (char === '+') {
      this.index++;
    } else if (char === '{') {
      const close = this.source.indexOf('}', this.index);
      const body = close === -1 ? '' : this.source.slice(this.index + 1, close);
      if (/^\d+(?:,\d*)?$/.test(body)) {
        optional = Number.parseInt(body, 10) === 0;
        this.index = close + 1;
      } else return { optional: false };
    } else return { optional: false };
    if (this.source[this.index] === '?') this.index++; // lazy
    return { optional };
  }

  private atom(): { set: CharacterSet; empty: boolean } {
    const char = this.source[this.index]!;
    const any = (): { set: CharacterSet; empty: boolean } => ({ set: { codes: new Set(ALL_ASCII), other: true }, empty: false });
    if (char === '(') {
      this.index++;
      let lookaround = false;
      if (this.source[this.index] === '?') {
        const next = this.source[this.index + 1];
        if (next === ':') this.index += 2;
        else if (next === '=' || next === '!') {
          lookaround = true;
          this.index += 2;
        } else if (next === '<' && (this.source[this.index + 2] === '=' || this.source[this.index + 2] === '!')) {
          lookaround = true;
          this.index += 3;
        } else if (next === '<') {
          this.index = this.source.indexOf('>', this.index) + 1;
        }
      }
      const inner = this.alternatives();
      if (this.source[this.index] === ')') this.index++;
      // A lookaround consumes nothing: it neither adds nor rules out a first character here.
      return lookaround ? { set: { codes: new Set(), other: false }, empty: true } : inner;
    }
    if (char === '[') return this.characterClass();
    if (char === '.') {
      this.index++;
      return any();
    }
    if (char === '^' || char === '$') {
      this.index++;
      return { set: { codes: new Set(), other: false }, empty: true };
    }
    if (char === '\\') {
      const next = this.source[this.index + 1] ?? '';
      this.index += 2;
      if (next === 'd') return { set: { codes: new Set(DIGITS), other: false }, empty: false };
      if (next === 'w') return { set: { codes: new Set(WORD), other: false }, empty: false };
      if (next === 's') return { set: { codes: new Set(SPACES), other: true }, empty: false };
      if (next === 'b' || next === 'B') return { set: { codes: new Set(), other: false }, empty: true };
      if (LITERAL_ESCAPES.has(next)) return { set: { codes: new Set([next.charCodeAt(0)]), other: false }, empty: false };
      if (next === 'k') this.index = this.source.indexOf('>', this.index) + 1;
      return any();
    }
    this.index++;
    const code = char.charCodeAt(0);
    return { set: { codes: new Set(code < 128 ? [code] : []), other: code >= 128 }, empty: false };
  }

  private characterClass(): { set: CharacterSet; empty: boolean } {
    const close = this.findClassEnd();
    const body = this.source.slice(this.index + 1, close);
    this.index = close + 1;
    const codes = new Set<number>();
    let other = false;
    if (body.startsWith('^')) return { set: { codes: new Set(ALL_ASCII), other: true }, empty: false };
    for (let position = 0; position < body.length; position++) {
      let char = body[position]!;
      if (char === '\\') {
        const next = body[position + 1] ?? '';
        position++;
        if (next === 'd') DIGITS.forEach((digit) => codes.add(digit));
        else if (next === 'w') WORD.forEach((word) => codes.add(word));
        else if (next === 's') {
          SPACES.forEach((space) => codes.add(space));
          other = true;
        } else if (LITERAL_ESCAPES.has(next)) codes.add(next.charCodeAt(0));
        else return { set: { codes: new Set(ALL_ASCII), other: true }, empty: false };
        continue;
      }
      if (body[position + 1] === '-' && position + 2 < body.length && body[position + 2] !== '\\') {
        const end = body[position + 2]!.charCodeAt(0);
        for (let code = char.charCodeAt(0); code <= end; code++) {
          if (code < 128) codes.add(code);
          else other = true;
        }
        position += 2;
        continue;
      }
      char = body[position]!;
      const code = char.charCodeAt(0);
      if (code < 128) codes.add(code);
      else other = true;
    }
    return { set: { codes, other }, empty: false };
  }

  private findClassEnd(): number {
    for (let position = this.index + 1; position < this.source.length; position++) {
      const char = this.source[position];
      if (char === '\\') position++;
      else if (char === ']' && position > this.index + 1) return position;
    }
    return this.source.length;
  }
}

/** The characters a match of source (without a leading ^) can start with; a superset, never too small. */
export function firstCharacters(source: string): FirstCharacters {
  try {
    return new FirstCharacterReader(source).read();
  } catch {
    return { ascii: new Set(ALL_ASCII), other: true, empty: true };
  }
}

/**
 * Rewrites named groups as plain numbered ones and returns where each name went: reading match[i]
 * is cheaper than the groups object a named regex builds on every match. \k<name> becomes \i.
 * With keep, named groups not in it stop capturing (they must not be referenced by \k).
 */
export function numberGroups(source: string, keep?: ReadonlySet<string>): { source: string; groups: Map<string, number> } {
  const groups = new Map<string, number>();
  let count = 0;
  let result = '';
  let inClass = false;
  for (let index = 0; index < source.length; index++) {
    const char = source[index]!;
    if (char === '\\') {
      if (!inClass && source[index + 1] === 'k' && source[index + 2] === '<') {
        const close = source.indexOf('>', index);
        const number = groups.get(source.slice(index + 3, close));
        if (close !== -1 && number !== undefined) {
          // A following digit would otherwise extend the group number.
          result += `(?:\\${number})`;
          index = close;
          continue;
        }
      }
      result += source.slice(index, index + 2);
      index++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      result += char;
      continue;
    }
    if (char === '[') {
      inClass = true;
      result += char;
      continue;
    }
    if (char === '(') {
      if (source[index + 1] !== '?') {
        count++;
      } else if (source[index + 2] === '<' && source[index + 3] !== '=' && source[index + 3] !== '!') {
        const close = source.indexOf('>', index);
        const name = source.slice(index + 3, close);
        // A group nobody reads need not capture: fewer captures, less work per match.
        if (keep !== undefined && !keep.has(name)) result += '(?:';
        else {
          groups.set(name, ++count);
          result += '(';
        }
        index = close;
        continue;
      }
    }
    result += char;
  }
  return { source: result, groups };
}
