// Bans: every active ban in a windowed table, with filter, sort, selection, and Unban / Whitelist /
// Extend for one row or for the selection.
import { useCallback, useDeferredValue, useMemo, useRef, useState, type ReactNode } from 'react';
import type { BridgeError, BridgeErrorKind, HelperConnection, Result } from '../../electron/bridge.js';
import type { BanInfo } from '../../helper/protocol/index.js';
import { EXTENSIONS, extendBan, unbanAddress, whitelistAddress, type Extension } from '../actions.js';
import { filterBans, resortAfterChange, sortBans, type SortOrder } from '../ban-order.js';
import { BansTable, ExtendSelect, type RowAction } from '../bans-table.js';
import { reloadBans, useBans } from '../bans-store.js';
import { Empty, ErrorAlert, Loading, Offline, PageHeader, RefreshButton } from '../components.js';
import { useConnection } from '../connection.js';
import { describeError } from '../errors.js';
import { formatCount } from '../format.js';
import { openIntel } from '../panel-store.js';

type BulkAction = { kind: 'unban' } | { kind: 'whitelist' } | { kind: 'extend'; extension: Extension };

interface BulkRun {
  readonly action: BulkAction;
  readonly total: number;
  readonly done: number;
  readonly failures: readonly { ip: string; error: BridgeError }[];
  readonly finished: boolean;
  readonly cancelled: boolean;
}

const BULK_CONCURRENCY = 4;
/** Failures every further call of a run would repeat, each perhaps after a password prompt: they end the run. */
const ENDS_THE_RUN: ReadonlySet<BridgeErrorKind> = new Set(['NotAuthorized', 'InteractionRequired', 'AccessDenied']);

/** Said beside the count while the list cannot be read (the app-wide banner says why). */
const STALE_NOTE: Partial<Record<HelperConnection['state'], string>> = {
  stopped: 'As last read, before the helper stopped.',
  unreachable: 'As last read, before the system bus stopped answering.',
};

const verbs = (action: BulkAction) =>
  action.kind === 'unban'
    ? { running: 'Unbanning', past: 'Unbanned' }
    : action.kind === 'whitelist'
      ? { running: 'Whitelisting', past: 'Whitelisted' }
      : { running: 'Extending', past: 'Extended' };

type Outcome = { kind: 'ok'; text: string } | { kind: 'error'; prefix: string; error: BridgeError };

async function runAction(ban: BanInfo, action: BulkAction | RowAction): Promise<Result<unknown>> {
  if (action.kind === 'unban') return unbanAddress(ban.ip);
  if (action.kind === 'whitelist') return whitelistAddress(ban.ip, 'whitelisted from the bans table');
  return extendBan(ban, action.extension);
}

