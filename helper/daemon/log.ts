// The helper's own log: one structured line per event (time, level, then key=value fields, then the message).
import type { LogLevel } from '../config/types.js';

const ORDER: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Quotes a value only when it needs it, so lines stay greppable: address=1.2.3.4 msg="two words". */
function formatValue(value: string | number | boolean): string {
  const text = String(value);
  return /^[\w.:/@%+-]+$/.test(text) ? text : JSON.stringify(text);
}

export function createLogger(options: {
  /** The lowest level written; a function when it can change while running (a reload). */
  readonly level: LogLevel | (() => LogLevel);
  readonly write: (line: string) => void;
  readonly now?: () => number;
}): Logger {
  const threshold = typeof options.level === 'function' ? options.level : () => options.level as LogLevel;
  const now = options.now ?? Date.now;
  const log = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (ORDER[level] < ORDER[threshold()]) return;
    let line = `${new Date(now()).toISOString()} level=${level}`;
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined && value !== null) line += ` ${key}=${formatValue(value)}`;
    }
    options.write(`${line} msg=${formatValue(message)}\n`);
  };
  return {
    log,
    trace: (message, fields) => log('trace', message, fields),
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}
