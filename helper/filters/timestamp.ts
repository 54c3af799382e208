// Parses the timestamps that log lines start with, fast: character codes and integer arithmetic,
// no Date.parse and no allocation per line.
//
// Formats (detected by the first character):
//   bsd     "Mar  4 10:12:01" (syslog, no year: inferred from a reference time)   local time
//   iso     "2024-03-04T10:12:01.123+01:00", "2024-03-04 10:12:01" (rsyslog, RFC 3339/5424, dovecot)
//   nginx   "2024/03/04 10:12:01" (error.log)                                      local time
//   apache  "[Mon Mar 04 10:12:01.123456 2024]" (error.log, 2.2 and 2.4)          local time
//   tai64n  "@4000000065e5a0e1..." (daemontools, runit, s6)
// ISO without an offset is local time too. Local means the process time zone.

export type TimestampFormat = 'bsd' | 'iso' | 'nginx' | 'apache' | 'tai64n';

const MINUTE = 60_000;
const DAY = 86_400_000;
/**
 * A BSD timestamp may be this far ahead of the reference (clock skew between the writer and the
 * reader, time zones): later than that it belongs to the year before, and a January 1st line that
 * lands within it in the year after (read just before midnight on December 31st) is of that year.
 */
const FUTURE_TOLERANCE = DAY;
const LOCAL = Number.NaN;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12); exact integer arithmetic. */
function daysFromCivil(year: number, month: number, day: number): number {
  const shifted = month <= 2 ? year - 1 : year;
  const era = Math.floor(shifted / 400);
  const yearOfEra = shifted - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Month number (1-12) of an English three-letter abbreviation at index, or 0. */
function monthAt(text: string, index: number): number {
  const first = text.charCodeAt(index);
  const second = text.charCodeAt(index + 1);
  const third = text.charCodeAt(index + 2);
  switch (first) {
    case 74: // J
      if (second === 97 && third === 110) return 1; // an
      if (second === 117 && third === 110) return 6; // un
      if (second === 117 && third === 108) return 7; // ul
      return 0;
    case 70: // F
      return second === 101 && third === 98 ? 2 : 0; // eb
    case 77: // M
      if (second === 97 && third === 114) return 3; // ar
      if (second === 97 && third === 121) return 5; // ay
      return 0;
    case 65: // A
      if (second === 112 && third === 114) return 4; // pr
      if (second === 117 && third === 103) return 8; // ug
      return 0;
    case 83: // S
      return second === 101 && third === 112 ? 9 : 0; // ep
    case 79: // O
      return second === 99 && third === 116 ? 10 : 0; // ct
    case 78: // N
      return second === 111 && third === 118 ? 11 : 0; // ov
    case 68: // D
      return second === 101 && third === 99 ? 12 : 0; // ec
    default:
      return 0;
  }
}

/** The value of count decimal digits at index, or -1. */
function digitsAt(text: string, index: number, count: number): number {
  let value = 0;
  for (let offset = 0; offset < count; offset++) {
    const code = text.charCodeAt(index + offset) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Epoch milliseconds of local wall-clock hours, one Date computation per distinct hour. */
class LocalClock {
  private readonly hours = new Map<number, number>();

  /** Epoch ms at the start of the local hour, or NaN when the date does not exist. */
  hourStart(year: number, month: number, day: number, hour: number): number {
    const key = ((year * 12 + month) * 32 + day) * 24 + hour;
    const cached = this.hours.get(key);
    if (cached !== undefined) return cached;
    let value = Number.NaN;
    if (year >= 1000 && day <= daysInMonth(year, month)) {
      const date = new Date(2000, 0, 1, 0, 0, 0, 0);
      date.setFullYear(year, month - 1, day);
      // Inside a daylight-saving gap the hour does not exist; Date moves it forward, which is fine.
      date.setHours(hour, 0, 0, 0);
      value = date.getTime();
    }
    if (this.hours.size >= 4096) this.hours.clear();
    this.hours.set(key, value);
    return value;
  }

  /** The local calendar year of an epoch time. */
  yearOf(time: number): number {
    return new Date(time).getFullYear();
  }
}

/** Parses one timestamp at a time; keeps its fields so the epoch value is computed only on demand. */
export class TimestampParser {
  format: TimestampFormat | null = null;
  /** Index just past the last parsed timestamp. */
  end = 0;
  private text = '';
  private year = 0;
  private month = 0;
  private day = 0;
  private hour = 0;
  private minute = 0;
  private second = 0;
  private millis = 0;
  /** Minutes east of UTC, or NaN for local time. */
  private offset = LOCAL;
  private tai64Seconds = 0;
  private readonly clock = new LocalClock();
  private referenceYear = 0;
  private referenceYearStart = 0;
  private referenceYearEnd = -1;
  /** Where the clock digits of the last BSD timestamp are: they are read only when the time is asked for. */
  private clockIndex = 0;
  // Consecutive lines mostly share their second: the last BSD conversion is kept.
  private lastStamp = -1;
  private lastStampTime = 0;
  private lastStampYear = 0;
  /** The kept conversion holds while the reference is below this (then the year after may fit). */
  private lastStampUntil = 0;

  /** @param yearReference epoch ms that decides the year of BSD timestamps ("now", or a file's mtime) */
  constructor(private readonly yearReference: () => number) {}

  /** Parses a timestamp starting exactly at start; false when there is none. */
  parse(text: string, start: number): boolean {
    this.format = null;
    this.text = text;
    const first = text.charCodeAt(start);
    let ok = false;
    if (first >= 65 && first <= 90) ok = this.parseBsd(text, start);
    else if (isDigit(first)) {
      const separator = text.charCodeAt(start + 4);
      if (separator === 45) ok = this.parseIso(text, start);
      else if (separator === 47) ok = this.parseNginx(text, start);
    } else if (first === 91) ok = this.parseApache(text, start);
    else if (first === 64) ok = this.parseTai64n(text, start);
    if (!ok) this.format = null;
    return ok;
  }

  /** Epoch milliseconds of the last parsed timestamp (NaN when it names no real date). */
  time(): number {
    switch (this.format) {
      case 'bsd':
        return this.bsdTime();
      case 'tai64n':
        return this.tai64Seconds * 1000 + this.millis;
      case null:
        return Number.NaN;
      default:
        return this.fieldsTime(this.year);
    }
  }

  private fieldsTime(year: number): number {
    const withinHour = this.minute * MINUTE + this.second * 1000 + this.millis;
    if (Number.isNaN(this.offset)) {
      return this.clock.hourStart(year, this.month, this.day, this.hour) + withinHour;
    }
    if (this.day > daysInMonth(year, this.month)) return Number.NaN;
    return (daysFromCivil(year, this.month, this.day) * 24 + this.hour) * 3_600_000 + withinHour - this.offset * MINUTE;
  }

  /**
   * Year inference: the year after the reference's when that lands within the future tolerance
   * (only a January date can: the tolerance is shorter than a month), else the reference's year,
   * or the one before when that lands in the future.
   */
  private bsdTime(): number {
    if (!this.setClock(this.text, this.clockIndex)) return Number.NaN;
    const reference = this.yearReference();
    if (reference < this.referenceYearStart || reference >= this.referenceYearEnd) {
      this.referenceYear = this.clock.yearOf(reference);
      this.referenceYearStart = this.clock.hourStart(this.referenceYear, 1, 1, 0);
      this.referenceYearEnd = this.clock.hourStart(this.referenceYear + 1, 1, 1, 0);
    }
    const stamp = (((this.month * 32 + this.day) * 24 + this.hour) * 60 + this.minute) * 61 + this.second;
    if (
      stamp === this.lastStamp && this.lastStampYear === this.referenceYear &&
      this.lastStampTime <= reference + FUTURE_TOLERANCE && reference < this.lastStampUntil
    ) {
      return this.lastStampTime + this.millis;
    }
    let until = Number.POSITIVE_INFINITY;
    if (this.month === 1) {
      const next = this.fieldsTime(this.referenceYear + 1);
      if (!Number.isNaN(next)) {
        if (next <= reference + FUTURE_TOLERANCE) return this.keepStamp(stamp, next, Number.POSITIVE_INFINITY);
        until = next - FUTURE_TOLERANCE;
      }
    }
    // Feb 29 only exists in leap years: walk back to the latest one that is not in the future.
    for (let year = this.referenceYear; year > this.referenceYear - 9; year--) {
      const time = this.fieldsTime(year);
      if (!Number.isNaN(time) && time <= reference + FUTURE_TOLERANCE) return this.keepStamp(stamp, time, until);
    }
    return Number.NaN;
  }

  private keepStamp(stamp: number, time: number, until: number): number {
    this.lastStamp = stamp;
    this.lastStampYear = this.referenceYear;
    this.lastStampTime = time - this.millis;
    this.lastStampUntil = until;
    return time;
  }

  private setClock(text: string, index: number): boolean {
    this.hour = digitsAt(text, index, 2);
    this.minute = digitsAt(text, index + 3, 2);
    this.second = digitsAt(text, index + 6, 2);
    return (
      this.hour >= 0 && this.hour <= 23 && text.charCodeAt(index + 2) === 58 &&
      this.minute >= 0 && this.minute <= 59 && text.charCodeAt(index + 5) === 58 &&
      this.second >= 0 && this.second <= 60
    );
  }

  /** Reads an optional ".123456" (or ",123") fraction at index; returns the index after it. */
  private readFraction(text: string, index: number): number {
    this.millis = 0;
    const mark = text.charCodeAt(index);
    if ((mark !== 46 && mark !== 44) || !isDigit(text.charCodeAt(index + 1))) return index;
    let position = index + 1;
    let scale = 100;
    while (isDigit(text.charCodeAt(position))) {
      if (scale >= 1) this.millis += (text.charCodeAt(position) - 48) * scale;
      scale /= 10;
      position++;
    }
    this.millis = Math.floor(this.millis);
    return position;
  }

  private validDate(): boolean {
    return this.month >= 1 && this.month <= 12 && this.day >= 1 && this.day <= 31;
  }

  // "Mar  4 10:12:01", "Mar 4 10:12:01", "Mar 04 10:12:01", optionally ".123".
  private parseBsd(text: string, start: number): boolean {
    this.month = monthAt(text, start);
    if (this.month === 0 || text.charCodeAt(start + 3) !== 32) return false;
    let index = start + 4;
    if (text.charCodeAt(index) === 32) index++;
    let day = 0;
    const dayStart = index;
    while (isDigit(text.charCodeAt(index)) && index - dayStart < 2) day = day * 10 + text.charCodeAt(index++) - 48;
    if (index === dayStart || text.charCodeAt(index) !== 32) return false;
    this.day = day;
    // Only the shape is checked here; the digits are read if the line turns out to matter.
    if (!this.validDate() || text.charCodeAt(index + 3) !== 58 || text.charCodeAt(index + 6) !== 58 || !isDigit(text.charCodeAt(index + 8))) return false;
    this.clockIndex = index + 1;
    this.end = this.readFraction(text, index + 9);
    this.offset = LOCAL;
    this.format = 'bsd';
    return true;
  }

  // "2024-03-04T10:12:01", "2024-03-04 10:12:01", fraction, then Z, +01:00, +0100 or +01.
  private parseIso(text: string, start: number): boolean {
    this.year = digitsAt(text, start, 4);
    this.month = digitsAt(text, start + 5, 2);
    this.day = digitsAt(text, start + 8, 2);
    const separator = text.charCodeAt(start + 10);
    if (this.year < 0 || text.charCodeAt(start + 7) !== 45 || (separator !== 84 && separator !== 32)) return false;
    if (!this.validDate() || !this.setClock(text, start + 11)) return false;
    let index = this.readFraction(text, start + 19);
    const zone = text.charCodeAt(index);
    this.offset = LOCAL;
    if (zone === 90) {
      this.offset = 0;
      index++;
    } else if (zone === 43 || zone === 45) {
      const hours = digitsAt(text, index + 1, 2);
      if (hours < 0) return false;
      let minutes = 0;
      let width = 3;
      if (text.charCodeAt(index + 3) === 58) {
        minutes = digitsAt(text, index + 4, 2);
        width = 6;
      } else if (isDigit(text.charCodeAt(index + 3))) {
        minutes = digitsAt(text, index + 3, 2);
        width = 5;
      }
      if (minutes < 0 || hours > 23 || minutes > 59) return false;
      this.offset = (zone === 45 ? -1 : 1) * (hours * 60 + minutes);
      index += width;
    }
    this.end = index;
    this.format = 'iso';
    return true;
  }

  // "2024/03/04 10:12:01"
  private parseNginx(text: string, start: number): boolean {
    this.year = digitsAt(text, start, 4);
    this.month = digitsAt(text, start + 5, 2);
    this.day = digitsAt(text, start + 8, 2);
    if (this.year < 0 || text.charCodeAt(start + 7) !== 47 || text.charCodeAt(start + 10) !== 32) return false;
    if (!this.validDate() || !this.setClock(text, start + 11)) return false;
    this.millis = 0;
    this.offset = LOCAL;
    this.end = start + 19;
    this.format = 'nginx';
    return true;
  }

  // "[Mon Mar 04 10:12:01.123456 2024]" (2.4) and "[Mon Mar 04 10:12:01 2024]" (2.2)
  private parseApache(text: string, start: number): boolean {
    if (text.charCodeAt(start + 4) !== 32 || text.charCodeAt(start + 8) !== 32) return false;
    this.month = monthAt(text, start + 5);
    this.day = digitsAt(text, start + 9, 2);
    if (this.month === 0 || text.charCodeAt(start + 11) !== 32) return false;
    if (!this.validDate() || !this.setClock(text, start + 12)) return false;
    const index = this.readFraction(text, start + 20);
    this.year = digitsAt(text, index + 1, 4);
    if (text.charCodeAt(index) !== 32 || this.year < 0 || text.charCodeAt(index + 5) !== 93) return false;
    this.offset = LOCAL;
    this.end = index + 6;
    this.format = 'apache';
    return true;
  }

  // "@" + 16 hex digits of 2^62 + TAI seconds + 8 hex digits of nanoseconds.
  private parseTai64n(text: string, start: number): boolean {
    const high = Number.parseInt(text.slice(start + 1, start + 9), 16);
    const low = Number.parseInt(text.slice(start + 9, start + 17), 16);
    const nanoseconds = Number.parseInt(text.slice(start + 17, start + 25), 16);
    if (!/^@[0-9a-fA-F]{24}/.test(text.slice(start, start + 25)) || high < 0x40000000) return false;
    // TAI runs 10 s ahead of the Unix clock in this label's convention (libtai's tai_now).
    this.tai64Seconds = (high - 0x40000000) * 2 ** 32 + low - 10;
    this.millis = Math.floor(nanoseconds / 1e6);
    this.end = start + 25;
    this.format = 'tai64n';
    return true;
  }
}

export interface ParsedTimestamp {
  readonly time: number;
  readonly format: TimestampFormat;
  /** Index just past the timestamp. */
  readonly end: number;
}

/** One-off parse (tools and tests); the matcher keeps a TimestampParser instead. */
export function parseTimestamp(text: string, options: { yearReference: number; start?: number }): ParsedTimestamp | null {
  const parser = new TimestampParser(() => options.yearReference);
  if (!parser.parse(text, options.start ?? 0)) return null;
  const time = parser.time();
  if (Number.isNaN(time)) return null;
  return { time, format: parser.format!, end: parser.end };
}
