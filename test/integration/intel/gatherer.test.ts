// The gatherer against real protocols on loopback: a DNS server for PTR and A/AAAA, an RDAP server, a
// port-43 WHOIS chain (IANA -> ARIN -> RIPE), and HTTP servers answering like Shodan and AbuseIPDB,
// including refusals, rate limits, hangs and malformed bodies.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defaultConfig } from '../../../helper/config/load.js';
import { parseAddress } from '../../../helper/core/address.js';
import type { Logger, LogFields } from '../../../helper/daemon/log.js';
import { createIntelGatherer, type IntelSettings } from '../../../helper/intel/gatherer.js';
import { memoryCache, storeCache } from '../../../helper/intel/record.js';
import { Store } from '../../../helper/store/store.js';
import { reverseName, startFakeDns, type FakeDns } from '../../support/fake-dns.js';
import { startFakeHttp, type FakeHttp, type HttpAnswer, type HttpRequestSeen } from '../../support/fake-http.js';
import { startFakeWhois, type FakeWhois } from '../../support/fake-whois.js';
import { repositoryRoot, temporaryDirectory } from '../../support/paths.js';
import { writeRdapBootstrap } from '../../support/rdap-bootstrap.js';
import { waitFor } from '../../support/wait.js';

const fixture = (name: string) => readFileSync(join(repositoryRoot, 'test', 'fixtures', 'intel', name), 'utf8');
const address = (text: string) => parseAddress(text)!;
const SHODAN_KEY = 'shodan-secret-0123456789';
const ABUSE_KEY = 'abuseipdb-secret-9876543210';

let dns: FakeDns;
let rdap: FakeHttp;
let shodan: FakeHttp;
let abuse: FakeHttp;
let iana: FakeWhois;
let arin: FakeWhois;
let ripe: FakeWhois;
let directory: { path: string; dispose: () => void };
/** Per-test behaviour of the HTTP fakes; each test sets what it needs. */
let rdapAnswer: (request: HttpRequestSeen) => HttpAnswer;
let shodanAnswer: (request: HttpRequestSeen) => HttpAnswer;
let abuseAnswer: (request: HttpRequestSeen) => HttpAnswer;
let ianaAnswer: (query: string) => string | 'hang';

const defaultRdap = (request: HttpRequestSeen): HttpAnswer => {
  if (request.path === '/ip/8.8.8.8') return { status: 200, body: fixture('rdap-arin-8.8.8.8.json'), headers: { 'content-type': 'application/rdap+json' } };
  if (request.path === '/ip/193.0.6.139') return { status: 200, body: fixture('rdap-ripe-193.0.6.139.json'), headers: { 'content-type': 'application/rdap+json' } };
  return { status: 404, body: { errorCode: 404, title: 'Not Found' } };
};

before(async () => {
  dns = await startFakeDns({
    ptr: { [reverseName('8.8.8.8')]: ['dns.google'], [reverseName('193.0.6.139')]: ['www.ripe.net'], [reverseName('2001:4860:4860::8888')]: ['dns.google'] },
    a: { 'dns.google': ['8.8.8.8', '8.8.4.4'], 'www.ripe.net': ['193.0.11.51'] },
    aaaa: { 'dns.google': ['2001:4860:4860::8888'] },
  });
  rdap = await startFakeHttp((request) => rdapAnswer(request));
  shodan = await startFakeHttp((request) => shodanAnswer(request));
  abuse = await startFakeHttp((request) => abuseAnswer(request));
  ripe = await startFakeWhois((query) => (query.includes('193.0.6.139') ? fixture('ripe-193.0.6.139.txt') : '%ERROR:101: no entries found\n'));
  // Asked by host name, ARIN gets "n + <address>"; at its loopback stand-in the bare address.
  arin = await startFakeWhois((query) => {
    if (query === '8.8.8.8') return fixture('arin-8.8.8.8.txt');
    if (query === '193.0.6.139') return fixture('arin-referral-to-ripe.txt').replace('whois://whois.ripe.net', `whois://${ripe.host}`);
    return `# unexpected query ${query}\n`;
  });
  iana = await startFakeWhois((query) => ianaAnswer(query));
  directory = temporaryDirectory('c2b-intel-');
  // A bootstrap like IANA's, with every registry at the loopback RDAP server.
  const bootstrap = join(directory.path, 'bootstrap');
  mkdirSync(bootstrap);
  writeRdapBootstrap(bootstrap, rdap.url);
});

