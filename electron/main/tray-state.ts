// What the tray icon says at a glance: protected, under attack (a ban in the last few minutes), or
// helper unreachable. Pure: events in, state out, with an injected clock, so the tray only renders.

export type TrayState = 'protected' | 'under-attack' | 'unreachable';

export interface TrayStateMachine {
  helperReachable(reachable: boolean): void;
  /** A ban happened at `at` (epoch ms; BanAdded carries no time, so the time it arrived). */
  banAdded(at: number): void;
  state(): TrayState;
  /** Epoch ms when the state changes by itself (the attack window ends), or null. */
  nextChange(): number | null;
}

/** Bans within this window keep the icon at "under attack". */
export const ATTACK_WINDOW_MS = 5 * 60_000;

export function createTrayState(options: { readonly now: () => number; readonly attackWindowMs?: number }): TrayStateMachine {
  const windowMs = options.attackWindowMs ?? ATTACK_WINDOW_MS;
  // Invariant: lastBan is the newest ban seen while the helper was reachable, or -Infinity.
  let reachable = false;
  let lastBan = -Infinity;
  return {
    helperReachable(value) {
      reachable = value;
    },
    banAdded(at) {
      if (at > lastBan) lastBan = at;
    },
    state() {
      if (!reachable) return 'unreachable';
      return options.now() - lastBan < windowMs ? 'under-attack' : 'protected';
    },
    nextChange() {
      if (!reachable) return null;
      const end = lastBan + windowMs;
      return end > options.now() ? end : null;
    },
  };
}
