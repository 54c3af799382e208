import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkEndpoint, describeUrl, SourceError, statusError } from '../../../helper/intel/http.js';

const refused = (error: unknown) => error instanceof SourceError && error.kind === 'refused';

test('HTTPS endpoints are accepted, whatever the host', () => {
  for (const url of ['https://rdap.arin.net/registry/ip/8.8.8.8', 'https://api.shodan.io/shodan/host/8.8.8.8?key=k', 'https://203.0.113.5:8443/', 'https://[2001:db8::1]/'])
    assert.doesNotThrow(() => checkEndpoint(new URL(url)), url);
});

test('plain HTTP is accepted to loopback: 127.0.0.0/8, [::1] and localhost', () => {
  for (const url of ['http://127.0.0.1:8080/ip/8.8.8.8', 'http://127.1.2.3/', 'http://[::1]:4343/api/v2/check', 'http://localhost:3000/', 'http://LOCALHOST/'])
    assert.doesNotThrow(() => checkEndpoint(new URL(url)), url);
});

test('plain HTTP to any other host is refused', () => {
  for (const url of ['http://rdap.arin.net/registry/', 'http://10.0.0.1/', 'http://192.168.1.1:8080/', 'http://[2001:db8::1]/', 'http://localhost.evil.example/', 'http://127.0.0.1.nip.io/', 'http://0.0.0.0/'])
    assert.throws(() => checkEndpoint(new URL(url)), refused, url);
});

test('schemes other than http and https are refused, even to loopback', () => {
  for (const url of ['ftp://127.0.0.1/', 'file:///etc/passwd', 'ws://127.0.0.1:8080/', 'gopher://localhost/', 'data:application/json,{}'])
    assert.throws(() => checkEndpoint(new URL(url)), refused, url);
});

test('the refusal names the scheme and host but not the query string', () => {
  assert.throws(
    () => checkEndpoint(new URL('http://api.example.net/shodan/host/8.8.8.8?key=SECRET-API-KEY')),
    (error: Error) => refused(error) && error.message.includes('http://api.example.net') && !error.message.includes('SECRET-API-KEY'),
  );
});

test('describeUrl gives scheme, host and path, never the query string where an API key may be', () => {
  assert.equal(describeUrl(new URL('https://api.shodan.io/shodan/host/8.8.8.8?key=SECRET-API-KEY&minify=true')), 'https://api.shodan.io/shodan/host/8.8.8.8');
  assert.equal(describeUrl(new URL('https://api.abuseipdb.com/api/v2/check?ipAddress=8.8.8.8&maxAgeInDays=90')), 'https://api.abuseipdb.com/api/v2/check');
  assert.equal(describeUrl(new URL('http://127.0.0.1:4343/ip/1.1.1.1')), 'http://127.0.0.1:4343/ip/1.1.1.1');
});

test('describeUrl leaves out credentials in the URL and the fragment', () => {
  const described = describeUrl(new URL('https://user:SECRET-PASSWORD@rdap.example.net/ip/8.8.8.8?key=SECRET-API-KEY#SECRET-FRAGMENT'));
  assert.equal(described, 'https://rdap.example.net/ip/8.8.8.8');
  assert.ok(!/SECRET/.test(described));
});

test('HTTP failure statuses become errors of the matching kind that never quote the API key', () => {
  const url = new URL('https://api.shodan.io/shodan/host/8.8.8.8?key=SECRET-API-KEY');
  const cases = [
    [401, 'refused', null],
    [403, 'refused', null],
    [429, 'rate-limited', 30_000],
    [500, 'http', null],
    [503, 'http', 60_000],
  ] as const;
  for (const [status, kind, retryAfterMs] of cases) {
    const error = statusError(url, { status, body: undefined, retryAfterMs });
    assert.equal(error.kind, kind, String(status));
    assert.ok(error.message.includes(`HTTP ${status}`), error.message);
    assert.ok(error.message.startsWith('https://api.shodan.io/shodan/host/8.8.8.8'), error.message);
    assert.ok(!error.message.includes('SECRET-API-KEY'), error.message);
    if (kind !== 'refused') assert.equal(error.retryAfterMs, retryAfterMs, `${status} keeps the Retry-After delay`);
  }
});
