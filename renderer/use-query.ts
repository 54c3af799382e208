// Reading data from the helper for a page: loading, value, error, and a fetch again whenever the
// helper comes back (connection generation) or the page asks (reload).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Bridge, BridgeError, Result } from '../electron/bridge.js';
import { call } from './bridge-client.js';
import { connectionStore, useConnection } from './connection.js';

export type QueryState<T> =
  | { readonly status: 'loading' }
  /** The helper is not running and nothing was read before. */
  | { readonly status: 'offline' }
  | { readonly status: 'error'; readonly error: BridgeError }
  | { readonly status: 'ready'; readonly value: T; readonly refreshing: boolean };

export interface Query<T> {
  readonly state: QueryState<T>;
  /** Fetches again, keeping the current value on screen meanwhile. */
  reload(): void;
}

/** `load` is one bridge operation, run through call() so a rejected call shows as an error too. */
export function useQuery<T>(load: (bridge: Bridge) => Promise<Result<T>>): Query<T> {
  const { connection, generation } = useConnection();
  const running = connection.state === 'running';
  const waiting: QueryState<T> = connection.state === 'connecting' ? { status: 'loading' } : { status: 'offline' };
  const [state, setState] = useState<QueryState<T>>(running ? { status: 'loading' } : waiting);
  const latestLoad = useRef(load);
  latestLoad.current = load;
  const request = useRef(0);

  const reload = useCallback(() => {
    // Nothing to ask while the helper is away; the page keeps what it has and reads again when it is back.
    if (connectionStore.get().connection.state !== 'running') return;
    const id = ++request.current;
    setState((previous) => (previous.status === 'ready' ? { ...previous, refreshing: true } : { status: 'loading' }));
    void call(latestLoad.current).then((result) => {
      if (id === request.current) setState(result.ok ? { status: 'ready', value: result.value, refreshing: false } : { status: 'error', error: result.error });
    });
  }, []);

  useEffect(() => {
    if (running) reload();
    else setState((previous) => (previous.status === 'ready' ? previous : waiting));
  }, [running, generation, reload, connection.state]);

  return { state, reload };
}
