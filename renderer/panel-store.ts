// Which address the intel panel shows (null: closed). Any page opens it, and so do show-address events
// (from a notification or the tray), which are listened to from the start, before React has rendered.
import { addEventListener } from './bridge-client.js';
import { navigate } from './router.js';
import { createStore, useStore } from './store.js';

export const panelStore = createStore<string | null>(null);
export const openIntel = (ip: string): void => panelStore.set(ip);
export const closeIntel = (): void => panelStore.set(null);
export const useIntelPanel = (): string | null => useStore(panelStore);

export function startPanel(): void {
  addEventListener((event) => {
    if (event.type === 'show-address') {
      navigate('bans');
      openIntel(event.ip);
    }
  });
}