/** Failures grouped by what went wrong: "3 addresses: That address is not banned (any more)." */
function FailureSummary(props: { failures: BulkRun['failures'] }) {
  const groups = new Map<string, { error: BridgeError; ips: string[] }>();
  for (const failure of props.failures) {
    const group = groups.get(failure.error.kind) ?? { error: failure.error, ips: [] };
    group.ips.push(failure.ip);
    groups.set(failure.error.kind, group);
  }
  return (
    <ul className="failure-list">
      {[...groups.values()].map((group) => (
        <li key={group.error.kind}>
          <strong>
            {formatCount(group.ips.length)} {group.ips.length === 1 ? 'address' : 'addresses'}:
          </strong>{' '}
          {describeError(group.error)}{' '}
          <span className="mono small muted">
            {group.ips.slice(0, 5).join(', ')}
            {group.ips.length > 5 ? ` and ${formatCount(group.ips.length - 5)} more` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function BansPage() {
  const bansState = useBans();
  const { connection } = useConnection();
  // Without the helper nothing can be changed: the actions are off and the list is marked as old.
  const helperRunning = connection.state === 'running';
  const staleNote = STALE_NOTE[connection.state];
  const [order, setOrder] = useState<SortOrder>({ key: 'banned_at', direction: 'descending' });
  const [filter, setFilter] = useState('');
  const deferredFilter = useDeferredValue(filter);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [bulk, setBulk] = useState<BulkRun | null>(null);
  const [confirmWhitelist, setConfirmWhitelist] = useState(false);
  const cancelBulk = useRef(false);
  const lastToggled = useRef<number | null>(null);

  // Sorted once per list and order; after a small change (events, a re-read) only the changed bans move.
  const lastSort = useRef<{ bans: readonly BanInfo[]; order: SortOrder; sorted: readonly BanInfo[] } | null>(null);
  const sorted = useMemo(() => {
    const last = lastSort.current;
    const change = bansState.change;
    const result =
      (last && last.order === order && change && change.previous === last.bans ? resortAfterChange(last.sorted, change, order) : null) ?? sortBans(bansState.bans, order);
    lastSort.current = { bans: bansState.bans, order, sorted: result };
    return result;
  }, [bansState.bans, bansState.change, order]);
  const rows = useMemo(() => filterBans(sorted, deferredFilter), [sorted, deferredFilter]);
  const selectedMatching = useMemo(() => {
    if (selected.size === 0) return 0;
    let count = 0;
    for (const ban of rows) if (selected.has(ban.ip)) count++;
    return count;
  }, [rows, selected]);
  // Selected addresses whose ban has ended meanwhile no longer count.
  const selectedBans = useMemo(() => (selected.size === 0 ? [] : bansState.bans.filter((ban) => selected.has(ban.ip))), [bansState.bans, selected]);

  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  const onToggle = useCallback((ip: string, index: number, shiftKey: boolean) => {
    setSelected((previous) => {
      const next = new Set(previous);
      const on = !previous.has(ip);
      if (shiftKey && lastToggled.current !== null) {
        const [from, to] = [Math.min(lastToggled.current, index), Math.max(lastToggled.current, index)];
        for (const ban of rowsRef.current.slice(from, to + 1)) on ? next.add(ban.ip) : next.delete(ban.ip);
      } else if (on) next.add(ip);
      else next.delete(ip);
      return next;
    });
    lastToggled.current = index;
  }, []);

  const onToggleAll = useCallback(() => {
    setSelected((previous) => {
      const current = rowsRef.current;
      const all = current.length > 0 && current.every((ban) => previous.has(ban.ip));
      if (all) {
        const next = new Set(previous);
        for (const ban of current) next.delete(ban.ip);
        return next;
      }
      const next = new Set(previous);
      for (const ban of current) next.add(ban.ip);
      return next;
    });
  }, []);

  const onAction = useCallback(async (ban: BanInfo, action: RowAction) => {
    setBusy((previous) => new Set(previous).add(ban.ip));
    setOutcome(null);
    const result = await runAction(ban, action);
    setBusy((previous) => {
      const next = new Set(previous);
      next.delete(ban.ip);
      return next;
    });
    if (result.ok) {
      const text =
        action.kind === 'unban'
          ? `Unbanned ${ban.ip}.`
          : action.kind === 'whitelist'
            ? `Whitelisted ${ban.ip}${Array.isArray(result.value) && result.value.length > 1 ? ` (lifted ${result.value.length} bans)` : ''}.`
            : action.extension === 'permanent'
              ? `Extended the ban of ${ban.ip}: it is permanent now.`
              : `Extended the ban of ${ban.ip} by ${EXTENSIONS.find((entry) => entry.value === action.extension)?.label.replace('+', '')}.`;
      setOutcome({ kind: 'ok', text });
      if (action.kind !== 'extend')
        setSelected((previous) => {
          if (!previous.has(ban.ip)) return previous;
          const next = new Set(previous);
          next.delete(ban.ip);
          return next;
        });
    } else {
      const what = action.kind === 'unban' ? 'unban' : action.kind === 'whitelist' ? 'whitelist' : 'extend the ban of';
      setOutcome({ kind: 'error', prefix: `Could not ${what} ${ban.ip}.`, error: result.error });
    }
  }, []);

  const runBulk = async (action: BulkAction) => {
    setConfirmWhitelist(false);
    const targets = selectedBans.slice();
    if (targets.length === 0) return;
    cancelBulk.current = false;
    setOutcome(null);
    let done = 0;
    const failures: { ip: string; error: BridgeError }[] = [];
    const succeeded: string[] = [];
    const publish = (finished: boolean) => setBulk({ action, total: targets.length, done, failures: failures.slice(), finished, cancelled: cancelBulk.current });
    publish(false);
    const timer = setInterval(() => publish(false), 150);
    let next = 0;
    const runNext = async () => {
      const ban = targets[next++]!;
      const result = await runAction(ban, action);
      done++;
      // An unban of a ban that ended meanwhile reached its goal.
      if (result.ok || (action.kind === 'unban' && result.error.kind === 'NotFound')) succeeded.push(ban.ip);
      else {
        failures.push({ ip: ban.ip, error: result.error });
        if (ENDS_THE_RUN.has(result.error.kind)) cancelBulk.current = true;
      }
    };
    // One at a time until a call gets through: polkit (auth_admin_keep) then asks for the password
    // once and lets the rest pass, where parallel first calls would each open a prompt.
    while (succeeded.length === 0 && next < targets.length && !cancelBulk.current) await runNext();
    const worker = async () => {
      while (next < targets.length && !cancelBulk.current) await runNext();
    };
    await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, targets.length - next) }, worker));
    clearInterval(timer);
    publish(true);
    if (action.kind !== 'extend') {
      setSelected((previous) => {
        const next = new Set(previous);
        for (const ip of succeeded) next.delete(ip);
        return next;
      });
    }
  };

  const count = bansState.bans.length;
  const loading = bansState.status === 'loading' || bansState.status === 'idle';
  const resetKey = `${order.key}:${order.direction}:${deferredFilter}`;

  let body: ReactNode;
  if (loading) body = <Loading>Loading bans…</Loading>;
  else if (bansState.status === 'offline' && count === 0) body = <Offline what="Bans" />;
  else if (bansState.status === 'error')
    body = (
      <ErrorAlert
        error={bansState.error!}
        prefix="Could not load the bans."
        action={
          <button type="button" className="button" onClick={reloadBans}>
            Try again
          </button>
        }
      />
    );
  else if (count === 0)
    body = (
      <Empty title="No active bans. Nothing has crossed the line yet.">
        When an address fails too often on a watched service, it is banned and shows up here.
      </Empty>
    );
  else
    body = (
      <>
        {rows.length === 0 ? (
          <Empty title={`No bans match “${deferredFilter.trim()}”.`}>
            <button type="button" className="button" onClick={() => setFilter('')}>
              Clear the filter
            </button>
          </Empty>
        ) : (
          <BansTable
            rows={rows}
            order={order}
            onSort={setOrder}
            selected={selected}
            selectedMatching={selectedMatching}
            onToggle={onToggle}
            onToggleAll={onToggleAll}
            busy={busy}
            onAction={onAction}
            actionsDisabled={!helperRunning}
            onOpen={openIntel}
            resetKey={resetKey}
          />
        )}
      </>
    );

  const bulkRunning = bulk !== null && !bulk.finished;
  const bulkDisabled = selectedBans.length === 0 || !helperRunning;
  return (
    <div className="page page-bans">
      <PageHeader
        title="Bans"
        description={
          count > 0 ? (
            <>
              {formatCount(count)} active {count === 1 ? 'ban' : 'bans'}
              {staleNote ? <span className="tag tag-warning stale-note">{staleNote}</span> : null}
            </>
          ) : (
            'Addresses the firewall drops right now.'
          )
        }
        actions={<RefreshButton onClick={reloadBans} busy={bansState.refreshing} />}
      />
      {count > 0 ? (
        <div className="toolbar">
          <input
            type="search"
            className="filter-input"
            aria-label="Filter bans"
            placeholder="Filter by address, service or reason"
            value={filter}
            onChange={(event) => setFilter(event.currentTarget.value)}
          />
          <span className="toolbar-count" aria-live="polite">
            {deferredFilter.trim() ? `${formatCount(rows.length)} of ${formatCount(count)} match` : `${formatCount(count)} bans`}
          </span>
          {rows.length > 0 && selectedMatching < rows.length ? (
            <button type="button" className="button button-quiet" onClick={onToggleAll} disabled={bulkRunning}>
              Select all {formatCount(rows.length)} matching
            </button>
          ) : null}
        </div>
      ) : null}
      {selectedBans.length > 0 || bulk ? (
        <div className="selection-bar" role="region" aria-label="Selection">
          {bulkRunning ? (
            <>
              <span role="status">
                {verbs(bulk.action).running} {formatCount(bulk.done)} of {formatCount(bulk.total)}…
              </span>
              <progress max={bulk.total} value={bulk.done} aria-label="Progress" />
              <button type="button" className="button" onClick={() => (cancelBulk.current = true)}>
                Stop
              </button>
            </>
          ) : (
            <>
              <span className="selection-count">
                {formatCount(selectedBans.length)} selected
                {selectedBans.length > selectedMatching ? <span className="muted"> ({formatCount(selectedBans.length - selectedMatching)} hidden by the filter)</span> : null}
              </span>
              <button type="button" className="button button-danger" onClick={() => void runBulk({ kind: 'unban' })} disabled={bulkDisabled}>
                Unban selected
              </button>
              <button type="button" className="button" onClick={() => setConfirmWhitelist(true)} disabled={bulkDisabled}>
                Whitelist selected
              </button>
              <ExtendSelect className="select" label="Extend selected" placeholder="Extend selected" disabled={bulkDisabled} onChoose={(extension) => void runBulk({ kind: 'extend', extension })} />
              <button type="button" className="button button-quiet" onClick={() => setSelected(new Set())} disabled={selectedBans.length === 0}>
                Clear selection
              </button>
            </>
          )}
        </div>
      ) : null}
      {confirmWhitelist && !bulkRunning && helperRunning ? (
        <div className="confirm-bar" role="alertdialog" aria-label="Confirm whitelisting">
          <p>
            Whitelist {formatCount(selectedBans.length)} {selectedBans.length === 1 ? 'address' : 'addresses'}? Their bans end, and they will never be banned again until
            you remove them from the whitelist.
          </p>
          <button type="button" className="button button-primary" onClick={() => void runBulk({ kind: 'whitelist' })} autoFocus>
            Yes, whitelist {formatCount(selectedBans.length)}
          </button>
          <button type="button" className="button" onClick={() => setConfirmWhitelist(false)}>
            Cancel
          </button>
        </div>
      ) : null}
      {bulk?.finished ? (
        <div className={`bulk-summary ${bulk.failures.length > 0 ? 'bulk-summary-failed' : ''}`}>
          <p role="status">
            {verbs(bulk.action).past} {formatCount(bulk.total - bulk.failures.length - (bulk.total - bulk.done))} of {formatCount(bulk.total)}{' '}
            {bulk.total === 1 ? 'address' : 'addresses'}
            {bulk.cancelled ? ` (stopped after ${formatCount(bulk.done)})` : ''}.
          </p>
          {bulk.failures.length > 0 ? (
            <div role="alert">
              <p>{formatCount(bulk.failures.length)} failed:</p>
              <FailureSummary failures={bulk.failures} />
            </div>
          ) : null}
          <button type="button" className="button button-quiet" onClick={() => setBulk(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      {outcome?.kind === 'ok' ? (
        <p className="note-ok" role="status">
          {outcome.text}
        </p>
      ) : null}
      {outcome?.kind === 'error' ? <ErrorAlert error={outcome.error} prefix={outcome.prefix} onDismiss={() => setOutcome(null)} /> : null}
      {bansState.status === 'ready' && bansState.error ? <ErrorAlert error={bansState.error} prefix="Could not refresh the bans; showing the last list read." /> : null}
      <div className="table-region">{body}</div>
    </div>
  );
}
