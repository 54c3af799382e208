// Where the window stands with the helper. `generation` counts the times the helper became reachable,
// so data that was fetched before can be fetched again by itself when it comes back.
import type { HelperConnection } from '../electron/bridge.js';
import { addEventListener, bridge } from './bridge-client.js';
import { createStore, useStore } from './store.js';

export interface ConnectionState {
  readonly connection: HelperConnection;
  /** Incremented on every change to `running`. */
  readonly generation: number;
}

export const connectionStore = createStore<ConnectionState>({ connection: { state: 'connecting' }, generation: 0 });

function apply(connection: HelperConnection): void {
  connectionStore.set((previous) => {
    if (previous.connection.state === connection.state && JSON.stringify(previous.connection) === JSON.stringify(connection)) return previous;
    const cameUp = connection.state === 'running' && previous.connection.state !== 'running';
    return { connection, generation: previous.generation + (cameUp ? 1 : 0) };
  });
}

export function startConnection(): void {
  addEventListener((event) => {
    if (event.type === 'connection') apply(event.connection);
  });
  void bridge()
    .connection()
    .then(apply, (error: unknown) => apply({ state: 'unreachable', detail: String(error) }));
}

export const useConnection = (): ConnectionState => useStore(connectionStore);
export const isRunning = (): boolean => connectionStore.get().connection.state === 'running';
