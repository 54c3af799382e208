import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HelperConnection, HelperEvent, Preferences } from '../../../electron/bridge.js';
import { createDesktop, INTEL_WAIT_MS, NOTIFICATION_PAUSE_MS, type DesktopShell, type TrayView } from '../../../electron/main/desktop.js';
import { createOperations } from '../../../electron/main/operations.js';
import { DEFAULT_PREFERENCES, type PreferenceStore } from '../../../electron/main/preferences.js';
import type { TrayItem } from '../../../electron/main/tray-menu.js';
import { ClientError } from '../../../helper/client/index.js';
import { FakeHelperClient } from './fake-helper-client.js';

/** Everything the desktop logic asked the Electron side to do, with a hand-run clock and timers. */
function setup(options: { connection?: HelperConnection; client?: FakeHelperClient | null; savePreferences?: (changes: Partial<Preferences>) => void } = {}) {
  let clock = 1_700_000_000_000;
  const timers: { at: number; callback: () => void; cancelled: boolean }[] = [];
  const notifications: { title: string; body: string; click: () => void }[] = [];
  const trays: TrayView[] = [];
  const sent: HelperEvent[] = [];
  const opened: string[] = [];
  const client = options.client === undefined ? new FakeHelperClient() : options.client;
  let connection: HelperConnection = options.connection ?? { state: 'running' };
  let stored: Preferences = DEFAULT_PREFERENCES;
  let desktopPreferencesChanged: ((preferences: Preferences) => void) | null = null;
  const preferences: PreferenceStore = {
    get: () => ({ ...stored, notificationsPausedUntil: stored.notificationsPausedUntil > clock ? stored.notificationsPausedUntil : 0 }),
    async update(changes) {
      options.savePreferences?.(changes);
      stored = { ...stored, ...changes };
      desktopPreferencesChanged?.(preferences.get());
      return preferences.get();
    },
  };
  const link = { client: () => client, connection: () => connection, recheck: () => undefined };
  const shell: DesktopShell = {
    notify: (text, click) => notifications.push({ ...text, click }),
    showTray: (view) => trays.push(view),
    sendToWindow: (event) => sent.push(event),
    openWindow: () => opened.push('window'),
    showAddress: (ip) => opened.push(ip),
    quit: () => opened.push('quit'),
  };
  const scheduler = {
    after(ms: number, callback: () => void) {
      const timer = { at: clock + ms, callback, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
  };
  const operations = createOperations({ link, startHelper: async () => undefined, preferences, now: () => clock });
  const desktop = createDesktop({ shell, link, operations, preferences, now: () => clock, scheduler });
  desktopPreferencesChanged = (current) => desktop.preferencesChanged(current);
  /** Moves the clock and runs the timers that came due, in order. */
  const advance = async (ms: number) => {
    const end = clock + ms;
    for (;;) {
      const due = timers.filter((timer) => !timer.cancelled && timer.at <= end).sort((left, right) => left.at - right.at)[0];
      if (!due) break;
      due.cancelled = true;
      clock = due.at;
      due.callback();
      await settle();
    }
    clock = end;
  };
  return {
    desktop,
    client,
    notifications,
    trays,
    sent,
    opened,
    advance,
    now: () => clock,
    setConnection: (next: HelperConnection) => (connection = next),
    lastTray: () => trays.at(-1)!,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function labels(items: readonly TrayItem[]): string[] {
  return items.flatMap((item) => (item.type === 'separator' ? [] : item.type === 'submenu' ? [item.label, ...labels(item.items)] : [item.label]));
}

function banAdded(at: number, ip: string, durationSecs = 600): HelperEvent {
  return { type: 'ban-added', at, ip, reason: '5 failures (failed_password)', source: 'detector', durationSecs };
}

test('a ban gives one notification naming the address, its origin and service, for how long; clicking it opens that address', async () => {
  const world = setup();
  world.client!.answer = (method) => (method === 'getIntel' ? { country: 'Germany', country_code: 'DE', asn: 3320, as_organization: 'Deutsche Telekom AG' } : []);
  world.desktop.onHelperEvent({ type: 'attack', at: world.now(), ip: '203.0.113.9', service: 'ssh', eventType: 'failed_auth' });
  world.desktop.onHelperEvent(banAdded(world.now(), '203.0.113.9', 600));
  await settle();
  assert.equal(world.notifications.length, 1);
  const [notice] = world.notifications;
  assert.equal(notice!.title, 'Banned 203.0.113.9 for 10 min');
  assert.match(notice!.body, /Germany · AS3320 Deutsche Telekom AG/);
  assert.match(notice!.body, /ssh: 5 failures \(failed_password\)/);
  notice!.click();
  assert.deepEqual(world.opened, ['203.0.113.9']);
  assert.ok(world.sent.some((event) => event.type === 'ban-added' && event.ip === '203.0.113.9'), 'the window hears of it too');
});

test('a notification does not wait for a helper that does not answer intel: it goes out without the origin', async () => {
  const world = setup();
  world.client!.answer = (method) => (method === 'getIntel' ? new Promise(() => undefined) : []);
  world.desktop.onHelperEvent(banAdded(world.now(), '198.51.100.4'));
  await settle();
  assert.equal(world.notifications.length, 0, 'still waiting for intel');
  await world.advance(INTEL_WAIT_MS);
  assert.equal(world.notifications.length, 1);
  assert.equal(world.notifications[0]!.body, '5 failures (failed_password)');
});

test('a scan is one notice per window, not one per address; failed attempts notify only when asked for', async () => {
  const world = setup();
  world.client!.answer = () => ({});
  for (let index = 0; index < 7; index++) {
    world.desktop.onHelperEvent({ type: 'attack', at: world.now(), ip: `192.0.2.${index}`, service: 'ssh', eventType: 'failed_auth' });
    world.desktop.onHelperEvent(banAdded(world.now(), `192.0.2.${index}`));
  }
  await settle();
  assert.equal(world.notifications.length, 1, 'the first ban only, at once; no attack notices by default');
  await world.advance(10_000);
  assert.equal(world.notifications.length, 2);
  assert.equal(world.notifications[1]!.title, '6 addresses banned in the last 10 s');
  world.notifications[1]!.click();
  assert.deepEqual(world.opened, ['window']);

  await world.desktop.run({ kind: 'attack-notifications', enabled: true });
  world.desktop.onHelperEvent({ type: 'attack', at: world.now(), ip: '192.0.2.99', service: 'nginx', eventType: 'failed_auth' });
  assert.equal(world.notifications.at(-1)!.title, 'Failed attempt from 192.0.2.99');
});

test('pausing for an hour silences bans, the menu offers to resume, and both end by themselves when the hour is up', async () => {
  const world = setup();
  world.client!.answer = () => ({});
  await world.desktop.run({ kind: 'pause-notifications' });
  assert.ok(labels(world.lastTray().menu).some((label) => label.startsWith('Resume notifications')));
  world.desktop.onHelperEvent(banAdded(world.now(), '198.51.100.7'));
  await settle();
  assert.equal(world.notifications.length, 0);
  await world.advance(NOTIFICATION_PAUSE_MS + 100);
  assert.ok(labels(world.lastTray().menu).includes('Pause notifications for an hour'), 'the menu changed back without any event');
  world.desktop.onHelperEvent(banAdded(world.now(), '198.51.100.8'));
  await settle();
  assert.equal(world.notifications.length, 1);
});

test('the tray: under attack after a ban, protected again when the window ends, unreachable without the helper; redrawn only on change', async () => {
  const world = setup({ connection: { state: 'connecting' } });
  world.client!.answer = (method) => (method === 'getBans' ? [] : {});
  assert.equal(world.lastTray().icon, 'unreachable');
  world.setConnection({ state: 'running' });
  world.desktop.onHelperEvent({ type: 'connection', connection: { state: 'running' } });
  await settle();
  assert.equal(world.lastTray().icon, 'protected');
  const drawn = world.trays.length;
  for (let index = 0; index < 50; index++) world.desktop.onHelperEvent({ type: 'attack', at: world.now(), ip: '192.0.2.1', service: 'ssh', eventType: 'failed_auth' });
  assert.equal(world.trays.length, drawn, 'failed attempts alone change nothing the tray shows');
  world.desktop.onHelperEvent(banAdded(world.now(), '192.0.2.1'));
  assert.equal(world.lastTray().icon, 'under-attack');
  assert.ok(labels(world.lastTray().menu).some((label) => label.startsWith('192.0.2.1 (ssh)')));
  await world.advance(5 * 60_000 + 100);
  assert.equal(world.lastTray().icon, 'protected');
  world.setConnection({ state: 'stopped' });
  world.desktop.onHelperEvent({ type: 'connection', connection: { state: 'stopped' } });
  assert.equal(world.lastTray().icon, 'unreachable');
  assert.ok(labels(world.lastTray().menu).includes('Start the helper…'));
});

test('after a (re)connection the menu lists the newest bans the helper has', async () => {
  const world = setup();
  world.client!.answer = (method) =>
    method === 'getBans'
      ? [
          { ip: '192.0.2.1', service: 'ssh', reason: 'r', source: 'detector', banned_at: 100, expires_at: 0, failures: 3 },
          { ip: '192.0.2.2', service: '', reason: 'r', source: 'manual', banned_at: 300, expires_at: 0, failures: 0 },
        ]
      : {};
  world.desktop.onHelperEvent({ type: 'connection', connection: { state: 'running' } });
  await settle();
  await settle();
  const names = labels(world.lastTray().menu).filter((label) => label.startsWith('192.0.2.'));
  assert.deepEqual(names.map((label) => label.split(' ')[0]), ['192.0.2.2', '192.0.2.1'], 'newest first');
});

test('Unban and Whitelist from the tray reach the helper; a refusal is a notice in plain words', async () => {
  const world = setup();
  await world.desktop.run({ kind: 'unban', ip: '192.0.2.5' });
  assert.deepEqual(world.client!.calls.at(-1), { method: 'unban', args: ['192.0.2.5'] });
  assert.equal(world.notifications.at(-1)!.title, '192.0.2.5 unbanned');
  world.client!.answer = () => {
    throw new ClientError('NotAuthorized', 'org.croissant2ban.Daemon1.Error.NotAuthorized: refused');
  };
  await world.desktop.run({ kind: 'whitelist', ip: '192.0.2.6' });
  assert.deepEqual(world.client!.calls.at(-1), { method: 'whitelistAdd', args: ['192.0.2.6', 'whitelisted from the tray'] });
  assert.equal(world.notifications.at(-1)!.title, 'Croissant2Ban could not whitelist 192.0.2.6');
  assert.match(world.notifications.at(-1)!.body, /not allowed/);
});

test('a setting that cannot be saved is said, not thrown; the tray keeps showing the truth', async () => {
  const world = setup({
    savePreferences: () => {
      throw new Error('ENOSPC: no space left on device');
    },
  });
  const drawn = world.trays.length;
  await world.desktop.run({ kind: 'start-at-login', enabled: true });
  assert.equal(world.notifications.at(-1)!.title, 'Croissant2Ban could not save the setting');
  assert.equal(world.trays.length, drawn + 1, 'the menu is drawn again, so the checkbox Electron ticked on the click is unticked');
  assert.match(world.notifications.at(-1)!.body, /ENOSPC/);
  const item = world.lastTray().menu.find((entry) => entry.type === 'checkbox' && entry.label === 'Start at login');
  assert.deepEqual(item && item.type === 'checkbox' ? item.checked : null, false);
});

test('Quit and Open go to the shell', async () => {
  const world = setup();
  await world.desktop.run({ kind: 'open-window' });
  await world.desktop.run({ kind: 'show-address', ip: '192.0.2.8' });
  await world.desktop.run({ kind: 'quit' });
  assert.deepEqual(world.opened, ['window', '192.0.2.8', 'quit']);
});
