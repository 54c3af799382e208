import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { test } from 'node:test';
import type { HelperEvent } from '../../../electron/bridge.js';
import { createHelperLink, FIRST_RETRY_MS, LONGEST_RETRY_MS, type HelperClient } from '../../../electron/main/helper-link.js';
import { FakeHelperClient } from './fake-helper-client.js';

/** Lets every pending promise callback run (no real time passes: nothing here waits on a timer). */
async function settle() {
  for (let round = 0; round < 5; round++) await turn();
}

/**
 * A link with a manual scheduler and clock. `connects` is the queue of what the next connection
 * attempts give: a client, or an error they fail with (once the queue is empty, they fail).
 */
function harness() {
  let clock = 5_000_000;
  const timers: { ms: number; callback: () => void; cancelled: boolean }[] = [];
  const events: HelperEvent[] = [];
  const connects: (FakeHelperClient | Error)[] = [];
  let attempts = 0;
  const link = createHelperLink({
    connect: async (): Promise<HelperClient> => {
      attempts++;
      const next = connects.shift() ?? new Error('no bus here');
      if (next instanceof Error) throw next;
      return next;
    },
    scheduler: {
      after(ms, callback) {
        const timer = { ms, callback, cancelled: false };
        timers.push(timer);
        return () => void (timer.cancelled = true);
      },
    },
    now: () => clock,
    onEvent: (event) => events.push(event),
  });
  const pending = () => timers.filter((timer) => !timer.cancelled);
  return {
    link,
    events,
    connects,
    attempts: () => attempts,
    pending,
    setClock: (value: number) => (clock = value),
    /** Runs the one scheduled retry, returns its delay. */
    async retry(): Promise<number> {
      const due = pending();
      assert.equal(due.length, 1, `one retry scheduled, found ${due.length}`);
      const timer = due[0]!;
      timers.splice(timers.indexOf(timer), 1);
      timer.callback();
      await settle();
      return timer.ms;
    },
    connections: () => events.filter((event) => event.type === 'connection').map((event) => (event.type === 'connection' ? event.connection : null)),
    /** Starts the link with a client that is connected and sees a running helper. */
    async started(client = new FakeHelperClient()) {
      connects.push(client);
      link.start();
      await settle();
      return client;
    },
  };
}

test('before it connects the link is connecting, with no client', () => {
  const { link } = harness();
  assert.deepEqual(link.connection(), { state: 'connecting' });
  assert.equal(link.client(), null);
});

test('a failed connection is unreachable with the error message, retried after 1 s, 2 s, 4 s ... at most 30 s', async () => {
  const h = harness();
  h.connects.push(new Error('connect ENOENT /run/dbus/system_bus_socket'));
  h.link.start();
  await settle();
  assert.deepEqual(h.link.connection(), { state: 'unreachable', detail: 'connect ENOENT /run/dbus/system_bus_socket' });
  assert.equal(h.link.client(), null);
  const delays: number[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    h.connects.push(new Error('connect ENOENT /run/dbus/system_bus_socket'));
    delays.push(await h.retry());
  }
  assert.equal(FIRST_RETRY_MS, 1_000);
  assert.equal(LONGEST_RETRY_MS, 30_000);
  assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  assert.equal(h.attempts(), 9);
  assert.equal(h.pending().length, 1, 'always one retry waiting, never a pile of them');
});

test('connection events are sent only when the connection changes', async () => {
  const h = harness();
  h.connects.push(new Error('bus down'), new Error('bus down'), new Error('bus down'), new Error('still down'));
  h.link.start();
  await settle();
  await h.retry();
  await h.retry();
  assert.deepEqual(h.connections(), [{ state: 'unreachable', detail: 'bus down' }], 'the same failure again says nothing new');
  await h.retry();
  assert.deepEqual(h.connections().at(-1), { state: 'unreachable', detail: 'still down' }, 'a new reason is news');
  const client = new FakeHelperClient();
  h.connects.push(client);
  await h.retry();
  client.ownerChanged(true);
  client.signal('DaemonStarted');
  h.link.recheck();
  await settle();
  assert.deepEqual(h.connections(), [
    { state: 'unreachable', detail: 'bus down' },
    { state: 'unreachable', detail: 'still down' },
    { state: 'running' },
  ]);
});

