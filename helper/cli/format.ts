// Human output of the CLI: aligned tables, short durations, timestamps.

/** "45s", "10m", "1h30m", "2d", or "permanent" for 0. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return 'permanent';
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  let rest = Math.round(seconds);
  const parts: string[] = [];
  for (const [size, suffix] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${suffix}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join('') : '0s';
}

/** Local time as "YYYY-MM-DD HH:MM:SS", or "-" when unknown. */
export function formatLocalTime(epochMs: number | null): string {
  if (epochMs === null) return '-';
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

const BARS = '▁▂▃▄▅▆▇█';

/** Counts as one bar each, scaled to the largest; a zero is a blank so quiet hours stand out. */
export function formatSparkline(counts: readonly number[]): string {
  const peak = Math.max(0, ...counts);
  return counts.map((count) => (count <= 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.ceil((count / peak) * BARS.length) - 1)])).join('');
}

/** Rows of cells as aligned columns; the first row is the header. Cells never wrap. */
export function formatTable(rows: readonly (readonly string[])[], options: { indent?: string } = {}): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows
    .map((row) => (options.indent ?? '') + row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join('  '))
    .join('\n');
}

/** "in 9m", "3h ago", "now": a moment relative to `now` (both epoch seconds). */
export function formatRelative(epochSeconds: number, nowSeconds: number): string {
  const delta = epochSeconds - nowSeconds;
  if (Math.abs(delta) < 1) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/** ANSI colour when the stream is a terminal and NO_COLOR is not set; plain text otherwise. */
export function painter(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): (colour: 'red' | 'green' | 'yellow' | 'dim' | 'bold', text: string) => string {
  const codes = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
  const enabled = Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return (colour, text) => (enabled ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text);
}
