// Charts drawn as inline SVG: attacks per hour, and horizontal bar lists (top services, countries).
import { useRef } from 'react';
import { formatCompact, formatCount, formatHour } from './format.js';
import { useWidth } from './use-width.js';

/** A round number at or above `value` (1, 2 or 5 times a power of ten), for the axis. */
function niceCeiling(value: number): number {
  if (value <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/**
 * 24 bars of failed attempts, oldest first: bar i covers the hour [now-(24-i) h, now-(23-i) h), so
 * the last is the 60 minutes up to now. Bans in the same windows, when known, are red marks on top.
 */
export function HourlyChart(props: { counts: readonly number[]; bans: readonly number[] | null; now: number }) {
  const containerRef = useRef<HTMLDivElement>(null);
  const width = useWidth(containerRef);
  const height = 200;
  const { counts, bans } = props;
  const max = niceCeiling(Math.max(0, ...counts));
  const ticks = [0, max / 2, max];
  const left = 14 + 7 * Math.max(...ticks.map((tick) => formatCompact(tick).length));
  const right = 8;
  const top = 10;
  const bottom = 26;
  const plotWidth = Math.max(10, width - left - right);
  const plotHeight = height - top - bottom;
  const slot = plotWidth / counts.length;
  const barWidth = Math.max(2, slot * (bans ? 0.5 : 0.7));
  const banWidth = Math.max(2, slot * 0.22);
  const windowStart = (index: number) => props.now - (counts.length - index) * 3_600_000;
  const total = counts.reduce((sum, count) => sum + count, 0);
  const totalBans = bans ? bans.reduce((sum, count) => sum + count, 0) : null;
  const peakIndex = counts.indexOf(Math.max(...counts));
  const summary =
    total === 0
      ? 'No failed attempts in the last 24 hours.'
      : `Failed attempts per hour over the last 24 hours: ${formatCount(total)} in all, most between ${formatHour(windowStart(peakIndex))} and ${formatHour(windowStart(peakIndex + 1))} (${formatCount(counts[peakIndex] ?? 0)})${totalBans !== null ? `; ${formatCount(totalBans)} bans` : ''}.`;

  return (
    <div className="chart" ref={containerRef}>
      <svg width={width} height={height} role="img" aria-label={summary}>
        {ticks.map((tick) => {
          const y = top + plotHeight - (tick / max) * plotHeight;
          return (
            <g key={tick} className="chart-grid">
              <line x1={left} x2={width - right} y1={y} y2={y} />
              <text x={left - 8} y={y} dy="0.32em" textAnchor="end">
                {formatCompact(tick)}
              </text>
            </g>
          );
        })}
        {counts.map((count, index) => {
          const barHeight = count === 0 ? 0 : Math.max(2, (count / max) * plotHeight);
          const x = left + index * slot + (slot - barWidth - (bans ? banWidth + 1 : 0)) / 2;
          const banCount = bans?.[index] ?? 0;
          const banHeight = banCount === 0 ? 0 : Math.max(2, (banCount / max) * plotHeight);
          return (
            <g key={index} className="chart-bar">
              <title>{`${formatHour(windowStart(index))}–${formatHour(windowStart(index + 1))}: ${formatCount(count)} failed attempt${count === 1 ? '' : 's'}${bans ? `, ${formatCount(banCount)} ban${banCount === 1 ? '' : 's'}` : ''}`}</title>
              <rect x={left + index * slot} y={top} width={slot} height={plotHeight} className="chart-hit" />
              <rect x={x} y={top + plotHeight - barHeight} width={barWidth} height={barHeight} rx={Math.min(3, barWidth / 3)} className="chart-attempts" />
              {banCount > 0 ? <rect x={x + barWidth + 1} y={top + plotHeight - banHeight} width={banWidth} height={banHeight} rx={Math.min(2, banWidth / 3)} className="chart-bans" /> : null}
            </g>
          );
        })}
        {counts.map((_, index) =>
          (counts.length - index) % 6 === 0 ? (
            <text key={index} className="chart-label" x={left + index * slot} y={height - 8} textAnchor="middle">
              {`−${counts.length - index} h`}
            </text>
          ) : null,
        )}
        <text className="chart-label" x={width - right} y={height - 8} textAnchor="end">
          now
        </text>
      </svg>
      <p className="chart-legend" aria-hidden="true">
        <span className="legend-swatch legend-attempts" /> failed attempts
        {bans ? (
          <>
            <span className="legend-swatch legend-bans" /> bans
          </>
        ) : null}
      </p>
    </div>
  );
}

export interface BarItem {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  readonly hint?: string;
}

/** A ranked list with proportional bars; the numbers are the text, the bars only decoration. */
export function BarList(props: { items: readonly BarItem[]; unit: string; label: string }) {
  const max = Math.max(1, ...props.items.map((item) => item.value));
  return (
    <ol className="bar-list" aria-label={props.label}>
      {props.items.map((item) => (
        <li key={item.key} className="bar-item">
          <div className="bar-item-text">
            <span className="bar-item-label" title={item.hint}>
              {item.label}
            </span>
            <span className="bar-item-value">
              {formatCount(item.value)}
              <span className="visually-hidden"> {props.unit}</span>
            </span>
          </div>
          <div className="bar-track" aria-hidden="true">
            <div className="bar-fill" style={{ width: `${(item.value / max) * 100}%` }} />
          </div>
        </li>
      ))}
    </ol>
  );
}
