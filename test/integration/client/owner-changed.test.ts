// The client follows the helper coming and going through the bus's own NameOwnerChanged, so a
// helper that is killed (no DaemonStopping) is seen as gone, and one started again as back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DaemonClient } from '../../../helper/client/index.js';
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
