// Timers, injected: the main process's logic takes a Scheduler, so tests run time by hand.

export interface Scheduler {
  /** Runs `callback` after `ms`; returns a cancel function. */
  after(ms: number, callback: () => void): () => void;
}

/** The real one, on the event loop's timers. */
export const timerScheduler: Scheduler = {
  after(ms, callback) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};
