// Which address the intel panel shows (null: closed). Any page, and show-address events, open it.
import { createStore, useStore } from './store.js';

export const panelStore = createStore<string | null>(null);
export const openIntel = (ip: string): void => panelStore.set(ip);
export const closeIntel = (): void => panelStore.set(null);
export const useIntelPanel = (): string | null => useStore(panelStore);
