// Timestamp parsing: every supported format, year inference for syslog's yearless dates, and junk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimestamp, TimestampParser } from '../../../helper/filters/timestamp.js';

// Local-time formats are read in the process time zone: fix it so that the expectations hold anywhere.
process.env.TZ = 'UTC';

const iso = (text: string): number => Date.parse(text);
const parse = (text: string, reference = iso('2024-06-30T12:00:00Z')) => parseTimestamp(text, { yearReference: reference });

test('a BSD syslog timestamp takes the year of the reference time', () => {
  const parsed = parse('Mar  4 10:12:01 host sshd[1]: x');
  assert.deepEqual(parsed, { time: iso('2024-03-04T10:12:01Z'), format: 'bsd', end: 15 });
});

test('BSD days may be space-padded, zero-padded or bare', () => {
  assert.equal(parse('Mar  4 10:12:01 x')?.time, iso('2024-03-04T10:12:01Z'));
  assert.equal(parse('Mar 04 10:12:01 x')?.time, iso('2024-03-04T10:12:01Z'));
  assert.equal(parse('Mar 4 10:12:01 x')?.time, iso('2024-03-04T10:12:01Z'));
  assert.equal(parse('Mar 4 10:12:01 x')?.end, 14);
});

test('a December line read in early January belongs to the previous year', () => {
  const january = iso('2025-01-01T00:05:00Z');
  assert.equal(parse('Dec 31 23:59:58 host x', january)?.time, iso('2024-12-31T23:59:58Z'));
  assert.equal(parse('Jan  1 00:04:00 host x', january)?.time, iso('2025-01-01T00:04:00Z'));
});

test('a line up to a day ahead of the reference keeps the reference year (clock skew, time zones)', () => {
  const reference = iso('2024-06-30T12:00:00Z');
  assert.equal(parse('Jul  1 06:00:00 x', reference)?.time, iso('2024-07-01T06:00:00Z'));
  assert.equal(parse('Jul  2 13:00:00 x', reference)?.time, iso('2023-07-02T13:00:00Z'));
});

test('a January 1st line just ahead of a December 31st reference belongs to the year after (clock skew)', () => {
  const reference = iso('2024-12-31T23:59:58Z');
  assert.equal(parse('Jan  1 00:00:05 host x', reference)?.time, iso('2025-01-01T00:00:05Z'));
  // Up to the future tolerance (a day) ahead, and not beyond it.
  assert.equal(parse('Jan  1 23:59:00 host x', reference)?.time, iso('2025-01-01T23:59:00Z'));
  assert.equal(parse('Jan  2 00:00:05 host x', reference)?.time, iso('2024-01-02T00:00:05Z'));
  // The reference's own day stays in its year.
  assert.equal(parse('Dec 31 23:59:50 host x', reference)?.time, iso('2024-12-31T23:59:50Z'));
  // Further from New Year, a January line is the reference year's.
  assert.equal(parse('Jan  1 00:00:05 host x', iso('2024-12-30T12:00:00Z'))?.time, iso('2024-01-01T00:00:05Z'));
});

test('February 29 goes to the latest leap year that is not in the future', () => {
  assert.equal(parse('Feb 29 08:00:00 x', iso('2025-03-10T00:00:00Z'))?.time, iso('2024-02-29T08:00:00Z'));
});

test('a BSD timestamp may carry a fraction of a second', () => {
  assert.equal(parse('Mar  4 10:12:01.250 x')?.time, iso('2024-03-04T10:12:01.250Z'));
});

test('the year reference is asked again on every line, so a live tailer follows the calendar', () => {
  let reference = iso('2024-12-30T12:00:00Z');
  const parser = new TimestampParser(() => reference);
  assert.ok(parser.parse('Jan  1 00:00:10 x', 0));
  assert.equal(parser.time(), iso('2024-01-01T00:00:10Z'));
  // Same reference year, same stamp: the kept conversion must not hide that the year after now fits.
  reference = iso('2024-12-31T23:59:58Z');
  assert.ok(parser.parse('Jan  1 00:00:10 x', 0));
  assert.equal(parser.time(), iso('2025-01-01T00:00:10Z'));
  reference = iso('2025-01-01T00:00:30Z');
  assert.ok(parser.parse('Jan  1 00:00:10 x', 0));
  assert.equal(parser.time(), iso('2025-01-01T00:00:10Z'));
});

