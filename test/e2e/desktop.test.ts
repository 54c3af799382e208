// The desktop app's window end to end: the built renderer in Debian's Chromium, its bridge going
// through the main process's operations and link (desktop-host.ts) to a real helper on a private
// dbus-daemon, banning in real nftables in its own network namespace. What the page shows is
// checked against the helper and the kernel set; screenshots of every page land in
// artifacts/screenshots/ (light and dark).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { DaemonClient } from '../../helper/client/index.js';
import { NOBODY } from '../support/as-user.js';
import { fakeSystemdPolicy, startFakeSystemd, type FakeSystemd } from '../support/fake-systemd.js';
import { openDesktopPage, type DesktopPage } from '../support/desktop-page.js';
import { startHelperWithBus, type RunningHelper } from '../support/helper-with-bus.js';
import { runCommand } from '../support/namespace.js';
import { sshFailures } from '../support/syslog.js';
import { waitFor } from '../support/wait.js';

let helper: RunningHelper;
let client: DaemonClient;
let systemd: FakeSystemd;
const pages: DesktopPage[] = [];

before(async () => {
  helper = await startHelperWithBus({ maxFailures: 3, extraPolicy: fakeSystemdPolicy() });
  client = await helper.client();
  systemd = await startFakeSystemd(helper.bus, { units: { 'croissant2ban.service': () => helper.start() } });
});

after(async () => {
  for (const page of pages) await page.dispose();
  await systemd?.dispose();
  await helper?.dispose();
});

async function open(colorScheme: 'light' | 'dark', options: { user?: { uid: number; gid: number } } = {}): Promise<DesktopPage> {
  const desktop = await openDesktopPage({ busEnv: helper.bus.env, colorScheme, ...options });
  pages.push(desktop);
  return desktop;
}

