// The windowed table of bans: fixed row height, only the visible rows (plus a few) are in the DOM,
// one clock for the countdowns of those rows, arrow keys move between rows.
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { BanInfo } from '../helper/protocol/index.js';
import { EXTENSIONS, type Extension } from './actions.js';
import { firstDirection, type SortKey, type SortOrder } from './ban-order.js';
import { useNow } from './clock.js';
import { formatCount, formatDateTime, formatExpiry, formatShortDateTime } from './format.js';

export const ROW_HEIGHT = 40;
const HEADER_HEIGHT = 40;
const OVERSCAN = 10;

export type RowAction = { kind: 'unban' } | { kind: 'whitelist' } | { kind: 'extend'; extension: Extension };

const COLUMNS: readonly { key: SortKey; label: string; className: string }[] = [
  { key: 'ip', label: 'Address', className: 'col-address' },
  { key: 'service', label: 'Service', className: 'col-service' },
  { key: 'reason', label: 'Reason', className: 'col-reason' },
  { key: 'source', label: 'Source', className: 'col-source' },
  { key: 'failures', label: 'Failures', className: 'col-failures numeric' },
  { key: 'banned_at', label: 'Banned at', className: 'col-banned' },
  { key: 'expires_at', label: 'Expires', className: 'col-expires' },
];

function SortIcon(props: { direction: 'ascending' | 'descending' | null }) {
  return (
    <svg className={`sort-icon ${props.direction ? 'sort-icon-active' : ''}`} viewBox="0 0 10 12" aria-hidden="true" focusable="false">
      <path className={props.direction === 'ascending' ? 'on' : ''} d="M5 1 8.5 5h-7L5 1Z" />
      <path className={props.direction === 'descending' ? 'on' : ''} d="M5 11 1.5 7h7L5 11Z" />
    </svg>
  );
}

interface RowProps {
  readonly ban: BanInfo;
  readonly index: number;
  readonly now: number;
  readonly selected: boolean;
  readonly busy: boolean;
  /** The helper is not running: nothing can be changed. */
  readonly actionsDisabled: boolean;
  readonly onToggle: (ip: string, index: number, shiftKey: boolean) => void;
  readonly onAction: (ban: BanInfo, action: RowAction) => void;
  readonly onOpen: (ip: string) => void;
}

const BanRow = memo(function BanRow({ ban, index, now, selected, busy, actionsDisabled, onToggle, onAction, onOpen }: RowProps) {
  const expiry = formatExpiry(ban.expires_at, now);
  const secondsLeft = ban.expires_at === 0 ? Infinity : ban.expires_at - now / 1000;
  return (
    <tr data-address={ban.ip} data-index={index} aria-rowindex={index + 2} className={selected ? 'selected' : undefined}>
      <td className="col-select">
        <input
          type="checkbox"
          data-col="select"
          aria-label={`Select ${ban.ip}`}
          checked={selected}
          onChange={(event) => onToggle(ban.ip, index, (event.nativeEvent as MouseEvent).shiftKey === true)}
        />
      </td>
      <td className="col-address" title={ban.ip.length > 18 ? ban.ip : undefined}>
        <button type="button" className="link-button mono" data-col="address" onClick={() => onOpen(ban.ip)} title={`What is known about ${ban.ip}`}>
          {ban.ip}
        </button>
      </td>
      <td className="col-service">{ban.service || <span className="muted">{ban.source === 'manual' ? 'manual' : '–'}</span>}</td>
      <td className="col-reason" title={ban.reason}>
        {ban.reason}
      </td>
      <td className="col-source">
        {ban.source === 'detector' ? <span className="muted">detector</span> : <span className={`tag tag-source-${ban.source}`}>{ban.source}</span>}
      </td>
      <td className="col-failures numeric">{ban.failures > 0 ? formatCount(ban.failures) : <span className="muted">–</span>}</td>
      <td className="col-banned" title={formatDateTime(ban.banned_at)}>
        {formatShortDateTime(ban.banned_at)}
      </td>
      <td className={`col-expires ${secondsLeft < 300 ? 'expiring' : ''}`} title={ban.expires_at ? formatDateTime(ban.expires_at) : 'Never expires'}>
        {ban.expires_at === 0 ? <span className="tag tag-permanent">permanent</span> : expiry}
      </td>
      <td className="col-actions">
        <div className="row-actions">
          <button type="button" className="button button-small" data-col="unban" aria-label={`Unban ${ban.ip}`} disabled={busy || actionsDisabled} onClick={() => onAction(ban, { kind: 'unban' })}>
            Unban
          </button>
          <button
            type="button"
            className="button button-small"
            data-col="whitelist"
            aria-label={`Whitelist ${ban.ip}`}
            disabled={busy || actionsDisabled}
            onClick={() => onAction(ban, { kind: 'whitelist' })}
          >
            Whitelist
          </button>
          <ExtendSelect
            className="select-small"
            label={`Extend ${ban.ip}`}
            placeholder="Extend"
            disabled={busy || actionsDisabled || ban.expires_at === 0}
            title={ban.expires_at === 0 ? 'Already permanent' : 'Make this ban longer'}
            onChoose={(extension) => onAction(ban, { kind: 'extend', extension })}
          />
        </div>
      </td>
    </tr>
  );
});

