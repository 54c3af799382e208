// The client follows the helper coming and going through the bus's own NameOwnerChanged, so a
// helper that is killed (no DaemonStopping) is seen as gone, and one started again as back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BusConnection } from '../../../helper/client/bus.js';
import type { DaemonClient } from '../../../helper/client/index.js';
import { MessageType } from '../../../helper/client/wire.js';
import { INTERFACE, OBJECT_PATH } from '../../../helper/protocol/index.js';
import { startHelperWithBus, type RunningHelper } from '../../support/helper-with-bus.js';
import { waitFor } from '../../support/wait.js';

let helper: RunningHelper;
let client: DaemonClient;

before(async () => {
  helper = await startHelperWithBus({ backend: 'null' });
  client = await helper.client();
});
after(async () => {
  await helper?.dispose();
});

test('a killed helper is reported as not running, and one started again on the same bus as running', async () => {
  const seen: boolean[] = [];
  let stopping = 0;
  await client.onOwnerChanged((running) => seen.push(running));
  await client.on('DaemonStopping', () => stopping++);

  await helper.kill('SIGKILL');
  await waitFor(() => seen.length > 0, { what: 'NameOwnerChanged after SIGKILL' });
  assert.deepEqual(seen, [false]);
  assert.equal(stopping, 0, 'a killed helper says nothing itself');
  assert.equal(await client.available(), false);
  await assert.rejects(client.status(), { kind: 'Unreachable' });

  await helper.start();
  await waitFor(() => seen.length > 1, { what: 'NameOwnerChanged after the start' });
  assert.deepEqual(seen, [false, true]);
  assert.equal((await client.status()).running, true, 'the same connection reaches the new helper');

  await helper.kill('SIGTERM');
  await waitFor(() => seen.length > 2, { what: 'NameOwnerChanged after SIGTERM' });
  assert.deepEqual(seen, [false, true, false]);
  await helper.start();
  await waitFor(() => seen.length > 3, { what: 'NameOwnerChanged after the second start' });
});

test('a listener that is removed hears nothing more', async () => {
  const seen: boolean[] = [];
  const listener = (running: boolean) => seen.push(running);
  await client.onOwnerChanged(listener);
  client.offOwnerChanged(listener);
  const still: boolean[] = [];
  await client.onOwnerChanged((running) => still.push(running));
  await helper.kill('SIGKILL');
  await waitFor(() => still.length > 0, { what: 'NameOwnerChanged after SIGKILL' });
  assert.deepEqual(seen, []);
  await helper.start();
});

test('signals count only from the helper that owns the name: a forged BanAdded sent straight to the client is dropped, the new owner is heard after a restart', async () => {
  const added: string[] = [];
  await client.on('BanAdded', (ip) => added.push(ip));
  const forger = await BusConnection.connect(helper.bus.address);
  const forge = (ip: string) =>
    forger.send({ type: MessageType.signal, destination: client.uniqueName, path: OBJECT_PATH, interface: INTERFACE, member: 'BanAdded', signature: 'sssu', body: [ip, 'forged', 'detector', 60] });
  try {
    forge('192.0.2.66');
    await client.ban('198.51.100.66', 60, 'a real one');
    await waitFor(() => added.includes('198.51.100.66'), { what: 'the real BanAdded' });
    await helper.kill('SIGKILL');
    forge('192.0.2.67');
    await helper.start();
    await client.ban('198.51.100.67', 60, 'after the restart');
    await waitFor(() => added.includes('198.51.100.67'), { what: 'BanAdded from the new owner' });
    assert.deepEqual(added, ['198.51.100.66', '198.51.100.67'], 'the forged signals were dropped');
  } finally {
    forger.close();
  }
});
