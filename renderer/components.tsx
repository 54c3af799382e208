// Small pieces every page uses: the page header, loading / empty / offline / error states.
import type { ReactNode } from 'react';
import type { BridgeError } from '../electron/bridge.js';
import { describeError } from './errors.js';
import type { QueryState } from './use-query.js';

export function PageHeader(props: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1 id="page-title">{props.title}</h1>
        {props.description ? <p className="page-description">{props.description}</p> : null}
      </div>
      {props.actions ? <div className="page-actions">{props.actions}</div> : null}
    </header>
  );
}

/** An error in words, with the helper's own message below for whoever debugs it. */
export function ErrorAlert(props: { error: BridgeError; prefix?: string; onDismiss?: () => void; action?: ReactNode }) {
  return (
    <div role="alert" className="alert alert-error">
      <div className="alert-body">
        <p className="alert-text">
          {props.prefix ? <strong>{props.prefix} </strong> : null}
          {describeError(props.error)}
        </p>
        {props.error.message ? (
          <details className="alert-details">
            <summary>Technical details</summary>
            <code>
              {props.error.kind}: {props.error.message}
            </code>
          </details>
        ) : null}
        {props.action}
      </div>
      {props.onDismiss ? (
        <button type="button" className="button-quiet alert-dismiss" onClick={props.onDismiss} aria-label="Dismiss">
          ×
        </button>
      ) : null}
    </div>
  );
}

export function Loading(props: { children: ReactNode }) {
  return (
    <div role="status" className="state state-loading">
      <span className="spinner" aria-hidden="true" />
      {props.children}
    </div>
  );
}

export function Empty(props: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{props.title}</p>
      {props.children ? <p className="state-text">{props.children}</p> : null}
    </div>
  );
}

export function Offline(props: { what: string }) {
  return (
    <div className="state state-offline" role="status">
      <p className="state-title">{props.what} will appear when the helper is running.</p>
    </div>
  );
}

/** Renders loading / offline / error for a query, or its value through `children`. */
export function QueryView<T>(props: { query: QueryState<T>; loading: string; what: string; retry: () => void; children: (value: T) => ReactNode }) {
  const { query } = props;
  if (query.status === 'loading') return <Loading>{props.loading}</Loading>;
  if (query.status === 'offline') return <Offline what={props.what} />;
  if (query.status === 'error')
    return (
      <ErrorAlert
        error={query.error}
        prefix={`Could not load ${props.what.toLowerCase()}.`}
        action={
          <button type="button" className="button" onClick={props.retry}>
            Try again
          </button>
        }
      />
    );
  return <>{props.children(query.value)}</>;
}

export function RefreshButton(props: { onClick: () => void; busy?: boolean; label?: string }) {
  return (
    <button type="button" className="button" onClick={props.onClick} disabled={props.busy} aria-busy={props.busy || undefined}>
      {props.busy ? 'Refreshing…' : (props.label ?? 'Refresh')}
    </button>
  );
}
