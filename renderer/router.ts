// Hash navigation (#/bans): the window is one document, so the main process's navigation guard never fires.
import { useSyncExternalStore } from 'react';

export const PAGES = [
  { id: 'dashboard', title: 'Dashboard' },
  { id: 'bans', title: 'Bans' },
  { id: 'whitelist', title: 'Whitelist' },
  { id: 'services', title: 'Services' },
  { id: 'activity', title: 'Activity' },
  { id: 'settings', title: 'Settings' },
] as const;
export type PageId = (typeof PAGES)[number]['id'];

function currentPage(): PageId {
  const id = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return PAGES.find((page) => page.id === id)?.id ?? 'dashboard';
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export const usePage = (): PageId => useSyncExternalStore(subscribe, currentPage);
export const pageHref = (id: PageId): string => `#/${id}`;
export function navigate(id: PageId): void {
  if (currentPage() !== id) location.hash = pageHref(id);
}