/** The addresses in the helper's kernel set, read inside its network namespace. */
async function kernelSet(): Promise<string> {
  const pid = helper.process.pid!;
  const result = await runCommand(['nsenter', `--target=${pid}`, '--user', '--net', '--preserve-credentials', '--', 'nft', 'list', 'set', 'inet', 'croissant2ban', 'blocked_v4']);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

async function go(page: Page, name: string) {
  await page.getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

function banRow(page: Page, ip: string): Locator {
  return page.locator(`[data-address="${ip}"]`);
}

test('an attack shows in the live feed, and its ban in the bans page and the kernel set', async () => {
  const desktop = await open('light');
  const { page } = desktop;
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  helper.appendAuthLog(sshFailures('203.0.113.77', 3, Date.now() - 5_000));
  const feed = page.getByRole('region', { name: 'Live feed' });
  await feed.getByText('203.0.113.77').first().waitFor({ timeout: 15_000 });
  await waitFor(async () => (await kernelSet()).includes('203.0.113.77'), { what: 'the ban in the kernel set', timeoutMs: 10_000 });
  await go(page, 'Bans');
  await banRow(page, '203.0.113.77').waitFor();
  assert.match((await banRow(page, '203.0.113.77').textContent()) ?? '', /ssh/);
  assert.ok(desktop.events.some((event) => event.type === 'ban-added' && event.ip === '203.0.113.77'), 'the host pushed BanAdded to the page');
});

test('Unban from the bans page lifts the ban in the helper and the kernel set', async () => {
  await client.ban('198.51.100.31', 3_600, 'seen scanning');
  const { page } = await open('light');
  await go(page, 'Bans');
  await banRow(page, '198.51.100.31').waitFor();
  assert.ok((await kernelSet()).includes('198.51.100.31'));
  await page.getByRole('button', { name: 'Unban 198.51.100.31' }).click();
  await banRow(page, '198.51.100.31').waitFor({ state: 'detached', timeout: 10_000 });
  assert.equal(await client.isBanned('198.51.100.31'), false);
  assert.ok(!(await kernelSet()).includes('198.51.100.31'), 'gone from the kernel set');
});

test('Extend from the bans page makes a detector ban last a day longer and keeps its record; an extension made elsewhere shows at once', async () => {
  helper.appendAuthLog(sshFailures('198.51.100.36', 3, Date.now() - 6_000));
  await waitFor(() => client.isBanned('198.51.100.36'), { what: 'the detector ban', timeoutMs: 10_000 });
  const before = (await client.getBans()).find((ban) => ban.ip === '198.51.100.36')!;
  const { page } = await open('light');
  await go(page, 'Bans');
  await banRow(page, '198.51.100.36').waitFor();
  await page.getByRole('combobox', { name: 'Extend 198.51.100.36' }).selectOption('day');
  await waitFor(async () => (await client.getBans()).find((ban) => ban.ip === '198.51.100.36')!.expires_at > before.expires_at, { what: 'the longer ban', timeoutMs: 10_000 });
  const after = (await client.getBans()).find((ban) => ban.ip === '198.51.100.36')!;
  assert.ok(Math.abs(after.expires_at - (before.expires_at + 86_400)) <= 2, `a day longer: ${JSON.stringify({ before, after })}`);
  assert.deepEqual({ ...after, expires_at: 0 }, { ...before, expires_at: 0 }, 'service, reason, source, failures and start unchanged');
  assert.ok((await kernelSet()).includes('198.51.100.36'));
  // Made permanent elsewhere (another admin, c2b extend): BanExtended updates the open page.
  await client.extendBan('198.51.100.36', 0);
  await banRow(page, '198.51.100.36').getByText('permanent').first().waitFor({ timeout: 10_000 });
});

test('Whitelist from the bans page unbans the address and protects it from then on', async () => {
  await client.ban('198.51.100.32', 3_600, 'seen scanning');
  const { page } = await open('dark');
  await go(page, 'Bans');
  await page.getByRole('button', { name: 'Whitelist 198.51.100.32' }).click();
  await banRow(page, '198.51.100.32').waitFor({ state: 'detached', timeout: 10_000 });
  const whitelist = await client.getWhitelist();
  assert.ok(whitelist.some((entry) => entry.network === '198.51.100.32/32'), `in the whitelist: ${JSON.stringify(whitelist)}`);
  assert.ok(!(await kernelSet()).includes('198.51.100.32'));
  await assert.rejects(client.ban('198.51.100.32', 60, 'again'), { kind: 'Whitelisted' });
  // Attack lines from it and from another address: the other one is banned, the whitelisted one is not.
  helper.appendAuthLog(sshFailures('198.51.100.32', 5, Date.now() - 4_000) + sshFailures('198.51.100.34', 3, Date.now() - 4_000));
  await waitFor(() => client.isBanned('198.51.100.34'), { what: 'the control address banned', timeoutMs: 10_000 });
  assert.equal(await client.isBanned('198.51.100.32'), false);
  await go(page, 'Whitelist');
  await page.getByText('198.51.100.32').first().waitFor();
  // The form: a network with a comment, then its removal; a typo is answered in words.
  await page.getByLabel('Address or network').fill('192.0.2.128/25');
  await page.getByLabel('Comment').fill('the lab');
  await page.getByRole('button', { name: 'Add to whitelist' }).click();
  await waitFor(async () => (await client.getWhitelist()).some((entry) => entry.network === '192.0.2.128/25' && entry.comment === 'the lab'), { what: 'the new entry', timeoutMs: 10_000 });
  await page.getByRole('button', { name: 'Remove 192.0.2.128/25' }).click();
  await waitFor(async () => !(await client.getWhitelist()).some((entry) => entry.network === '192.0.2.128/25'), { what: 'the entry removed', timeoutMs: 10_000 });
  await page.getByLabel('Address or network').fill('192.0.2.300');
  await page.getByRole('button', { name: 'Add to whitelist' }).click();
  await page.getByRole('alert').filter({ hasText: 'not a valid IP address' }).first().waitFor({ timeout: 10_000 });
});

test('a desktop user the helper does not authorise sees a clear refusal, and nothing changes', async () => {
  await client.ban('198.51.100.40', 3_600, 'seen scanning');
  const desktop = await open('light', { user: { uid: NOBODY, gid: NOBODY } });
  const { page } = desktop;
  await go(page, 'Bans');
  await page.getByRole('button', { name: 'Unban 198.51.100.40' }).click();
  const alert = page.getByRole('alert').filter({ hasText: /not allowed/i });
  await alert.first().waitFor({ timeout: 10_000 });
  await desktop.screenshot('refusal');
  assert.equal(await client.isBanned('198.51.100.40'), true);
  assert.ok((await kernelSet()).includes('198.51.100.40'));
});

test('the helper killed: the page says so, starts it through systemd at a click, and recovers by itself with fresh data', async () => {
  await client.ban('198.51.100.50', 3_600, 'before the crash');
  const desktop = await open('light');
  const { page } = desktop;
  await go(page, 'Bans');
  await banRow(page, '198.51.100.50').waitFor();
  await helper.kill('SIGKILL');
  const notRunning = page.getByText(/helper is not running/i).first();
  await notRunning.waitFor({ timeout: 10_000 });
  await desktop.screenshot('helper-stopped');
  await page.getByRole('button', { name: 'Start the helper' }).click();
  await waitFor(() => systemd.calls.length > 0, { what: 'StartUnit from the page', timeoutMs: 10_000 });
  assert.deepEqual(systemd.calls.map((call) => [call.unit, call.mode]), [['croissant2ban.service', 'replace']]);
  await systemd.settled();
  // The restored ban, and one made after the restart, appear without a reload.
  await client.ban('198.51.100.51', 3_600, 'after the restart');
  await notRunning.waitFor({ state: 'detached', timeout: 15_000 });
  await banRow(page, '198.51.100.50').waitFor({ timeout: 10_000 });
  await banRow(page, '198.51.100.51').waitFor({ timeout: 10_000 });
  const connections = desktop.events.flatMap((event) => (event.type === 'connection' ? [event.connection.state] : []));
  assert.deepEqual(connections.slice(-2), ['stopped', 'running'], `connection states seen: ${connections.join(', ')}`);
});

test('the keyboard alone reaches the bans page and unbans an address', async () => {
  await client.ban('198.51.100.60', 3_600, 'keyboard test');
  const { page } = await open('light');
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  const focused = async () => (await page.locator(':focus').first().evaluate((element) => element.getAttribute('aria-label') ?? element.textContent ?? '')).trim();
  /** Presses Tab until the focused element is called `name`; fails after `limit` presses. */
  const tabTo = async (name: string, limit: number) => {
    for (let presses = 0; presses < limit; presses++) {
      await page.keyboard.press('Tab');
      if ((await focused()) === name) return;
    }
    assert.fail(`Tab never reached ${JSON.stringify(name)} (last: ${JSON.stringify(await focused())})`);
  };
  await tabTo('Bans', 10);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Bans' }).waitFor();
  await banRow(page, '198.51.100.60').waitFor();
  await tabTo('Unban 198.51.100.60', 60);
  await page.keyboard.press('Enter');
  await waitFor(async () => !(await client.isBanned('198.51.100.60')), { what: 'the unban made with the keyboard', timeoutMs: 10_000 });
  await banRow(page, '198.51.100.60').waitFor({ state: 'detached', timeout: 10_000 });
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`every page, ${colorScheme}: a screenshot of what the user sees`, async () => {
    await client.ban('192.0.2.60', 0, 'permanent, by hand');
    // Public addresses the shipped GeoIP data places (NL, US, AU), so the map and the countries have
    // something to show. Nothing is sent to them: the helper bans inside its own network namespace.
    const attackers = ['193.0.6.139', '8.8.4.4', '1.0.0.1'];
    helper.appendAuthLog(attackers.map((ip) => sshFailures(ip, 3, Date.now() - 8_000)).join(''));
    await waitFor(async () => (await Promise.all(attackers.map((ip) => client.isBanned(ip)))).every(Boolean), { what: 'the screenshot attackers banned', timeoutMs: 10_000 });
    await client.whitelistAdd('10.0.0.0/8', 'the office network').catch(() => undefined);
    const desktop = await open(colorScheme);
    const { page } = desktop;
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await desktop.screenshot('dashboard');
    for (const name of ['Bans', 'Whitelist', 'Services', 'Activity', 'Settings']) {
      await go(page, name);
      await page.getByRole('status').filter({ hasText: /loading/i }).first().waitFor({ state: 'detached' }).catch(() => undefined);
      await desktop.screenshot(name.toLowerCase());
    }
    await go(page, 'Bans');
    await banRow(page, '193.0.6.139').getByRole('button', { name: '193.0.6.139' }).first().click();
    await page.getByRole('dialog').first().waitFor();
    await desktop.screenshot('intel-panel');
    // The strict CSP holds with everything the pages do: no violation, no exception, on any page.
    assert.deepEqual(desktop.problems, []);
  });
}
