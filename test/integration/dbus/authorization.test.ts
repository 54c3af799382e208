// Deny by default, with real users: an unprivileged caller (setpriv to uid 65534) may read but not
// change anything; the same user in the admin group may; once Debian's polkitd answers on the bus,
// polkit alone decides. The bus policy of conf/dbus is in force on the private bus too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DaemonClient } from '../../../helper/client/index.js';
import { BUS_NAME, INTERFACE, OBJECT_PATH } from '../../../helper/protocol/index.js';
import { NOBODY, runAs } from '../../support/as-user.js';
import { probeScript } from '../../support/bus-probe.js';
import { startHelperWithBus, type RunningHelper } from '../../support/helper-with-bus.js';
import { helperCommand } from '../../support/paths.js';
import { startPolkit } from '../../support/polkit.js';

/** The admin group of the test config: "users" exists on every Debian system. */
const ADMIN_GROUP_GID = 100;
/** A second unprivileged account of every Debian system. */
const DAEMON_UID = 1;

const c2b = helperCommand('cli/c2b');
const probe = [...helperCommand('cli/c2b').slice(0, -1), probeScript];

let helper: RunningHelper;
let root: DaemonClient;

before(async () => {
  helper = await startHelperWithBus({ backend: 'null', extraConfig: '[dbus]\nadmin_group = "users"\n' });
  root = await helper.client();
  await root.ban('198.51.100.7', 3600, 'set up by root');
});
after(async () => {
  await helper?.dispose();
});

const asUser = (user: { uid?: number; gid?: number; groups?: number[] }, argv: readonly string[]) => runAs(user, [...c2b, ...argv], { env: helper.bus.env });

const MUTATIONS: readonly (readonly string[])[] = [
  ['ban', '203.0.113.200', '-d', '60'],
  ['extend', '198.51.100.7', '-d', '60'],
  ['unban', '198.51.100.7'],
  ['whitelist', 'add', '203.0.113.0/24'],
  ['whitelist', 'rm', '10.0.0.0/8'],
  ['flush', '--yes'],
  ['reload'],
];

test('an unprivileged user outside the admin group may read but gets NotAuthorized (exit 77) for every change, and nothing changes', async () => {
  const bansBefore = await root.getBans();
  const whitelistBefore = await root.getWhitelist();
  const activityBefore = await root.getActivity(100);
  for (const argv of MUTATIONS) {
    const result = await asUser({}, argv);
    assert.equal(result.status, 77, `c2b ${argv.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /not authorised: .*not root and not in the group users/, argv.join(' '));
  }
  assert.deepEqual(await root.getBans(), bansBefore);
  assert.deepEqual(await root.getWhitelist(), whitelistBefore);
  assert.deepEqual(await root.getActivity(100), activityBefore, 'a refused call changes nothing, not even the activity log');
  assert.match(helper.output(), new RegExp(`level=warn method=Ban uid=${NOBODY} .*action=deny msg="refused a call"`));
  assert.match(helper.output(), new RegExp(`level=warn method=ExtendBan uid=${NOBODY} .*action=deny msg="refused a call"`));
  const list = await asUser({}, ['list', '-f', 'simple']);
  assert.equal(list.status, 0, list.stderr);
  assert.equal(list.stdout, '198.51.100.7\n');
  assert.equal((await asUser({}, ['status'])).status, 0);
});

test('the bus policy holds too: an unprivileged user cannot own the name, set properties or call what the API does not have', async () => {
  // Set is refused by the bus before any body is read, so a JSON-friendly (ss) body serves.
  const calls = [
    { requestName: BUS_NAME },
    { destination: BUS_NAME, path: OBJECT_PATH, interface: 'org.freedesktop.DBus.Properties', member: 'Set', signature: 'ss', body: [INTERFACE, 'Running'] },
    { destination: BUS_NAME, path: OBJECT_PATH, interface: INTERFACE, member: 'Shutdown' },
    { destination: BUS_NAME, path: OBJECT_PATH, interface: INTERFACE, member: 'IsBanned', signature: 's', body: ['198.51.100.7'] },
  ];
  const result = await runAs({}, [...probe, JSON.stringify(calls)], { env: helper.bus.env });
  assert.equal(result.status, 0, result.stderr);
  const [own, set, unknown, read] = JSON.parse(result.stdout) as { ok?: unknown[]; error?: string }[];
  assert.equal(own!.error, 'org.freedesktop.DBus.Error.AccessDenied', JSON.stringify(own));
  assert.equal(set!.error, 'org.freedesktop.DBus.Error.AccessDenied', JSON.stringify(set));
  assert.equal(unknown!.error, 'org.freedesktop.DBus.Error.AccessDenied', JSON.stringify(unknown));
  assert.deepEqual(read!.ok, [true]);
});

test('the same user in the admin group may ban, extend, unban, whitelist and reload, and the activity log names their uid', async () => {
  const admin = { groups: [ADMIN_GROUP_GID] };
  for (const argv of [['ban', '203.0.113.201', '-d', '120', '-r', 'by a group member'], ['extend', '203.0.113.201', '-d', '600'], ['unban', '203.0.113.201'], ['whitelist', 'add', '203.0.113.0/28'], ['whitelist', 'rm', '203.0.113.0/28'], ['reload']]) {
    const result = await asUser(admin, argv);
    assert.equal(result.status, 0, `c2b ${argv.join(' ')}: ${result.stderr}`);
  }
  const activity = await root.getActivity(10);
  assert.ok(activity.some((entry) => entry.action === 'ban' && entry.uid === NOBODY && entry.target === '203.0.113.201'), JSON.stringify(activity));
  assert.ok(activity.some((entry) => entry.action === 'extend' && entry.uid === NOBODY && entry.target === '203.0.113.201' && entry.detail === 'for 600 s'), JSON.stringify(activity));
  assert.ok(activity.some((entry) => entry.action === 'reload' && entry.uid === NOBODY));
  assert.match(helper.output(), new RegExp(`method=Ban uid=${NOBODY} via=group msg="authorised a call"`));
});

test('where polkitd answers, polkit decides: it authorises nobody without the group and refuses an admin-group member it does not authorise', async () => {
  const polkit = await startPolkit(
    helper.bus,
    'polkit.addRule(function (action, subject) {\n' +
      '  if (action.id == "org.croissant2ban.manage") return subject.user == "nobody" ? polkit.Result.YES : polkit.Result.NO;\n' +
      '});\n',
  );
  try {
    const allowed = await asUser({}, ['ban', '203.0.113.202', '-d', '60']);
    assert.equal(allowed.status, 0, `${allowed.stderr}\npolkitd: ${polkit.output()}`);
    assert.equal(await root.isBanned('203.0.113.202'), true);
    assert.match(helper.output(), new RegExp(`method=Ban uid=${NOBODY} via=polkit`));

    const refused = await asUser({ uid: DAEMON_UID, gid: DAEMON_UID, groups: [ADMIN_GROUP_GID] }, ['unban', '203.0.113.202']);
    assert.equal(refused.status, 77, refused.stderr);
    assert.match(refused.stderr, /polkit does not authorise org\.croissant2ban\.manage for uid 1/);
    assert.equal(await root.isBanned('203.0.113.202'), true, 'still banned');
    assert.equal((await root.status()).authorization, 'polkit');
  } finally {
    await polkit.dispose();
  }
});