test('a successful connection resets the pause between retries', async () => {
  const h = harness();
  h.link.start();
  await settle();
  await h.retry();
  await h.retry();
  assert.equal(h.pending()[0]!.ms, 4_000, 'the pause has grown');
  const client = new FakeHelperClient();
  h.connects.push(client);
  await h.retry();
  assert.deepEqual(h.link.connection(), { state: 'running' });
  assert.equal(h.link.client(), client);
  assert.equal(h.pending().length, 0, 'nothing to retry while connected');
  client.drop(new Error('connection reset'));
  assert.equal(h.pending()[0]!.ms, FIRST_RETRY_MS);
});

test('a connected bus says running when the helper owns its name, stopped when it does not', async () => {
  const running = harness();
  await running.started();
  assert.deepEqual(running.link.connection(), { state: 'running' });
  assert.deepEqual(running.connections(), [{ state: 'running' }]);

  const stopped = harness();
  const client = new FakeHelperClient();
  client.availability = false;
  await stopped.started(client);
  assert.deepEqual(stopped.link.connection(), { state: 'stopped' });
  assert.equal(stopped.link.client(), client, 'the bus is there: calls can still be tried');
  assert.deepEqual(stopped.connections(), [{ state: 'stopped' }]);
});

test('owner changes and the helper\'s own goodbye and hello switch between stopped and running', async () => {
  const h = harness();
  const client = await h.started();
  client.ownerChanged(false);
  assert.deepEqual(h.link.connection(), { state: 'stopped' });
  client.ownerChanged(true);
  assert.deepEqual(h.link.connection(), { state: 'running' });
  client.signal('DaemonStopping');
  assert.deepEqual(h.link.connection(), { state: 'stopped' });
  client.ownerChanged(false);
  client.signal('DaemonStarted');
  assert.deepEqual(h.link.connection(), { state: 'running' });
  assert.deepEqual(h.connections(), [{ state: 'running' }, { state: 'stopped' }, { state: 'running' }, { state: 'stopped' }, { state: 'running' }]);
  assert.equal(h.pending().length, 0, 'a stopped helper is followed through its name, not retried');
});

test('recheck asks the bus again whether the helper is there', async () => {
  const h = harness();
  const client = await h.started();
  client.availability = false;
  h.link.recheck();
  await settle();
  assert.deepEqual(h.link.connection(), { state: 'stopped' });
  client.availability = true;
  h.link.recheck();
  await settle();
  assert.deepEqual(h.link.connection(), { state: 'running' });
});

test('recheck without a connection does nothing', async () => {
  const h = harness();
  h.link.recheck();
  await settle();
  assert.deepEqual(h.link.connection(), { state: 'connecting' });
  assert.equal(h.attempts(), 0);
});

test('a presence check that fails loses the connection: unreachable, closed, retried', async () => {
  const h = harness();
  const client = await h.started();
  client.availability = new Error('org.freedesktop.DBus.Error.NoReply');
  h.link.recheck();
  await settle();
  assert.deepEqual(h.link.connection(), { state: 'unreachable', detail: 'org.freedesktop.DBus.Error.NoReply' });
  assert.equal(client.closed, true);
  assert.equal(h.link.client(), null);
  assert.equal(h.pending().length, 1);
});

test('a refused subscription loses the connection too, and the client is closed', async () => {
  const h = harness();
  const client = new FakeHelperClient();
  client.subscribeError = new Error('AddMatch refused');
  await h.started(client);
  assert.deepEqual(h.link.connection(), { state: 'unreachable', detail: 'AddMatch refused' });
  assert.equal(client.closed, true);
  assert.equal(h.link.client(), null);
  assert.equal(h.pending().length, 1);
});

test('the close of the connection makes it unreachable and reconnects later; the old client is dead to the link', async () => {
  const h = harness();
  const old = await h.started();
  old.drop(null);
  assert.deepEqual(h.link.connection(), { state: 'unreachable', detail: 'the bus connection closed' });
  assert.equal(h.link.client(), null);
  assert.equal(h.pending().length, 1, 'a reconnection is scheduled');
  assert.equal(h.attempts(), 1, 'not at once');

  const before = h.events.length;
  old.signal('BanAdded', '203.0.113.7', 'late', 'detector', 60);
  old.signal('DaemonStarted');
  old.ownerChanged(true);
  old.propertiesChanged({ ActiveBanCount: 9 });
  old.drop(new Error('again'));
  assert.equal(h.events.length, before, 'nothing from the old client after its close');
  assert.deepEqual(h.link.connection(), { state: 'unreachable', detail: 'the bus connection closed' });
  assert.equal(h.pending().length, 1, 'still one reconnection');

  const fresh = new FakeHelperClient();
  h.connects.push(fresh);
  await h.retry();
  assert.equal(h.link.client(), fresh);
  assert.deepEqual(h.link.connection(), { state: 'running' });
  old.signal('BanAdded', '203.0.113.8', 'late', 'detector', 60);
  old.ownerChanged(false);
  old.drop(new Error('late close'));
  assert.deepEqual(h.link.connection(), { state: 'running' }, 'the old client cannot change the new connection');
  assert.equal(h.link.client(), fresh);
  assert.equal(fresh.closed, false);
  assert.equal(h.events.filter((event) => event.type === 'ban-added').length, 0);
  fresh.signal('BanAdded', '203.0.113.9', 'r', 'detector', 60);
  assert.equal(h.events.filter((event) => event.type === 'ban-added').length, 1);
});

