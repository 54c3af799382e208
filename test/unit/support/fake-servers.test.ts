import assert from 'node:assert/strict';
import { promises as dns } from 'node:dns';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { reverseName, startFakeDns } from '../../support/fake-dns.js';
import { startFakeHttp, type HttpAnswer } from '../../support/fake-http.js';
import { startFakeWhois } from '../../support/fake-whois.js';
import { repositoryRoot } from '../../support/paths.js';

const fixture = (name: string) => readFileSync(join(repositoryRoot, 'test/fixtures/intel', name), 'utf8');

/** What a whois client sees: write the query, read until the server closes. */
function whoisQuery(port: number, query: string, timeoutMilliseconds = 2000): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closedByServer: false });
    }, timeoutMilliseconds);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closedByServer: true });
    });
    socket.write(query);
  });
}

test('fake DNS answers a real resolver', async () => {
  const fake = await startFakeDns({ ptr: { [reverseName('8.8.8.8')]: ['dns.google'] }, a: { 'dns.google': ['8.8.8.8', '8.8.4.4'] } });
  try {
    const resolver = new dns.Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([fake.server]);
    assert.deepEqual(await resolver.reverse('8.8.8.8'), ['dns.google']);
    assert.deepEqual((await resolver.resolve4('dns.google')).sort(), ['8.8.4.4', '8.8.8.8']);
  } finally {
    await fake.close();
  }
});

test('fake whois reads one CRLF line, answers, and closes like a registry server', async () => {
  const whois = await startFakeWhois((query) => (query === 'n + 8.8.8.8' ? fixture('arin-8.8.8.8.txt') : 'No match found.\n'));
  try {
    assert.equal(whois.host, `127.0.0.1:${whois.port}`);
    const answer = await whoisQuery(whois.port, 'n + 8.8.8.8\r\n');
    assert.equal(answer.closedByServer, true);
    assert.equal(answer.text, fixture('arin-8.8.8.8.txt'));
    assert.match(answer.text, /^OrgAbuseEmail:\s+network-abuse@google\.com$/m);
    // A bare LF ends the line too.
    assert.equal((await whoisQuery(whois.port, '193.0.6.139\n')).text, 'No match found.\n');
    assert.deepEqual(whois.queries, ['n + 8.8.8.8', '193.0.6.139']);
  } finally {
    await whois.close();
  }
});

test('fake whois follows a referral chain when the handler dispatches on the query', async () => {
  const iana = await startFakeWhois(() => fixture('iana-193.0.6.139.txt'));
  const arin = await startFakeWhois(() => fixture('arin-referral-to-ripe.txt'));
  const ripe = await startFakeWhois(() => fixture('ripe-193.0.6.139.txt'));
  try {
    assert.match((await whoisQuery(iana.port, '193.0.6.139\r\n')).text, /^refer:\s+whois\.ripe\.net$/m);
    assert.match((await whoisQuery(arin.port, 'n + 193.0.6.139\r\n')).text, /^ReferralServer:\s+whois:\/\/whois\.ripe\.net$/m);
    assert.match((await whoisQuery(ripe.port, '193.0.6.139\r\n')).text, /^% Abuse contact for '193\.0\.0\.0 - 193\.0\.7\.255' is 'abuse@ripe\.net'$/m);
  } finally {
    await Promise.all([iana.close(), arin.close(), ripe.close()]);
  }
});

