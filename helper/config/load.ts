// Loads the configuration: TOML or the simple JSON format by extension, checked whole, or a ConfigError naming file, key and problem.

import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { compileUserPatterns, FilterError } from '../filters/index.js';
import { DEFAULT_SERVICES } from './defaults.js';
import { readDocument } from './document.js';
import { ConfigError, INVALID, type ConfigIssue, type ReadContext, type Result } from './schema.js';
import { readSimpleJson } from './simple-json.js';
import type { Config } from './types.js';

export { ConfigError, type ConfigIssue } from './schema.js';
export { DEFAULT_CONFIG_PATH } from './defaults.js';

export interface ParseOptions {
  /** Named in messages and kept in Config.file; null for text that came from nowhere in particular. */
  readonly file: string | null;
  readonly format: 'toml' | 'json';
}

/** Reads and checks a configuration file: `.json` is the simple JSON format, anything else TOML. Throws ConfigError. */
export function loadConfig(path: string): Config {
  const file = resolve(path);
  let contents: string;
  try {
    contents = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(file, [{ key: '', problem: `cannot read the configuration: ${reason}` }]);
  }
  return parseConfigText(contents, { file, format: extname(file).toLowerCase() === '.json' ? 'json' : 'toml' });
}

/** Checks configuration text; every problem found is in the thrown ConfigError, not only the first. */
export function parseConfigText(text: string, options: ParseOptions): Config {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const context: ReadContext = { issues: [], format: options.format };
  let result: Result<Config>;
  if (options.format === 'json') {
    const document = parseJson(source, options.file);
    result = readSimpleJson(document, options.file, context);
  } else {
    const document = parseTomlText(source, options.file);
    result = readDocument(document, { file: options.file, format: 'toml' }, context);
  }
  if (result === INVALID || context.issues.length > 0) throw new ConfigError(options.file, context.issues);
  const patternIssues = userPatternIssues(result, options.format);
  if (patternIssues.length > 0) throw new ConfigError(options.file, patternIssues);
  return result;
}

/**
 * Compiles every user pattern now, so a regex that cannot work (bad syntax, no address group,
 * catastrophic backtracking) stops the helper at start-up with its key, not later with a stack trace.
 */
function userPatternIssues(config: Config, format: 'toml' | 'json'): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  config.services.forEach((service, serviceIndex) => {
    service.patterns.forEach((pattern, patternIndex) => {
      try {
        compileUserPatterns(service.name, [pattern]);
      } catch (error) {
        if (!(error instanceof FilterError)) throw error;
        const prefix = `${error.origin}: pattern "${pattern.name}": `;
        const problem = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
        const key = format === 'json' ? `services[${serviceIndex + 1}].regex` : `services.${service.name}.patterns[${patternIndex + 1}].regex`;
        issues.push({ key, problem });
      }
    });
  });
  return issues;
}

/** The built-in configuration, used when there is no file: ssh watched, the other built-in services off. */
export function defaultConfig(): Config {
  const context: ReadContext = { issues: [], format: 'toml' };
  const result = readDocument({ services: DEFAULT_SERVICES }, { file: null, format: 'defaults' }, context);
  // Only a broken default in this package lands here; say so rather than return half a config.
  if (result === INVALID) throw new ConfigError(null, context.issues);
  return result;
}

function parseTomlText(text: string, file: string | null): unknown {
  try {
    return parseToml(text, { unsafeKeyBehaviour: 'throw' });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message is "Invalid TOML document: <what>\n\n<code excerpt>"; keep both, the position in front.
    const [headline = '', ...excerpt] = error.message.split('\n');
    const what = headline.replace(/^Invalid TOML document:\s*/, '');
    const issue: ConfigIssue = {
      key: '',
      problem: `invalid TOML: ${what}${excerpt.length > 0 ? `\n${excerpt.join('\n').trimEnd()}` : ''}`,
      line: error.line,
      column: error.column,
    };
    throw new ConfigError(file, [issue]);
  }
}

function parseJson(text: string, file: string | null): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const position = /at position (\d+)/.exec(error.message);
    const issue: ConfigIssue = { key: '', problem: `invalid JSON: ${error.message}` };
    if (position === null) throw new ConfigError(file, [issue]);
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    throw new ConfigError(file, [{ ...issue, line, column }]);
  }
}