test('a close with an error names the error', async () => {
  const h = harness();
  const client = await h.started();
  client.drop(new Error('read ECONNRESET'));
  assert.deepEqual(h.link.connection(), { state: 'unreachable', detail: 'read ECONNRESET' });
});

test('a presence answer that arrives after the connection closed does not bring it back', async () => {
  const h = harness();
  const client = await h.started();
  let answer!: (running: boolean) => void;
  client.available = () => new Promise<boolean>((resolve) => (answer = resolve));
  h.link.recheck();
  await settle();
  client.drop(null);
  answer(true);
  await settle();
  assert.deepEqual(h.link.connection(), { state: 'unreachable', detail: 'the bus connection closed' });
});

test('ban, unban and attack signals become events stamped with the injected clock', async () => {
  const h = harness();
  const client = await h.started();
  h.setClock(1_700_000_000_123);
  client.signal('BanAdded', '203.0.113.7', '5 failures', 'detector', 3600);
  h.setClock(1_700_000_000_456);
  client.signal('BanRemoved', '203.0.113.7', 'expired');
  h.setClock(1_700_000_000_789);
  client.signal('AttackDetected', '2001:db8::9', 'sshd', 'invalid-user');
  assert.deepEqual(
    h.events.filter((event) => event.type !== 'connection'),
    [
      { type: 'ban-added', at: 1_700_000_000_123, ip: '203.0.113.7', reason: '5 failures', source: 'detector', durationSecs: 3600 },
      { type: 'ban-removed', at: 1_700_000_000_456, ip: '203.0.113.7', reason: 'expired' },
      { type: 'attack', at: 1_700_000_000_789, ip: '2001:db8::9', service: 'sshd', eventType: 'invalid-user' },
    ],
  );
});

test('property changes become counters events; irrelevant properties send nothing', async () => {
  const h = harness();
  const client = await h.started();
  const counters = () => h.events.filter((event) => event.type === 'counters');
  client.propertiesChanged({ ActiveBanCount: 3 });
  client.propertiesChanged({ EventsProcessed: 120 });
  client.propertiesChanged({ ActiveBanCount: 0, EventsProcessed: 121, Running: true });
  client.propertiesChanged({ Running: true });
  client.propertiesChanged({ UptimeSeconds: 99 });
  client.propertiesChanged({});
  assert.deepEqual(counters(), [
    { type: 'counters', activeBans: 3 },
    { type: 'counters', eventsProcessed: 120 },
    { type: 'counters', activeBans: 0, eventsProcessed: 121 },
  ]);
});

test('stop cancels the retry waiting and closes the client; nothing happens after it', async () => {
  const failing = harness();
  failing.link.start();
  await settle();
  assert.equal(failing.pending().length, 1);
  failing.link.stop();
  assert.equal(failing.pending().length, 0, 'the retry is cancelled');

  const h = harness();
  const client = await h.started();
  h.link.stop();
  assert.equal(client.closeCount, 1);
  assert.equal(h.link.client(), null);
  const before = h.events.length;
  client.signal('BanAdded', '203.0.113.7', 'r', 'detector', 60);
  client.ownerChanged(false);
  client.drop(new Error('closed by stop'));
  await settle();
  assert.equal(h.events.length, before);
  assert.equal(h.pending().length, 0, 'no reconnection after stop');
});

test('a connection that completes after stop is closed and not used', async () => {
  const h = harness();
  const client = new FakeHelperClient();
  let resolve!: (client: HelperClient) => void;
  const link = createHelperLink({
    connect: () => new Promise<HelperClient>((done) => (resolve = done)),
    scheduler: { after: () => () => undefined },
    now: () => 0,
    onEvent: (event) => h.events.push(event),
  });
  link.start();
  link.stop();
  resolve(client);
  await settle();
  assert.equal(client.closeCount, 1);
  assert.equal(link.client(), null);
  assert.equal(client.listenerCount(), 0, 'it was not followed');
  assert.deepEqual(h.events, []);
});
