// The one place that finds the preload's bridge on `window`, turns its rare rejected calls into
// Results, and fans its events out to the stores and components that listen (the bridge takes
// listeners too, but one subscription is easier to reason about).
import { useEffect, useRef } from 'react';
import { BRIDGE_NAME, type Bridge, type HelperEvent, type Result } from '../electron/bridge.js';

/** The bridge, or null when the page runs outside the app (opened in a plain browser). */
export function findBridge(): Bridge | null {
  const candidate = (globalThis as unknown as Record<string, unknown>)[BRIDGE_NAME];
  return candidate && typeof candidate === 'object' ? (candidate as Bridge) : null;
}

let current: Bridge | null = null;

/** The bridge; main.tsx checks it exists before anything renders. */
export function bridge(): Bridge {
  if (!current) {
    current = findBridge();
    if (!current) throw new Error(`window.${BRIDGE_NAME} is missing: this page runs only inside the Croissant2Ban app`);
  }
  return current;
}

/**
 * Runs one operation of the bridge. Operations answer errors as Results, but the IPC call itself can
 * still reject (the main process threw, the window is closing): that becomes a Failed Result here, so
 * no caller needs a catch of its own.
 */
export async function call<T>(operation: (bridge: Bridge) => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await operation(bridge());
  } catch (error) {
    return { ok: false, error: { kind: 'Failed', message: String(error) } };
  }
}

type Listener = (event: HelperEvent) => void;
const listeners = new Set<Listener>();

/** Subscribes once to the bridge's events; call before rendering. */
export function startEvents(): void {
  bridge().onEvent((event) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        console.error('event listener failed', error);
      }
    }
  });
}

export function addEventListener(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Calls the newest `listener` for every helper event while the component is mounted. */
export function useHelperEvent(listener: Listener): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => addEventListener((event) => latest.current(event)), []);
}