after(async () => {
  await Promise.all([dns, rdap, shodan, abuse, iana, arin, ripe].map((server) => server?.close()));
  directory?.dispose();
});

function resetFakes() {
  rdapAnswer = defaultRdap;
  shodanAnswer = (request) => (request.query.get('key') === SHODAN_KEY ? { status: 200, body: fixture('shodan-host.json') } : { status: 401, body: { error: 'Invalid API key' } });
  abuseAnswer = (request) => (request.headers.key === ABUSE_KEY ? { status: 200, body: fixture('abuseipdb-check.json') } : { status: 401, body: { errors: [{ detail: 'Authentication failed.' }] } });
  ianaAnswer = (query) => {
    // IANA sends 193.0.6.139 to RIPE directly; here it goes by way of ARIN (as for ARIN-administered
    // legacy space) so that ARIN's ReferralServer is followed too.
    const answer = query === '8.8.8.8' || query === '193.0.6.139' ? fixture('iana-8.8.8.8.txt') : `% no such address ${query}\n`;
    // The registries' whois servers, at their loopback stand-ins.
    return answer.replaceAll('whois.arin.net', arin.host).replaceAll('whois.ripe.net', ripe.host);
  };
  for (const server of [rdap, shodan, abuse]) server.requests.length = 0;
  for (const server of [iana, arin, ripe]) server.queries.length = 0;
  dns.queries.length = 0;
  dns.hang = false;
}

