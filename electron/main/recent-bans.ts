// What the tray remembers between events: the newest bans (for its menu) and, per address, the
// service its last failed attempt was on (BanAdded does not name the service; AttackDetected,
// sent for each failure before the ban, does). Both are bounded, whatever the helper sends.
import type { RecentBan } from './tray-menu.js';

export const RECENT_BANS_KEPT = 20;
/** Addresses whose last service is remembered; the oldest is forgotten first. */
export const SERVICES_REMEMBERED = 10_000;

export interface RecentBans {
  attack(ip: string, service: string): void;
  banAdded(ip: string, at: number): void;
  banRemoved(ip: string): void;
  /** Replaces the list (after a reconnection), newest first. */
  reset(bans: readonly RecentBan[]): void;
  list(): readonly RecentBan[];
  serviceOf(ip: string): string | undefined;
}

export function createRecentBans(): RecentBans {
  let bans: RecentBan[] = [];
  // A Map keeps insertion order: deleting and setting again moves an address to the newest end.
  const services = new Map<string, string>();
  return {
    attack(ip, service) {
      services.delete(ip);
      services.set(ip, service);
      if (services.size > SERVICES_REMEMBERED) services.delete(services.keys().next().value!);
    },
    banAdded(ip, at) {
      bans = [{ ip, at, service: services.get(ip) }, ...bans.filter((ban) => ban.ip !== ip)].slice(0, RECENT_BANS_KEPT);
    },
    banRemoved(ip) {
      // "*" is a flush: every ban ended.
      bans = ip === '*' ? [] : bans.filter((ban) => ban.ip !== ip);
    },
    reset(list) {
      bans = list.slice(0, RECENT_BANS_KEPT);
    },
    list: () => bans,
    serviceOf: (ip) => services.get(ip),
  };
}
