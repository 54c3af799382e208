// Intel in the running helper, over its D-Bus API and c2b: gathered after a ban without slowing it
// (every remote source hangs), served by GetIntel, refreshed only by those who may manage the
// helper, keys kept out of replies, and a warning when the config holding keys is world-readable.
// The helper uses the null firewall in the host's network namespace so that it reaches the loopback
// fakes; the firewall itself is covered by the enforcement tests.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClientError, type DaemonClient } from '../../../helper/client/index.js';
import { NOBODY, runAs } from '../../support/as-user.js';
import { runCli } from '../../support/cli.js';
import { reverseName, startFakeDns, type FakeDns } from '../../support/fake-dns.js';
import { startFakeHttp, type FakeHttp, type HttpAnswer } from '../../support/fake-http.js';
import { startFakeWhois, type FakeWhois } from '../../support/fake-whois.js';
import { startHelperWithBus, type RunningHelper } from '../../support/helper-with-bus.js';
import { helperCommand, repositoryRoot, temporaryDirectory } from '../../support/paths.js';
import { writeRdapBootstrap } from '../../support/rdap-bootstrap.js';
import { sshFailures } from '../../support/syslog.js';
import { waitFor } from '../../support/wait.js';

const fixture = (name: string) => readFileSync(join(repositoryRoot, 'test', 'fixtures', 'intel', name), 'utf8');
const SHODAN_KEY = 'test-shodan-key-abcdef';
const ABUSE_KEY = 'test-abuse-key-123456';

let hanging = true;
let dns: FakeDns;
let http: FakeHttp;
let whois: FakeWhois;
let helper: RunningHelper;
let root: DaemonClient;
let bootstrap: { path: string; dispose: () => void };

const answer = (path: string): HttpAnswer => {
  if (hanging) return 'hang';
  if (path.startsWith('/ip/')) return { status: 200, body: fixture('rdap-arin-8.8.8.8.json'), headers: { 'content-type': 'application/rdap+json' } };
  if (path.startsWith('/shodan/host/')) return { status: 200, body: fixture('shodan-host.json') };
  if (path === '/api/v2/check') return { status: 200, body: fixture('abuseipdb-check.json') };
  return { status: 404 };
};

before(async () => {
  dns = await startFakeDns({ ptr: { [reverseName('8.8.8.8')]: ['dns.google'] }, a: { 'dns.google': ['8.8.8.8'] } });
  dns.hang = true;
  http = await startFakeHttp((request) => answer(request.path));
  whois = await startFakeWhois(() => 'hang');
  bootstrap = temporaryDirectory('c2b-rdap-');
  mkdirSync(bootstrap.path, { recursive: true });
  writeRdapBootstrap(bootstrap.path, http.url);
  helper = await startHelperWithBus({
    backend: 'null',
    intel:
      `timeout_secs = 20\ndns_servers = ["${dns.server}"]\nrdap_bootstrap_dir = "${bootstrap.path}"\nwhois_server = "${whois.host}"\n` +
      `shodan_url = "${http.url}"\nabuseipdb_url = "${http.url}"\nshodan_api_key = "${SHODAN_KEY}"\nabuseipdb_api_key = "${ABUSE_KEY}"\n`,
  });
  root = await helper.client();
});

after(async () => {
  await helper?.dispose();
  await Promise.all([dns?.close(), http?.close(), whois?.close()]);
  bootstrap?.dispose();
});

test('a ban is applied at once while every remote intel source hangs, and the lookups run beside it', async () => {
  const banned: string[] = [];
  await root.on('BanAdded', (address) => void banned.push(address));
  const started = Date.now();
  helper.appendAuthLog(sshFailures('8.8.8.8', 3, Date.now()));
  await waitFor(() => banned.includes('8.8.8.8'), { what: 'BanAdded for 8.8.8.8', timeoutMs: 10_000 });
  assert.equal(await root.isBanned('8.8.8.8'), true);
  // Well inside the sources' 20 s deadline: nothing waited for them.
  assert.ok(Date.now() - started < 10_000);
  await waitFor(() => http.requests.length >= 3 && dns.queries.length >= 1, { what: 'RDAP, Shodan, AbuseIPDB and DNS asked after the ban' });
  assert.deepEqual(http.requests.map((request) => request.path.replace(/\/[^/]*$/, '/')).sort(), ['/api/v2/', '/ip/', '/shodan/host/']);
});

test('GetIntel answers from the local databases at once for an unprivileged caller, who cannot start lookups', async () => {
  const script = [
    ...helperCommand('cli/c2b'),
    'intel',
    '9.9.9.9',
    '-j',
  ];
  const before = http.requests.length;
  const result = await runAs({}, script, { env: helper.bus.env });
  assert.equal(result.status, 0, result.stderr);
  const info = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.equal(info.address, '9.9.9.9');
  assert.equal(info.scope, 'public');
  assert.equal(typeof info.asn, 'number');
  assert.deepEqual([...(info.pending as string[])].sort(), ['abuseipdb', 'rdns', 'shodan', 'whois']);
  assert.equal(http.requests.length, before, 'no remote lookup for an unprivileged caller');

  const refresh = await runAs({}, [...helperCommand('cli/c2b'), 'intel', '9.9.9.9', '-r'], { env: helper.bus.env });
  assert.equal(refresh.status, 77, refresh.stderr);
  assert.match(refresh.stderr, /not authorised/);
  assert.equal(http.requests.length, before);
  assert.match(helper.output(), new RegExp(`level=warn method=GetIntel uid=${NOBODY} .*action=deny`));
});

test('once the sources answer, a refresh by root gathers everything and c2b shows it grouped, without the keys', async () => {
  hanging = false;
  dns.hang = false;
  const info = await root.getIntel('8.8.8.8', true);
  assert.equal(info.reverse_dns, 'dns.google');
  assert.equal(info.reverse_dns_confirmed, true);
  assert.equal(info.organization, 'Google LLC');
  assert.equal(info.abuse_contact, 'network-abuse@google.com');
  assert.equal(typeof info.abuse_confidence, 'number');
  assert.equal(info.country_code, 'US');
  assert.equal(info.hosting, true);
  assert.equal(info.errors, undefined);

  const shown = await runCli(['intel', '8.8.8.8'], { env: helper.bus.env });
  assert.equal(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, /^IP: 8\.8\.8\.8\nBanned: yes\nGathered: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n--- Location ---\nCountry: United States \(US\)\n/);
  for (const line of ['ASN: AS15169 (Google LLC)', 'Reverse DNS: dns.google', 'Abuse contact: network-abuse@google.com', '--- Flags ---', 'Hosting/Datacenter', '--- Sources ---']) {
    assert.ok(shown.stdout.includes(line), `missing "${line}" in:\n${shown.stdout}`);
  }
  const json = await runCli(['intel', '8.8.8.8', '-j'], { env: helper.bus.env });
  assert.deepEqual(JSON.parse(json.stdout), info);

  const everything = shown.stdout + json.stdout + helper.output();
  assert.ok(!everything.includes(SHODAN_KEY) && !everything.includes(ABUSE_KEY), 'an API key leaked');
});

test('GetIntel refuses what is not an address, and the helper warns that the keys are world-readable', async () => {
  await assert.rejects(root.getIntel('8.8.8.8; rm -rf /', false), (error: unknown) => error instanceof ClientError && error.kind === 'InvalidAddress');
  assert.match(helper.output(), /level=warn .*msg="the configuration holds API keys and every user can read it; chmod o-r it"/);
});