function recordingLogger() {
  const lines: string[] = [];
  const write = (level: string) => (message: string, fields?: LogFields) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const logger: Logger = { log: (level, message, fields) => write(level)(message, fields), trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  return { logger, lines };
}

function settings(overrides: Partial<IntelSettings> = {}): IntelSettings {
  return {
    ...defaultConfig().intel,
    dnsServers: [dns.server],
    rdapBootstrapDirectory: join(directory.path, 'bootstrap'),
    whoisServer: iana.host,
    shodanUrl: shodan.url,
    abuseipdbUrl: abuse.url,
    shodanApiKey: SHODAN_KEY,
    abuseipdbApiKey: ABUSE_KEY,
    timeoutSecs: 2,
    ...overrides,
  };
}

test('a lookup merges GeoIP, forward-confirmed reverse DNS, RDAP WHOIS, Shodan and AbuseIPDB into one answer', async () => {
  resetFakes();
  const gatherer = createIntelGatherer({ settings: settings(), cache: memoryCache(), logger: recordingLogger().logger });
  const info = await gatherer.lookup(address('8.8.8.8'), { refresh: false, gather: true });
  gatherer.close();
  assert.equal(info.country_code, 'US');
  assert.equal(info.asn, 15169);
  assert.equal(info.reverse_dns, 'dns.google');
  assert.equal(info.reverse_dns_confirmed, true);
  assert.equal(info.organization, 'Google LLC');
  assert.equal(info.registry, 'ARIN');
  assert.equal(info.abuse_contact, 'network-abuse@google.com');
  assert.match(info.network_range ?? '', /^8\.8\.8\.0\/24/);
  assert.ok((info.open_ports ?? []).length > 0, 'Shodan ports');
  assert.equal(typeof info.abuse_confidence, 'number');
  assert.equal(info.usage_type, 'Data Center/Web Hosting/Transit');
  assert.equal(info.hosting, true);
  assert.deepEqual(Object.keys(info.gathered ?? {}).sort(), ['abuseipdb', 'rdns', 'shodan', 'whois']);
  assert.equal(info.errors, undefined);
  assert.deepEqual(info.pending, undefined);
  // The API key went where each service wants it, and RDAP was asked, not port 43.
  assert.equal(shodan.requests[0]!.query.get('key'), SHODAN_KEY);
  assert.equal(abuse.requests[0]!.headers.key, ABUSE_KEY);
  assert.equal(abuse.requests[0]!.query.get('ipAddress'), '8.8.8.8');
  assert.equal(rdap.requests[0]!.path, '/ip/8.8.8.8');
  assert.equal(iana.queries.length, 0);
});

test('a reverse name that does not resolve back to the address is reported as not forward-confirmed', async () => {
  resetFakes();
  dns.setRecords({ ptr: { [reverseName('193.0.6.139')]: ['mail.google.com'] }, a: { 'mail.google.com': ['142.250.1.1'] } });
  const gatherer = createIntelGatherer({ settings: settings({ whoisEnabled: false, shodanApiKey: null, abuseipdbApiKey: null }), cache: memoryCache(), logger: recordingLogger().logger });
  const info = await gatherer.lookup(address('193.0.6.139'), { refresh: false, gather: true });
  gatherer.close();
  assert.equal(info.reverse_dns, 'mail.google.com');
  assert.equal(info.reverse_dns_confirmed, false);
  dns.setRecords({ ptr: { [reverseName('8.8.8.8')]: ['dns.google'], [reverseName('193.0.6.139')]: ['www.ripe.net'] }, a: { 'dns.google': ['8.8.8.8'], 'www.ripe.net': ['193.0.11.51'] } });
});

test('when RDAP fails, WHOIS goes over port 43 from IANA through the referral to the registry', async () => {
  resetFakes();
  rdapAnswer = () => ({ status: 503, body: 'Service Unavailable' });
  const gatherer = createIntelGatherer({ settings: settings({ rdnsEnabled: false, shodanApiKey: null, abuseipdbApiKey: null }), cache: memoryCache(), logger: recordingLogger().logger });
  const google = await gatherer.lookup(address('8.8.8.8'), { refresh: false, gather: true });
  assert.deepEqual(iana.queries, ['8.8.8.8']);
  assert.deepEqual(arin.queries, ['8.8.8.8']);
  assert.equal(google.organization, 'Google LLC');
  assert.equal(google.registry, 'ARIN');
  assert.equal(google.abuse_contact, 'network-abuse@google.com');

  // ARIN refers RIPE's early-registration space on to RIPE: the answer is RIPE's narrower network.
  const ripeNcc = await gatherer.lookup(address('193.0.6.139'), { refresh: false, gather: true });
  gatherer.close();
  assert.deepEqual(ripe.queries, ['193.0.6.139']);
  assert.equal(ripeNcc.registry, 'RIPE NCC');
  assert.equal(ripeNcc.network_name, 'RIPE-NCC');
  assert.equal(ripeNcc.abuse_contact, 'abuse@ripe.net');
});

test('private, loopback and documentation addresses are answered locally without any network call', async () => {
  resetFakes();
  const gatherer = createIntelGatherer({ settings: settings(), cache: memoryCache(), logger: recordingLogger().logger });
  for (const text of ['10.1.2.3', '192.168.1.1', '127.0.0.1', '::1', 'fe80::1', '203.0.113.7', '2001:db8::1', '100.64.0.1', '169.254.1.1']) {
    const info = await gatherer.lookup(address(text), { refresh: true, gather: true });
    assert.notEqual(info.scope, 'public', text);
    assert.equal(info.gathered, undefined, text);
    gatherer.queue(text);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  gatherer.close();
  assert.equal(dns.queries.length + rdap.requests.length + shodan.requests.length + abuse.requests.length + iana.queries.length, 0);
});

test('a refused key, a rate limit, a malformed body and a hang each fail their own source while the others answer', async () => {
  resetFakes();
  shodanAnswer = () => ({ status: 401, body: { error: 'Invalid API key. If you signed up recently...' } });
  abuseAnswer = () => ({ status: 429, body: { errors: [{ detail: 'Daily rate limit of 1000 requests exceeded.' }] }, headers: { 'retry-after': '3600' } });
  const { logger, lines } = recordingLogger();
  const gatherer = createIntelGatherer({ settings: settings(), cache: memoryCache(), logger });
  const first = await gatherer.lookup(address('8.8.8.8'), { refresh: false, gather: true });
  assert.match(first.errors?.shodan ?? '', /API key was refused \(HTTP 401\)/);
  assert.match(first.errors?.abuseipdb ?? '', /rate limited \(HTTP 429\)/);
  assert.equal(first.reverse_dns, 'dns.google');
  assert.equal(first.organization, 'Google LLC');

  gatherer.close();

  // A new gatherer (a reload), since a refused key and a rate limit pause their sources.
  shodanAnswer = () => ({ status: 200, body: '{"ports": [22, 80' });
  abuseAnswer = () => 'hang';
  const again = createIntelGatherer({ settings: settings(), cache: memoryCache(), logger });
  const second = await again.lookup(address('8.8.8.8'), { refresh: true, gather: true });
  again.close();
  assert.match(second.errors?.shodan ?? '', /not JSON/);
  assert.match(second.errors?.abuseipdb ?? '', /no answer in time/);
  assert.equal(second.reverse_dns, 'dns.google');

  // No key appears anywhere a person or another program could read it.
  const everything = JSON.stringify([first, second]) + lines.join('\n');
  assert.ok(!everything.includes(SHODAN_KEY) && !everything.includes(ABUSE_KEY), 'an API key leaked into a reply or the log');
});

test('answers are cached per source, a failed source is retried only after its backoff, and refresh asks every source again', async () => {
  resetFakes();
  const database = join(directory.path, `cache-${process.hrtime.bigint()}.db`);
  const store = new Store(database);
  let clock = Date.parse('2026-11-21T12:00:00Z');
  const now = () => clock;
  abuseAnswer = () => ({ status: 500, body: 'oops' });
  const gatherer = createIntelGatherer({ settings: settings({ retryMinutes: 15, cacheHours: 24 }), cache: storeCache(store), logger: recordingLogger().logger, now });
  await gatherer.lookup(address('8.8.8.8'), { refresh: false, gather: true });
  const asked = () => ({ rdns: dns.queries.filter((query) => query.type === 12).length, rdap: rdap.requests.length, shodan: shodan.requests.length, abuse: abuse.requests.length });
  assert.deepEqual(asked(), { rdns: 1, rdap: 1, shodan: 1, abuse: 1 });

  // Within every lifetime and the backoff: nothing is asked again.
  clock += 10 * 60_000;
  const cached = await gatherer.lookup(address('8.8.8.8'), { refresh: false, gather: true });
  assert.deepEqual(asked(), { rdns: 1, rdap: 1, shodan: 1, abuse: 1 });
  assert.match(cached.errors?.abuseipdb ?? '', /HTTP 500/);
  assert.equal(cached.gathered?.rdns, Math.floor(Date.parse('2026-11-21T12:00:00Z') / 1000));

  // After the backoff only the failed source is asked; it answers now.
  clock += 6 * 60_000;
  abuseAnswer = () => ({ status: 200, body: fixture('abuseipdb-check.json') });
  const retried = await gatherer.lookup(address('8.8.8.8'), { refresh: false, gather: true });
  assert.deepEqual(asked(), { rdns: 1, rdap: 1, shodan: 1, abuse: 2 });
  assert.equal(retried.errors, undefined);

  // A day later the day-long answers are stale, WHOIS (a week) is not.
  clock += 25 * 3_600_000;
  await gatherer.lookup(address('8.8.8.8'), { refresh: false, gather: true });
  assert.deepEqual(asked(), { rdns: 2, rdap: 1, shodan: 2, abuse: 3 });

  await gatherer.lookup(address('8.8.8.8'), { refresh: true, gather: true });
  assert.deepEqual(asked(), { rdns: 3, rdap: 2, shodan: 3, abuse: 4 });
  gatherer.close();

  // The cache is the helper's database: a new gatherer on it asks nothing.
  const later = createIntelGatherer({ settings: settings(), cache: storeCache(store), logger: recordingLogger().logger, now });
  const reread = await later.lookup(address('8.8.8.8'), { refresh: false, gather: true });
  later.close();
  assert.deepEqual(asked(), { rdns: 3, rdap: 2, shodan: 3, abuse: 4 });
  assert.equal(reread.organization, 'Google LLC');
  store.close();
});

test('without gather, nothing is asked and the missing sources are listed as pending', async () => {
  resetFakes();
  const gatherer = createIntelGatherer({ settings: settings(), cache: memoryCache(), logger: recordingLogger().logger });
  const info = await gatherer.lookup(address('8.8.8.8'), { refresh: false, gather: false });
  gatherer.close();
  assert.equal(info.country_code, 'US');
  assert.deepEqual([...(info.pending ?? [])].sort(), ['abuseipdb', 'rdns', 'shodan', 'whois']);
  assert.equal(shodan.requests.length + abuse.requests.length + rdap.requests.length, 0);
});

test('the background queue is bounded, runs at most max_concurrent lookups, and drops what does not fit', async () => {
  resetFakes();
  shodanAnswer = () => 'hang';
  const { logger, lines } = recordingLogger();
  const gatherer = createIntelGatherer({ settings: settings({ maxConcurrent: 2, queueSize: 3, rdnsEnabled: false, whoisEnabled: false, abuseipdbApiKey: null, timeoutSecs: 30 }), cache: memoryCache(), logger });
  for (let index = 1; index <= 8; index++) gatherer.queue(`8.8.${index}.1`);
  gatherer.queue('8.8.1.1');
  assert.deepEqual(gatherer.counters(), { queued: 3, running: 0, dropped: 5, gathered: 0 });
  await waitFor(() => shodan.requests.length === 2, { what: 'two Shodan lookups in flight' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(shodan.requests.length, 2, 'no more than max_concurrent at once');
  assert.deepEqual(gatherer.counters(), { queued: 1, running: 2, dropped: 5, gathered: 0 });
  assert.ok(lines.some((line) => line.startsWith('warn the intel queue is full')));
  gatherer.close();
});

test('a rate limit or a refused key pauses that source for every address, not only the one that met it', async () => {
  resetFakes();
  abuseAnswer = () => ({ status: 429, body: { errors: [{ detail: 'Daily rate limit exceeded.' }] }, headers: { 'retry-after': '600' } });
  const { logger, lines } = recordingLogger();
  const gatherer = createIntelGatherer({ settings: settings({ rdnsEnabled: false, whoisEnabled: false, shodanApiKey: null }), cache: memoryCache(), logger });
  await gatherer.lookup(address('8.8.8.8'), { refresh: false, gather: true });
  const other = await gatherer.lookup(address('193.0.6.139'), { refresh: true, gather: true });
  gatherer.close();
  assert.equal(abuse.requests.length, 1, 'the second address did not spend another call');
  assert.match(other.errors?.abuseipdb ?? '', /^paused until \d{4}-.*rate limited \(HTTP 429\)/);
  assert.ok(lines.some((line) => line.startsWith('warn an intel source is paused for every address')));
});

test('an API that answers with a redirect is not followed, so its key goes nowhere else', async () => {
  resetFakes();
  abuseAnswer = () => ({ status: 302, headers: { location: 'https://collector.example.net/steal' } });
  const gatherer = createIntelGatherer({ settings: settings({ rdnsEnabled: false, whoisEnabled: false, shodanApiKey: null }), cache: memoryCache(), logger: recordingLogger().logger });
  const info = await gatherer.lookup(address('8.8.8.8'), { refresh: false, gather: true });
  gatherer.close();
  assert.match(info.errors?.abuseipdb ?? '', /redirected \(HTTP 302\); not followed/);
});
