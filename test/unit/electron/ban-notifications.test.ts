import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BURST_WINDOW_MS, createBanNotifier, type Notice } from '../../../electron/main/ban-notifications.js';

/** A clock and a scheduler that run only when the test advances time. */
function harness() {
  let clock = 0;
  let timers: { at: number; callback: () => void; cancelled: boolean }[] = [];
  const shown: Notice[] = [];
  const notifier = createBanNotifier({
    now: () => clock,
    scheduler: {
      after(ms, callback) {
        const timer = { at: clock + ms, callback, cancelled: false };
        timers.push(timer);
        return () => void (timer.cancelled = true);
      },
    },
    show: (notice) => shown.push(notice),
  });
  const advance = (ms: number) => {
    const target = clock + ms;
    for (;;) {
      const due = timers.filter((timer) => !timer.cancelled && timer.at <= target).sort((left, right) => left.at - right.at)[0];
      if (due === undefined) break;
      clock = due.at;
      timers = timers.filter((timer) => timer !== due);
      due.callback();
    }
    clock = target;
  };
  const ban = (address: string) => notifier.banAdded({ address, reason: '5 failures', seconds: 3600 });
  return { notifier, shown, advance, ban, pending: () => timers.filter((timer) => !timer.cancelled).length };
}

test('a lone ban is shown at once, with who, why and for how long', () => {
  const { shown, ban } = harness();
  ban('203.0.113.1');
  assert.deepEqual(shown, [{ kind: 'single', ban: { address: '203.0.113.1', reason: '5 failures', seconds: 3600 } }]);
});

test('a scan of 50 addresses within the window makes two notifications: the first ban and one summing up the rest', () => {
  const { shown, ban, advance } = harness();
  for (let index = 1; index <= 50; index++) {
    ban(`203.0.113.${index}`);
    advance(100);
  }
  advance(BURST_WINDOW_MS);
  assert.equal(shown.length, 2);
  assert.equal(shown[0]!.kind, 'single');
  const burst = shown[1]!;
  assert.equal(burst.kind, 'burst');
  if (burst.kind !== 'burst') return;
  assert.equal(burst.count, 49);
  assert.equal(burst.windowSeconds, 10);
  assert.deepEqual(burst.addresses, ['203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5', '203.0.113.6']);
});

test('a scan that goes on for a minute stays at one notification per window', () => {
  const { shown, ban, advance } = harness();
  for (let second = 0; second < 60; second++) {
    ban(`198.51.100.${second + 1}`);
    advance(1000);
  }
  advance(2 * BURST_WINDOW_MS);
  assert.ok(shown.length <= 1 + 60_000 / BURST_WINDOW_MS, `${shown.length} notifications`);
  const total = shown.reduce((sum, notice) => sum + (notice.kind === 'single' ? 1 : notice.count), 0);
  assert.equal(total, 60, 'every ban is counted once');
});

test('one more ban inside the window is shown on its own, not as a burst of one', () => {
  const { shown, ban, advance } = harness();
  ban('203.0.113.1');
  advance(1000);
  ban('203.0.113.2');
  advance(BURST_WINDOW_MS);
  assert.deepEqual(shown.map((notice) => notice.kind), ['single', 'single']);
});

test('after a quiet window the next ban is shown at once again, and no timer is left behind', () => {
  const { shown, ban, advance, pending } = harness();
  ban('203.0.113.1');
  advance(3 * BURST_WINDOW_MS);
  assert.equal(pending(), 0);
  ban('203.0.113.9');
  assert.equal(shown.length, 2);
});

test('pausing drops notifications until the pause ends, including a burst that was being collected', () => {
  const { notifier, shown, ban, advance } = harness();
  ban('203.0.113.1');
  ban('203.0.113.2');
  notifier.pauseUntil(3_600_000);
  assert.equal(notifier.pausedUntil(), 3_600_000);
  ban('203.0.113.3');
  advance(3_600_000 - 1);
  assert.equal(shown.length, 1, 'only the ban before the pause');
  advance(1);
  assert.equal(notifier.pausedUntil(), null);
  ban('203.0.113.4');
  assert.equal(shown.length, 2);
});

test('resume ends a pause early, and dispose cancels the open window', () => {
  const { notifier, shown, ban, advance, pending } = harness();
  notifier.pauseUntil(3_600_000);
  notifier.resume();
  ban('203.0.113.1');
  ban('203.0.113.2');
  notifier.dispose();
  assert.equal(pending(), 0);
  advance(BURST_WINDOW_MS);
  assert.equal(shown.length, 1);
});
