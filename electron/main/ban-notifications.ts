// Turns BanAdded signals into desktop notifications without flooding the desktop: the first ban
// after a quiet spell is shown on its own, the bans that follow within the window are summed up in
// one notification at its end ("7 addresses banned in the last 10 s"). Pausing silences all of it
// for a while. Pure: the clock and the timer are injected; the caller shows what `show` gets.
import type { Scheduler } from './scheduler.js';

export interface BanNotice {
  readonly address: string;
  readonly reason: string;
  readonly seconds: number;
}

export type Notice =
  | { readonly kind: 'single'; readonly ban: BanNotice }
  | { readonly kind: 'burst'; readonly count: number; readonly windowSeconds: number; readonly addresses: readonly string[] };


export interface BanNotifier {
  banAdded(ban: BanNotice): void;
  /** No notification until `until` (epoch ms); what arrives meanwhile is dropped, not queued. */
  pauseUntil(until: number): void;
  resume(): void;
  pausedUntil(): number | null;
  dispose(): void;
}

export const BURST_WINDOW_MS = 10_000;
/** A burst notification names at most this many addresses; the count says the rest. */
const NAMED_IN_BURST = 5;

export function createBanNotifier(options: {
  readonly now: () => number;
  readonly scheduler: Scheduler;
  readonly show: (notice: Notice) => void;
  readonly windowMs?: number;
}): BanNotifier {
  const windowMs = options.windowMs ?? BURST_WINDOW_MS;
  let pausedUntil = -Infinity;
  /** Bans held back in the window that is open now; null when no window is open. */
  let held: BanNotice[] | null = null;
  let cancelWindow: (() => void) | null = null;

  const closeWindow = () => {
    cancelWindow = null;
    const bans = held ?? [];
    held = null;
    if (bans.length === 1) options.show({ kind: 'single', ban: bans[0]! });
    else if (bans.length > 1) {
      options.show({ kind: 'burst', count: bans.length, windowSeconds: Math.round(windowMs / 1000), addresses: bans.slice(0, NAMED_IN_BURST).map((ban) => ban.address) });
    }
    // A window with bans in it is followed by another, so a scan that goes on stays one notice per window.
    if (bans.length > 0) openWindow();
  };

  const openWindow = () => {
    held = [];
    cancelWindow = options.scheduler.after(windowMs, closeWindow);
  };

  return {
    banAdded(ban) {
      if (options.now() < pausedUntil) return;
      if (held === null) {
        options.show({ kind: 'single', ban });
        openWindow();
      } else held.push(ban);
    },
    pauseUntil(until) {
      pausedUntil = until;
      cancelWindow?.();
      cancelWindow = null;
      held = null;
    },
    resume() {
      pausedUntil = -Infinity;
    },
    pausedUntil: () => (options.now() < pausedUntil ? pausedUntil : null),
    dispose() {
      cancelWindow?.();
      cancelWindow = null;
      held = null;
    },
  };
}
