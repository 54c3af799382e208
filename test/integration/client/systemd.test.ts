// Starting the helper through systemd's StartUnit, against a fake systemd speaking the real protocol
// on a private bus: the start job runs the real helper; systemd's refusals and the bus's become the
// client's error kinds.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClientError } from '../../../helper/client/index.js';
import { startHelperUnit } from '../../../helper/client/systemd.js';
import { NOBODY, runAs } from '../../support/as-user.js';
import { startPrivateBus, type PrivateBus } from '../../support/dbus.js';
import { fakeSystemdPolicy, startFakeSystemd, type FakeSystemd } from '../../support/fake-systemd.js';
import { startHelperWithBus, type RunningHelper } from '../../support/helper-with-bus.js';
import { helperCommand } from '../../support/paths.js';
import { startUnitProbeScript } from '../../support/start-unit-probe.js';
import { waitFor } from '../../support/wait.js';

/** A second unprivileged account of every Debian system: allowed by the bus, asked for a password by "polkit". */
const DAEMON_UID = 1;

let bus: PrivateBus;
let helper: RunningHelper;
let systemd: FakeSystemd;

before(async () => {
  bus = await startPrivateBus({ extraPolicy: fakeSystemdPolicy({ deniedUids: [NOBODY] }) });
  helper = await startHelperWithBus({ bus, backend: 'null' });
  await helper.kill();
  systemd = await startFakeSystemd(bus, {
    units: { 'croissant2ban.service': () => helper.start() },
    // As polkit's default for the action: root may, others only after a password.
    authorize: ({ uid, interactive }) => (uid === 0 || interactive ? null : 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'),
  });
});
after(async () => {
  await systemd?.dispose();
  await helper?.dispose();
  await bus?.dispose();
});

const probe = async (user: { uid?: number; gid?: number }, options: object) => {
  const result = await runAs(user, [...helperCommand('cli/c2b').slice(0, -1), startUnitProbeScript, JSON.stringify(options)], { env: bus.env });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as { ok?: true; kind?: string; message?: string };
};

test('starting the unit queues a job in mode replace whose start brings the helper onto the bus', async () => {
  const client = await helper.client();
  const seen: boolean[] = [];
  await client.onOwnerChanged((running) => seen.push(running));
  assert.equal(await client.available(), false);

  await startHelperUnit({ address: bus.address, interactive: false });
  await waitFor(() => seen.includes(true), { what: 'the helper to own its name after StartUnit', timeoutMs: 30_000 });
  assert.equal((await client.status()).running, true);
  assert.deepEqual(systemd.calls.at(-1), { unit: 'croissant2ban.service', mode: 'replace', interactive: false, uid: process.getuid!() });

  await startHelperUnit({ address: bus.address, interactive: true });
  assert.equal(systemd.calls.at(-1)!.interactive, true, 'interactive sets ALLOW_INTERACTIVE_AUTHORIZATION for polkit');
  await systemd.settled();
});

test('a unit systemd does not know is NotInstalled, naming the unit', async () => {
  await assert.rejects(startHelperUnit({ address: bus.address, unit: 'no-such-helper.service', interactive: false }), (error: ClientError) => {
    assert.equal(error.kind, 'NotInstalled');
    assert.equal(error.busName, 'org.freedesktop.systemd1.NoSuchUnit');
    assert.match(error.message, /no unit no-such-helper\.service: the helper is not installed/);
    return true;
  });
});

test('a unit name that is not a service unit never reaches systemd', async () => {
  const before = systemd.calls.length;
  for (const unit of ['croissant2ban', 'croissant2ban.socket', '../x.service', 'a b.service', '']) {
    await assert.rejects(startHelperUnit({ address: bus.address, unit, interactive: false }), { kind: 'InvalidArgument' }, unit);
  }
  assert.equal(systemd.calls.length, before);
});

test('a caller the bus policy refuses gets AccessDenied, and systemd never hears of it', async () => {
  const before = systemd.calls.length;
  const outcome = await probe({}, { interactive: true });
  assert.equal(outcome.kind, 'AccessDenied', JSON.stringify(outcome));
  assert.equal(systemd.calls.length, before);
});

test('an unprivileged caller gets InteractionRequired without interaction, and the start with it', async () => {
  const quiet = await probe({ uid: DAEMON_UID, gid: DAEMON_UID }, { interactive: false });
  assert.equal(quiet.kind, 'InteractionRequired', JSON.stringify(quiet));
  const asked = await probe({ uid: DAEMON_UID, gid: DAEMON_UID }, { interactive: true });
  assert.deepEqual(asked, { ok: true });
  assert.deepEqual(systemd.calls.slice(-2).map((call) => [call.uid, call.interactive]), [[DAEMON_UID, false], [DAEMON_UID, true]]);
  await systemd.settled();
});

test('without systemd on the bus the failure says so; without a bus it is Unreachable', async () => {
  const bare = await startPrivateBus();
  try {
    await assert.rejects(startHelperUnit({ address: bare.address, interactive: false }), { kind: 'Failed', message: 'systemd is not running on this machine' });
  } finally {
    await bare.dispose();
  }
  await assert.rejects(startHelperUnit({ address: `unix:path=${bus.directory}/no-socket`, interactive: false }), { kind: 'Unreachable' });
});
