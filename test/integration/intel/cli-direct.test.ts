// c2b intel without a running helper: it looks the address up itself, with the config it may read
// (its keys included) or the defaults when it may not, prints the same report, and caches nothing.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runAs } from '../../support/as-user.js';
import { runCli } from '../../support/cli.js';
import { reverseName, startFakeDns, type FakeDns } from '../../support/fake-dns.js';
import { startFakeHttp, type FakeHttp } from '../../support/fake-http.js';
import { helperCommand, temporaryDirectory } from '../../support/paths.js';

let dns: FakeDns;
let http: FakeHttp;
let directory: { path: string; dispose: () => void };
let config: string;
/** No helper answers on this bus: c2b falls back to the direct lookup. */
const env = { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/c2b-test-bus' };

before(async () => {
  dns = await startFakeDns({ ptr: { [reverseName('8.8.8.8')]: ['dns.google'] }, a: { 'dns.google': ['8.8.8.8'] } });
  http = await startFakeHttp((request) =>
    request.path === '/api/v2/check' && request.headers.key === 'direct-key'
      ? { status: 200, body: { data: { ipAddress: '8.8.8.8', abuseConfidenceScore: 0, totalReports: 3, numDistinctUsers: 2, usageType: 'Content Delivery Network', isp: 'Google LLC' } } }
      : { status: 404 },
  );
  directory = temporaryDirectory('c2b-intel-cli-');
  config = join(directory.path, 'config.toml');
  writeFileSync(
    config,
    `[general]\ndb_path = "${join(directory.path, 'never-created.db')}"\n` +
      `[intel]\nwhois_enabled = false\ndns_servers = ["${dns.server}"]\nabuseipdb_url = "${http.url}"\nabuseipdb_api_key = "direct-key"\n`,
  );
});

after(async () => {
  await Promise.all([dns?.close(), http?.close()]);
  directory?.dispose();
});

test('without a helper, c2b intel looks up directly with the readable config and says so', async () => {
  const result = await runCli(['intel', '8.8.8.8', '-c', config], { env });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /the helper is not running; looked up directly, nothing cached/);
  assert.match(result.stdout, /^IP: 8\.8\.8\.8\n/);
  assert.match(result.stdout, /Reverse DNS: dns\.google\n/);
  assert.match(result.stdout, /Abuse confidence: 0% \(3 reports from 2 users\)/);
  assert.doesNotMatch(result.stdout, /Banned:/, 'whether it is banned is the helper\'s to say');
  const json = await runCli(['intel', '8.8.8.8', '-j', '-c', config], { env });
  const info = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.equal(info.usage_type, 'Content Delivery Network');
  assert.equal(info.reverse_dns_confirmed, true);
});

test('a user who cannot read the config gets a lookup with the defaults (no keys), not an error', async () => {
  chmodSync(config, 0o600);
  const requestsBefore = http.requests.length;
  // The defaults ask the real registries: in a network namespace of its own nothing leaves the machine.
  const result = await runAs({}, [...helperCommand('cli/c2b'), 'intel', '8.8.8.8', '-j', '-c', config], { env, prefix: ['unshare', '--net', '--'] });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /is not readable by you: default intel settings, no API keys/);
  const info = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.equal(info.country_code, 'US', 'the shipped GeoIP data is readable by anyone');
  assert.equal(http.requests.length, requestsBefore, 'no API call without the key');
});

test('an invalid address is a usage error (exit 2) that names the input', async () => {
  const result = await runCli(['intel', '999.1.1.1', '-c', config], { env });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /not an IP address: "999\.1\.1\.1"/);
});