test('ISO 8601 and RFC 3339 timestamps keep their fraction and offset', () => {
  assert.equal(parse('2015-04-16T18:02:50.321974+00:00 host sshd[1]: x')?.time, iso('2015-04-16T18:02:50.321Z'));
  assert.equal(parse('2024-03-04T10:26:00.250331+01:00 x')?.time, iso('2024-03-04T09:26:00.250Z'));
  assert.equal(parse('2024-03-04T10:26:00-0530 x')?.time, iso('2024-03-04T15:56:00Z'));
  assert.equal(parse('2024-03-04T10:26:00Z x')?.time, iso('2024-03-04T10:26:00Z'));
  assert.equal(parse('2024-03-04T10:26:00.5Z x')?.end, 22);
});

test('ISO timestamps without an offset, with a space separator, are local time', () => {
  assert.deepEqual(parse('2013-08-11 03:56:40 auth-worker(1): x'), { time: iso('2013-08-11T03:56:40Z'), format: 'iso', end: 19 });
});

test('the nginx error log timestamp is local time', () => {
  assert.deepEqual(parse('2011/12/25 17:09:15 [error] 6711#0: *1 x'), { time: iso('2011-12-25T17:09:15Z'), format: 'nginx', end: 19 });
});

test('apache 2.4 and 2.2 error log timestamps are read with their year', () => {
  assert.deepEqual(parse('[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] x'), {
    time: iso('2000-10-11T14:32:52.123Z'),
    format: 'apache',
    end: 33,
  });
  assert.deepEqual(parse('[Sun Jul 11 01:56:40 2010] [error] [client 192.0.2.1] x'), { time: iso('2010-07-11T01:56:40Z'), format: 'apache', end: 26 });
});

test('a TAI64N label counts TAI seconds from 2^62 and runs 10 seconds ahead of Unix time', () => {
  assert.equal(parse('@4000000065e5ba9a00000000 imap-login: x')?.time, iso('2024-03-04T12:12:00Z'));
  assert.equal(parse('@4000000065e5ba9a1dcd6500 x')?.time, iso('2024-03-04T12:12:00.500Z'));
});

test('local times follow the time zone of the process, daylight saving included', () => {
  const parser = new TimestampParser(() => iso('2024-06-30T12:00:00Z'));
  const previous = process.env.TZ;
  process.env.TZ = 'Europe/Paris';
  try {
    assert.ok(parser.parse('Jul  1 10:00:00 x', 0));
    assert.equal(parser.time(), iso('2024-07-01T08:00:00Z'));
    assert.ok(parser.parse('2024/01/15 10:00:00 x', 0));
    assert.equal(parser.time(), iso('2024-01-15T09:00:00Z'));
  } finally {
    process.env.TZ = previous;
  }
});

test('text that only looks like a timestamp is none', () => {
  for (const text of [
    'Foo  4 10:12:01 x',
    'Mar 32 10:12:01 x',
    'Mar  4 25:12:01 x',
    'Mar  4 10:61:01 x',
    '2024-13-04T10:00:00Z',
    '2024-02-30 10:00:00',
    '2024/03/04 1:00:00',
    '[Mon Foo 04 10:00:00 2024]',
    '@40000000',
    '@3fffffff65e5ba9a00000000',
    'sshd[1]: Failed password',
    '',
  ]) {
    assert.equal(parse(text), null, text);
  }
});

test('binary garbage is no timestamp and does not throw', () => {
  const garbage = String.fromCharCode(...Array.from({ length: 256 }, (_unused, index) => (index * 37) % 256));
  assert.equal(parse(garbage), null);
  assert.equal(parse('\u0000\u0000\u0000'), null);
});