export interface BansTableProps {
  readonly rows: readonly BanInfo[];
  readonly order: SortOrder;
  readonly onSort: (order: SortOrder) => void;
  readonly selected: ReadonlySet<string>;
  readonly selectedMatching: number;
  readonly onToggle: (ip: string, index: number, shiftKey: boolean) => void;
  readonly onToggleAll: () => void;
  readonly busy: ReadonlySet<string>;
  readonly onAction: (ban: BanInfo, action: RowAction) => void;
  /** The helper is not running: the row actions are off (the rows can still be selected and opened). */
  readonly actionsDisabled: boolean;
  readonly onOpen: (ip: string) => void;
  /** Scroll back to the top when this changes (a new filter or sort). */
  readonly resetKey: string;
}

export function BansTable(props: BansTableProps) {
  const { rows, order } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const allRef = useRef<HTMLInputElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(800);
  const pendingFocus = useRef<{ index: number; column: string } | null>(null);
  const now = useNow(1000);

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setViewport(element.clientHeight));
    observer.observe(element);
    setViewport(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
    setScrollTop(0);
  }, [props.resetKey]);

  const allChecked = rows.length > 0 && props.selectedMatching === rows.length;
  useEffect(() => {
    if (allRef.current) allRef.current.indeterminate = props.selectedMatching > 0 && !allChecked;
  }, [props.selectedMatching, allChecked]);

  // Keep the rendered window inside the list when rows disappear under it.
  const maxTop = Math.max(0, rows.length * ROW_HEIGHT + HEADER_HEIGHT - viewport);
  const top = Math.min(scrollTop, maxTop);
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((top + viewport) / ROW_HEIGHT) + OVERSCAN);

  useLayoutEffect(() => {
    const target = pendingFocus.current;
    if (!target) return;
    const element = scrollRef.current?.querySelector<HTMLElement>(`tr[data-index="${target.index}"] [data-col="${target.column}"]`);
    if (element) {
      pendingFocus.current = null;
      element.focus({ preventScroll: true });
    }
  });

  const focusRow = useCallback(
    (index: number, column: string) => {
      const element = scrollRef.current;
      if (!element) return;
      const rowTop = HEADER_HEIGHT + index * ROW_HEIGHT;
      let nextTop = element.scrollTop;
      if (rowTop - HEADER_HEIGHT < nextTop) nextTop = rowTop - HEADER_HEIGHT;
      else if (rowTop + ROW_HEIGHT > nextTop + element.clientHeight) nextTop = rowTop + ROW_HEIGHT - element.clientHeight;
      pendingFocus.current = { index, column };
      if (nextTop !== element.scrollTop) {
        element.scrollTop = nextTop;
        setScrollTop(nextTop);
      } else {
        element.querySelector<HTMLElement>(`tr[data-index="${index}"] [data-col="${column}"]`)?.focus();
        pendingFocus.current = null;
      }
    },
    [],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLTableSectionElement>) => {
    const target = event.target as HTMLElement;
    if (target.tagName === 'SELECT') return;
    const row = target.closest<HTMLElement>('tr[data-index]');
    const column = target.closest<HTMLElement>('[data-col]')?.dataset.col;
    if (!row || !column) return;
    const index = Number(row.dataset.index);
    const page = Math.max(1, Math.floor((viewport - HEADER_HEIGHT) / ROW_HEIGHT) - 1);
    let next: number | null = null;
    if (event.key === 'ArrowDown') next = index + 1;
    else if (event.key === 'ArrowUp') next = index - 1;
    else if (event.key === 'PageDown') next = index + page;
    else if (event.key === 'PageUp') next = index - page;
    else if (event.key === 'Home' && event.ctrlKey) next = 0;
    else if (event.key === 'End' && event.ctrlKey) next = rows.length - 1;
    if (next === null) return;
    event.preventDefault();
    focusRow(Math.max(0, Math.min(rows.length - 1, next)), column);
  };

  const sortBy = (key: SortKey) => {
    props.onSort(order.key === key ? { key, direction: order.direction === 'ascending' ? 'descending' : 'ascending' } : { key, direction: firstDirection(key) });
  };

  return (
    <div className="table-scroll" ref={scrollRef} onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}>
      <table className="data-table bans-table" aria-label="Active bans" aria-rowcount={rows.length + 1}>
        <colgroup>
          <col className="col-select" />
          {COLUMNS.map((column) => (
            <col key={column.key} className={column.className} />
          ))}
          <col className="col-actions" />
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col" className="col-select">
              <input ref={allRef} type="checkbox" aria-label="Select all matching bans" checked={allChecked} onChange={props.onToggleAll} disabled={rows.length === 0} />
            </th>
            {COLUMNS.map((column) => {
              const active = order.key === column.key ? order.direction : null;
              return (
                <th key={column.key} scope="col" className={column.className} aria-sort={active ?? 'none'}>
                  <button type="button" className="sort-button" onClick={() => sortBy(column.key)}>
                    {column.label}
                    <SortIcon direction={active} />
                  </button>
                </th>
              );
            })}
            <th scope="col" className="col-actions">
              Actions
            </th>
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {first > 0 ? (
            <tr aria-hidden="true" className="spacer">
              <td colSpan={9} style={{ height: first * ROW_HEIGHT }} />
            </tr>
          ) : null}
          {rows.slice(first, last).map((ban, offset) => (
            <BanRow
              key={ban.ip}
              ban={ban}
              index={first + offset}
              now={now}
              selected={props.selected.has(ban.ip)}
              busy={props.busy.has(ban.ip)}
              actionsDisabled={props.actionsDisabled}
              onToggle={props.onToggle}
              onAction={props.onAction}
              onOpen={props.onOpen}
            />
          ))}
          {last < rows.length ? (
            <tr aria-hidden="true" className="spacer">
              <td colSpan={9} style={{ height: (rows.length - last) * ROW_HEIGHT }} />
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}

/** A select that offers the ban extensions and reports the one chosen (it then shows its placeholder again). */
export function ExtendSelect(props: { className: string; label: string; placeholder: string; disabled: boolean; title?: string; onChoose: (extension: Extension) => void }) {
  return (
    <select
      className={props.className}
      data-col="extend"
      aria-label={props.label}
      value=""
      disabled={props.disabled}
      title={props.title}
      onChange={(event) => {
        const extension = event.currentTarget.value as Extension;
        if (extension) props.onChoose(extension);
      }}
    >
      <option value="" disabled>
        {props.placeholder}
      </option>
      {EXTENSIONS.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}
