// How numbers, times and durations read in the window: one formatter each, so pages agree.

const numberFormat = new Intl.NumberFormat(undefined);
export const formatCount = (value: number): string => numberFormat.format(value);
const compactFormat = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
/** "12K", "1.5M": for chart axes, where space is short. */
export const formatCompact = (value: number): string => compactFormat.format(value);

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const shortDateTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** Full date and time of epoch seconds. */
export const formatDateTime = (epochSecs: number): string => (epochSecs > 0 ? dateTimeFormat.format(epochSecs * 1000) : '—');
/** Compact date and time of epoch seconds, for table cells. */
export const formatShortDateTime = (epochSecs: number): string => (epochSecs > 0 ? shortDateTimeFormat.format(epochSecs * 1000) : '—');
/** Time of day of epoch milliseconds. */
export const formatClock = (epochMs: number): string => timeFormat.format(epochMs);
export const formatHour = (epochMs: number): string => hourFormat.format(epochMs);

const UNITS: readonly [seconds: number, short: string][] = [
  [86_400, 'day'],
  [3_600, 'h'],
  [60, 'min'],
  [1, 's'],
];

/** "4 min 12 s", "2 h 5 min", "3 days 4 h": the largest unit and the next one, for a count of seconds. */
export function formatSpan(totalSecs: number): string {
  const secs = Math.max(0, Math.floor(totalSecs));
  const name = (count: number, unit: string) => (unit === 'day' ? `${count} day${count === 1 ? '' : 's'}` : `${count} ${unit}`);
  for (let index = 0; index < UNITS.length; index++) {
    const [size, unit] = UNITS[index]!;
    const count = Math.floor(secs / size);
    if (count === 0) continue;
    const next = UNITS[index + 1];
    const rest = next ? Math.floor((secs - count * size) / next[0]) : 0;
    return next && rest > 0 ? `${name(count, unit)} ${name(rest, next[1])}` : name(count, unit);
  }
  return '0 s';
}

/** Duration setting (ban time, find time): "10 min", "1 h", "permanent" for 0 when `zeroIsPermanent`. */
export function formatDuration(secs: number, options: { zeroIsPermanent?: boolean } = {}): string {
  if (secs === 0 && options.zeroIsPermanent) return 'permanent';
  return formatSpan(secs);
}

/** A ban's expiry against now: "in 4 min 12 s", "permanent", "expired". */
export function formatExpiry(expiresAt: number, nowMs: number): string {
  if (expiresAt === 0) return 'permanent';
  const left = expiresAt - Math.floor(nowMs / 1000);
  return left <= 0 ? 'expired' : `in ${formatSpan(left)}`;
}

/** "12 s ago", "5 min ago", "3 h ago", else the date. */
export function formatAgo(epochSecs: number, nowMs: number): string {
  const ago = Math.floor(nowMs / 1000) - epochSecs;
  if (ago < 5) return 'just now';
  if (ago < 86_400 * 2) return `${formatSpan(ago).split(' ').slice(0, 2).join(' ')} ago`;
  return formatShortDateTime(epochSecs);
}

/** uid as a person reads it: the helper itself, root, or the number. */
export function formatUid(uid: number): string {
  if (uid === 0xffff_ffff) return 'helper';
  if (uid === 0) return 'root';
  return `uid ${uid}`;
}