test('fake whois can hang, refuses an overlong line, and close() ends held connections', async () => {
  const whois = await startFakeWhois((query) => (query === 'slow' ? 'hang' : 'answer\n'));
  try {
    const held = await whoisQuery(whois.port, 'slow\r\n', 200);
    assert.deepEqual(held, { text: '', closedByServer: false });
    const overlong = await whoisQuery(whois.port, `${'x'.repeat(2000)}\r\n`);
    assert.deepEqual(overlong, { text: '', closedByServer: true });
    assert.deepEqual(whois.queries, ['slow']);
    // A hanging connection that the client keeps open must not keep close() waiting.
    const pending = whoisQuery(whois.port, 'slow\r\n', 5000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await whois.close();
    assert.equal((await pending).closedByServer, true);
    assert.ok(Date.now() - started < 1000);
  } finally {
    await whois.close().catch(() => {});
  }
});

test('fake HTTP serves JSON, lets RDAP set its own content type, and records the request', async () => {
  const rdap = fixture('rdap-arin-8.8.8.8.json');
  const http = await startFakeHttp((request): HttpAnswer => {
    if (request.path === '/ip/8.8.8.8') return { status: 200, body: JSON.parse(rdap) as object, headers: { 'Content-Type': 'application/rdap+json' } };
    if (request.path === '/shodan/host/118.25.6.39') return { status: 200, body: JSON.parse(fixture('shodan-host.json')) as object };
    if (request.path === '/api/v2/check') return { status: 200, body: fixture('abuseipdb-check.json'), headers: { 'content-type': 'application/json' } };
    return { status: 404, body: 'not here' };
  });
  try {
    assert.match(http.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const rdapResponse = await fetch(`${http.url}/ip/8.8.8.8`, { headers: { accept: 'application/rdap+json' } });
    assert.equal(rdapResponse.status, 200);
    assert.equal(rdapResponse.headers.get('content-type'), 'application/rdap+json');
    const network = (await rdapResponse.json()) as { objectClassName: string; entities: { entities: { roles: string[] }[] }[] };
    assert.equal(network.objectClassName, 'ip network');
    assert.deepEqual(network.entities[0]?.entities[0]?.roles, ['abuse']);

    const shodan = await fetch(`${http.url}/shodan/host/118.25.6.39?key=test-key&minify=true`);
    assert.equal(shodan.headers.get('content-type'), 'application/json');
    assert.deepEqual(((await shodan.json()) as { tags: string[] }).tags, ['cloud']);

    const abuse = await fetch(`${http.url}/api/v2/check?ipAddress=118.25.6.39&maxAgeInDays=90`, { headers: { key: 'abuse-key', accept: 'application/json' } });
    assert.equal(((await abuse.json()) as { data: { usageType: string } }).data.usageType, 'Data Center/Web Hosting/Transit');

    const missing = await fetch(`${http.url}/nothing`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await missing.text(), 'not here');

    assert.deepEqual(http.requests.map((request) => [request.method, request.path]), [
      ['GET', '/ip/8.8.8.8'],
      ['GET', '/shodan/host/118.25.6.39'],
      ['GET', '/api/v2/check'],
      ['GET', '/nothing'],
    ]);
    assert.equal(http.requests[1]?.query.get('key'), 'test-key');
    assert.equal(http.requests[2]?.query.get('ipAddress'), '118.25.6.39');
    assert.equal(http.requests[2]?.headers.key, 'abuse-key');
  } finally {
    await http.close();
  }
});

test('fake HTTP can hang; the client times out and close() still returns promptly', async () => {
  const http = await startFakeHttp(() => 'hang');
  try {
    await assert.rejects(fetch(`${http.url}/ip/1.1.1.1`, { signal: AbortSignal.timeout(150) }), { name: 'TimeoutError' });
    // Hold one more request open from the client side while closing.
    const pending = fetch(`${http.url}/ip/1.1.1.1`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await http.close();
    assert.ok(Date.now() - started < 1000);
    assert.ok((await pending) instanceof Error);
    assert.equal(http.requests.length, 2);
  } finally {
    await http.close().catch(() => {});
  }
});

test('a handler that throws becomes a 500, not a crashed server', async () => {
  const http = await startFakeHttp(() => {
    throw new Error('boom');
  });
  try {
    const response = await fetch(`${http.url}/`);
    assert.equal(response.status, 500);
    assert.match(await response.text(), /boom/);
  } finally {
    await http.close();
  }
});

test('the intel fixtures keep the shapes the lookups rely on', () => {
  assert.match(fixture('iana-8.8.8.8.txt'), /^refer:\s+whois\.arin\.net$/m);
  assert.match(fixture('iana-193.0.6.139.txt'), /^refer:\s+whois\.ripe\.net$/m);
  assert.match(fixture('iana-1.1.1.1.txt'), /^refer:\s+whois\.apnic\.net$/m);
  assert.match(fixture('arin-8.8.8.8.txt'), /^CIDR:\s+8\.8\.8\.0\/24$/m);
  assert.match(fixture('apnic-1.1.1.1.txt'), /^% Abuse contact for '1\.1\.1\.0 - 1\.1\.1\.255' is 'helpdesk@apnic\.net'$/m);
  for (const name of ['rdap-arin-8.8.8.8.json', 'rdap-ripe-193.0.6.139.json', 'rdap-apnic-1.1.1.1.json']) {
    const network = JSON.parse(fixture(name)) as { objectClassName: string; startAddress: string; endAddress: string; ipVersion: string };
    assert.equal(network.objectClassName, 'ip network', name);
    assert.equal(network.ipVersion, 'v4', name);
  }
  const shodan = JSON.parse(fixture('shodan-host.json')) as { ip_str: string; vulns: string[]; data: unknown[] };
  assert.equal(shodan.ip_str, '118.25.6.39');
  assert.ok(shodan.vulns.every((id) => /^CVE-\d{4}-\d{4,}$/.test(id)));
  assert.equal(shodan.data.length, 2);
  const abuse = JSON.parse(fixture('abuseipdb-check.json')) as { data: { ipAddress: string; abuseConfidenceScore: number } };
  assert.equal(abuse.data.ipAddress, '118.25.6.39');
});
