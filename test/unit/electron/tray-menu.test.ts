import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RECENT_BANS_SHOWN, trayMenu, trayTooltip, type TrayAction, type TrayItem, type TrayModel } from '../../../electron/main/tray-menu.js';

/** 14:05 local time, whatever the time zone of the machine running the tests. */
const NOW = new Date(2024, 4, 17, 14, 5, 0).getTime();
const MINUTE = 60_000;

const model = (changes: Partial<TrayModel> = {}): TrayModel => ({
  state: 'protected',
  helperStopped: false,
  recentBans: [],
  pausedUntil: null,
  startAtLogin: false,
  attackNotifications: false,
  now: NOW,
  ...changes,
});

const labels = (items: readonly TrayItem[]) => items.map((item) => (item.type === 'separator' ? '---' : item.label));
const find = (items: readonly TrayItem[], label: string | RegExp) => {
  const item = items.find((candidate) => candidate.type !== 'separator' && (typeof label === 'string' ? candidate.label === label : label.test(candidate.label)));
  assert.ok(item, `no item ${String(label)} in ${JSON.stringify(labels(items))}`);
  return item;
};
const actionOf = (items: readonly TrayItem[], label: string | RegExp): TrayAction | undefined => {
  const item = find(items, label);
  return item.type === 'normal' || item.type === 'checkbox' ? item.action : undefined;
};

test('the first line says the state, and cannot be clicked', () => {
  for (const [state, words] of [
    ['protected', 'Protected'],
    ['under-attack', 'Under attack: bans in the last few minutes'],
    ['unreachable', 'The helper cannot be reached'],
  ] as const) {
    const first = trayMenu(model({ state }))[0]!;
    assert.deepEqual(first, { type: 'normal', label: words, enabled: false });
    assert.equal(trayTooltip({ state, helperStopped: false }), `Croissant2Ban: ${words}`);
  }
});

test('a stopped helper is said so and can be started from the menu', () => {
  const items = trayMenu(model({ state: 'unreachable', helperStopped: true }));
  assert.deepEqual(items[0], { type: 'normal', label: 'The helper is not running', enabled: false });
  assert.deepEqual(actionOf(items, 'Start the helper…'), { kind: 'start-helper' });
  assert.equal(trayTooltip({ state: 'unreachable', helperStopped: true }), 'Croissant2Ban: the helper is not running');
  for (const state of ['protected', 'under-attack', 'unreachable'] as const) {
    assert.ok(!labels(trayMenu(model({ state }))).includes('Start the helper…'), `no start offered when ${state} and not stopped`);
  }
});

test('without bans the menu says so', () => {
  const items = trayMenu(model());
  assert.deepEqual(find(items, 'No active bans'), { type: 'normal', label: 'No active bans', enabled: false });
  assert.ok(!items.some((item) => item.type === 'submenu'));
});

test('recent bans are listed with their service and time, each with Details, Unban and Whitelist', () => {
  const items = trayMenu(
    model({
      state: 'under-attack',
      recentBans: [
        { ip: '203.0.113.7', at: NOW - 2 * MINUTE, service: 'sshd' },
        { ip: '2001:db8::9', at: NOW - 64 * MINUTE },
      ],
    }),
  );
  assert.deepEqual(find(items, 'Last bans'), { type: 'normal', label: 'Last bans', enabled: false });
  const submenus = items.filter((item) => item.type === 'submenu');
  assert.deepEqual(
    submenus.map((item) => item.label),
    ['203.0.113.7 (sshd) at 14:03', '2001:db8::9 at 13:01'],
  );
  const first = submenus[0]!;
  assert.equal(first.type, 'submenu');
  if (first.type !== 'submenu') return;
  assert.deepEqual(first.items, [
    { type: 'normal', label: 'Details…', action: { kind: 'show-address', ip: '203.0.113.7' } },
    { type: 'normal', label: 'Unban', action: { kind: 'unban', ip: '203.0.113.7' } },
    { type: 'normal', label: 'Whitelist', action: { kind: 'whitelist', ip: '203.0.113.7' } },
  ]);
  assert.ok(!labels(items).includes('No active bans'));
});

test(`at most ${RECENT_BANS_SHOWN} bans are listed, the first ones given`, () => {
  const recentBans = Array.from({ length: RECENT_BANS_SHOWN + 7 }, (_, index) => ({ ip: `198.51.100.${index + 1}`, at: NOW - index * MINUTE }));
  const submenus = trayMenu(model({ recentBans })).filter((item) => item.type === 'submenu');
  assert.equal(submenus.length, RECENT_BANS_SHOWN);
  assert.deepEqual(
    submenus.map((item) => item.label.split(' ')[0]),
    recentBans.slice(0, RECENT_BANS_SHOWN).map((ban) => ban.ip),
  );
});

test('notifications can be paused for an hour, or resumed while paused', () => {
  assert.deepEqual(actionOf(trayMenu(model()), 'Pause notifications for an hour'), { kind: 'pause-notifications' });
  const paused = trayMenu(model({ pausedUntil: NOW + 55 * MINUTE }));
  assert.deepEqual(actionOf(paused, 'Resume notifications (paused until 15:00)'), { kind: 'resume-notifications' });
  assert.ok(!labels(paused).includes('Pause notifications for an hour'));
  const over = trayMenu(model({ pausedUntil: NOW }));
  assert.deepEqual(actionOf(over, 'Pause notifications for an hour'), { kind: 'pause-notifications' }, 'a pause that ended is no pause');
  assert.ok(!labels(over).some((label) => label.startsWith('Resume')));
});

test('the checkboxes show their state and their action sets the other one', () => {
  for (const value of [false, true]) {
    const items = trayMenu(model({ attackNotifications: value, startAtLogin: !value }));
    assert.deepEqual(find(items, 'Notify on every failed attempt'), {
      type: 'checkbox',
      label: 'Notify on every failed attempt',
      checked: value,
      action: { kind: 'attack-notifications', enabled: !value },
    });
    assert.deepEqual(find(items, 'Start at login'), { type: 'checkbox', label: 'Start at login', checked: !value, action: { kind: 'start-at-login', enabled: value } });
  }
});

test('the menu ends with opening the window and quitting, and separators never touch', () => {
  for (const items of [trayMenu(model()), trayMenu(model({ helperStopped: true, recentBans: [{ ip: '203.0.113.7', at: NOW }], pausedUntil: NOW + MINUTE }))]) {
    assert.deepEqual(items.slice(-2), [
      { type: 'normal', label: 'Open Croissant2Ban', action: { kind: 'open-window' } },
      { type: 'normal', label: 'Quit', action: { kind: 'quit' } },
    ]);
    items.forEach((item, index) => {
      if (item.type === 'separator') assert.notEqual(items[index + 1]?.type, 'separator');
    });
    assert.notEqual(items[0]!.type, 'separator');
  }
});
