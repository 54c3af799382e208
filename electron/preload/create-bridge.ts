// The bridge object the window gets, built over a transport: Electron's ipcRenderer in the preload,
// a page-to-test-process channel in the end-to-end tests. One function per operation, each typed by
// the Bridge contract; the transport is never exposed, so the window cannot send to other channels.
import { channelOf, EVENT_CHANNEL, type Bridge, type BridgeOperation, type HelperEvent } from '../bridge.js';

export interface BridgeTransport {
  invoke(channel: string, args: readonly unknown[]): Promise<unknown>;
  /** Calls `listener` with each message on `channel`; returns a function that stops it. */
  subscribe(channel: string, listener: (message: unknown) => void): () => void;
}

export function createBridge(transport: BridgeTransport): Bridge {
  const invoke = <Op extends BridgeOperation>(operation: Op, ...args: Parameters<Bridge[Op]>) =>
    transport.invoke(channelOf(operation), args) as ReturnType<Bridge[Op]>;
  return {
    status: () => invoke('status'),
    getBans: () => invoke('getBans'),
    getWhitelist: () => invoke('getWhitelist'),
    getEvents: (limit, sinceSecs) => invoke('getEvents', limit, sinceSecs),
    getActivity: (limit) => invoke('getActivity', limit),
    getStats: () => invoke('getStats'),
    getServices: () => invoke('getServices'),
    getIntel: (ip, refresh) => invoke('getIntel', ip, refresh),
    ban: (ip, durationSecs, reason) => invoke('ban', ip, durationSecs, reason),
    unban: (ip) => invoke('unban', ip),
    extendBan: (ip, durationSecs) => invoke('extendBan', ip, durationSecs),
    whitelistAdd: (address, comment) => invoke('whitelistAdd', address, comment),
    whitelistRemove: (address) => invoke('whitelistRemove', address),
    startHelper: () => invoke('startHelper'),
    connection: () => invoke('connection'),
    getPreferences: () => invoke('getPreferences'),
    setPreferences: (changes) => invoke('setPreferences', changes),
    onEvent: (listener) => transport.subscribe(EVENT_CHANNEL, (message) => listener(message as HelperEvent)),
  };
}
