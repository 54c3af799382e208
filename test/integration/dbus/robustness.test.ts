// Hostile and heavy callers: malformed calls get an error and the helper keeps detecting; 100
// clients making 100 calls each all get answers while attack lines arrive, and no ban is lost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BusConnection, BusError } from '../../../helper/client/bus.js';
import { MessageFlag, MessageType } from '../../../helper/client/wire.js';
import { DaemonClient } from '../../../helper/client/index.js';
import { BUS_NAME, ErrorName, INTERFACE, OBJECT_PATH } from '../../../helper/protocol/index.js';
import { startHelperWithBus, type RunningHelper } from '../../support/helper-with-bus.js';
import { sshFailures } from '../../support/syslog.js';
import { waitFor } from '../../support/wait.js';

let helper: RunningHelper;
let raw: BusConnection;

before(async () => {
  helper = await startHelperWithBus({ maxFailures: 3 });
  raw = await BusConnection.connect(helper.bus.address);
});
after(async () => {
  raw?.close();
  await helper?.dispose();
});

async function errorOf(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof BusError, String(error));
    return { name: error.errorName, message: error.message };
  }
  assert.fail('the call was answered without an error');
}

const target = { destination: BUS_NAME, path: OBJECT_PATH, interface: INTERFACE } as const;

test('wrong signatures, unknown members, interfaces and objects get the standard D-Bus errors', async () => {
  assert.deepEqual(await errorOf(raw.call({ ...target, member: 'Ban', signature: 's', body: ['192.0.2.1'] })), {
    name: 'org.freedesktop.DBus.Error.InvalidArgs',
    message: 'Ban takes (sus), got (s)',
  });
  assert.equal((await errorOf(raw.call({ ...target, member: 'Ban', signature: 'sss', body: ['192.0.2.1', '60', ''] }))).name, 'org.freedesktop.DBus.Error.InvalidArgs');
  assert.equal((await errorOf(raw.call({ ...target, member: 'Explode' }))).name, 'org.freedesktop.DBus.Error.UnknownMethod');
  assert.equal((await errorOf(raw.call({ ...target, interface: 'org.example.Nope', member: 'Status' }))).name, 'org.freedesktop.DBus.Error.UnknownInterface');
  assert.equal((await errorOf(raw.call({ ...target, path: '/org/croissant2ban/Other', member: 'Status' }))).name, 'org.freedesktop.DBus.Error.UnknownObject');
  const properties = { destination: BUS_NAME, path: OBJECT_PATH, interface: 'org.freedesktop.DBus.Properties' } as const;
  assert.equal((await errorOf(raw.call({ ...properties, member: 'Get', signature: 'ss', body: [INTERFACE, 'Nope'] }))).name, 'org.freedesktop.DBus.Error.UnknownProperty');
  const { Variant } = await import('../../../helper/client/wire.js');
  assert.equal(
    (await errorOf(raw.call({ ...properties, member: 'Set', signature: 'ssv', body: [INTERFACE, 'Running', new Variant('b', false)] }))).name,
    'org.freedesktop.DBus.Error.PropertyReadOnly',
  );
  // A call without an interface field is resolved by its member, as the specification allows.
  const bare = await raw.call({ ...target, interface: undefined as unknown as string, member: 'IsBanned', signature: 's', body: ['192.0.2.1'] });
  assert.deepEqual(bare.body, [false]);
});

test('huge strings and 10,000-element arguments are refused or cut, never crash the helper', async () => {
  const huge = 'A'.repeat(1_000_000);
  const invalid = await errorOf(raw.call({ ...target, member: 'IsBanned', signature: 's', body: [huge] }));
  assert.equal(invalid.name, ErrorName.InvalidAddress);
  assert.ok(invalid.message.length < 200, 'the error quotes the input only in part');
  const many = Array.from({ length: 10_000 }, (_, index) => `198.51.${index >> 8}.${index & 255}`);
  assert.equal((await errorOf(raw.call({ ...target, member: 'IsBanned', signature: 'as', body: [many] }))).name, 'org.freedesktop.DBus.Error.InvalidArgs');
  assert.equal((await errorOf(raw.call({ ...target, member: 'Ban', signature: 'asus', body: [many, 60, ''] }))).name, 'org.freedesktop.DBus.Error.InvalidArgs');
  // A long reason is accepted and cut to a sane length.
  await raw.call({ ...target, member: 'Ban', signature: 'sus', body: ['198.51.100.30', 60, huge] });
  const client = await helper.client();
  const ban = (await client.getBans()).find((entry) => entry.ip === '198.51.100.30');
  assert.equal(ban?.reason.length, 500);
  // A limit far past the cap is served up to the cap.
  assert.ok((await client.getEvents(0xffff_ffff, 0)).length <= 10_000);
  // A call that wants no reply is carried out and answered with nothing.
  raw.send({ type: MessageType.methodCall, flags: MessageFlag.noReplyExpected, ...target, member: 'Unban', signature: 's', body: ['198.51.100.30'] });
  await waitFor(async () => !(await client.isBanned('198.51.100.30')), { what: 'the no-reply unban' });
});

test('after all that the helper still detects and bans', async () => {
  const client = await helper.client();
  helper.appendAuthLog(sshFailures('203.0.113.66', 3, Date.now()));
  await waitFor(() => client.isBanned('203.0.113.66'), { what: 'the ban of 203.0.113.66', timeoutMs: 10_000 });
  assert.equal(helper.process.exitCode, null);
});

test('100 clients making 100 calls each all get answers while attack lines keep arriving, and no ban is lost', async () => {
  const clients = await Promise.all(Array.from({ length: 100 }, () => helper.client()));
  const attackers = Array.from({ length: 200 }, (_, index) => `10.77.${index >> 8}.${(index & 255) + 1}`);
  const writer = (async () => {
    for (let index = 0; index < attackers.length; index++) {
      helper.appendAuthLog(sshFailures(attackers[index]!, 3, Date.now()));
      if (index % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  let answers = 0;
  await Promise.all(
    clients.map(async (client: DaemonClient, clientIndex) => {
      const own = `172.20.${clientIndex >> 8}.${(clientIndex & 255) + 1}`;
      for (let call = 0; call < 100; call++) {
        const kind = call % 5;
        if (kind === 0 && call === 0) assert.equal(await client.ban(own, 3600, `client ${clientIndex}`), true);
        else if (kind === 1) assert.equal(typeof (await client.isBanned(attackers[(clientIndex + call) % attackers.length]!)), 'boolean');
        else if (kind === 2) assert.ok(Array.isArray(await client.getBans()));
        else if (kind === 3) assert.equal((await client.status()).running, true);
        else assert.equal(await client.isBanned(own), true);
        answers++;
      }
    }),
  );
  await writer;
  assert.equal(answers, 100 * 100);
  const probe = await helper.client();
  await waitFor(async () => (await probe.getBans()).length >= attackers.length + clients.length, { what: 'every ban', timeoutMs: 20_000 });
  const banned = new Set((await probe.getBans()).map((ban) => ban.ip));
  const lost = [...attackers, ...clients.map((_, index) => `172.20.${index >> 8}.${(index & 255) + 1}`)].filter((address) => !banned.has(address));
  assert.deepEqual(lost, [], 'no ban lost');
  assert.equal(helper.process.exitCode, null);
});
