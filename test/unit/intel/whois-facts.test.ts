import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseWhoisText, referralOf, registryOf } from '../../../helper/intel/whois-facts.js';
import { repositoryRoot } from '../../support/paths.js';

const fixture = (name: string) => readFileSync(join(repositoryRoot, 'test', 'fixtures', 'intel', name), 'utf8');

test("ARIN's answer for 8.8.8.8 gives Google's network, organisation and abuse contact", () => {
  assert.deepEqual(parseWhoisText(fixture('arin-8.8.8.8.txt'), 'whois.arin.net'), {
    networkRange: '8.8.8.0/24',
    networkName: 'GOGL',
    organization: 'Google LLC',
    abuseContact: 'network-abuse@google.com',
    country: 'US',
    registry: 'ARIN',
    via: 'whois',
  });
});

test("ARIN's OrgName is preferred over the network's Organization line with its handle", () => {
  const facts = parseWhoisText(fixture('arin-8.8.8.8.txt'), 'whois.arin.net');
  assert.equal(facts.organization, 'Google LLC', 'not "Google LLC (GOGL)"');
  assert.notEqual(facts.abuseContact, 'arin-contact@google.com', 'the abuse contact, not the technical one');
});

test("RIPE's answer takes the organisation's org-name over the network's descr, and the abuse contact from its comment", () => {
  assert.deepEqual(parseWhoisText(fixture('ripe-193.0.6.139.txt'), 'whois.ripe.net'), {
    networkRange: '193.0.0.0 - 193.0.7.255',
    networkName: 'RIPE-NCC',
    organization: 'Reseaux IP Europeens Network Coordination Centre (RIPE NCC)',
    abuseContact: 'abuse@ripe.net',
    country: 'NL',
    registry: 'RIPE NCC',
    via: 'whois',
  });
});

test("APNIC's answer gives the inetnum, the org-name and the abuse contact of its comment line", () => {
  assert.deepEqual(parseWhoisText(fixture('apnic-1.1.1.1.txt'), 'whois.apnic.net'), {
    networkRange: '1.1.1.0 - 1.1.1.255',
    networkName: 'APNIC-LABS',
    organization: 'APNIC Research and Development',
    abuseContact: 'helpdesk@apnic.net',
    country: 'AU',
    registry: 'APNIC',
    via: 'whois',
  });
});

test('the "% Abuse contact" comment wins over an abuse-mailbox field earlier in the answer', () => {
  const answer = ['inetnum: 192.0.2.0 - 192.0.2.255', 'abuse-mailbox: mailbox@example.net', "% Abuse contact for '192.0.2.0 - 192.0.2.255' is 'comment@example.net'"].join('\n');
  assert.equal(parseWhoisText(answer, 'whois.ripe.net').abuseContact, 'comment@example.net');
});

test('RPSL "descr" is the organisation only when there is no org-name', () => {
  const answer = ['inetnum:        192.0.2.0 - 192.0.2.255', 'netname:        EXAMPLE-NET', 'descr:          Example Hosting Ltd', 'descr:          Second line', 'country:        DE', 'source:         RIPE'].join('\n');
  assert.equal(parseWhoisText(answer, 'whois.ripe.net').organization, 'Example Hosting Ltd');
});

test('in an ARIN answer listing two networks, the facts are those of the second, more specific one', () => {
  const answer = [
    '#',
    '# ARIN WHOIS data and services are subject to the Terms of Use',
    '#',
    '',
    '# start',
    '',
    'NetRange:       198.51.0.0 - 198.51.255.255',
    'CIDR:           198.51.0.0/16',
    'NetName:        BIGISP-BLK',
    'NetType:        Direct Allocation',
    'Organization:   Big ISP, Inc. (BIGISP)',
    '',
    'OrgName:        Big ISP, Inc.',
    'OrgId:          BIGISP',
    'Country:        US',
    '',
    'OrgAbuseHandle: ABUSE1-ARIN',
    'OrgAbuseEmail:  abuse@bigisp.example.com',
    '',
    '# end',
    '',
    '',
    '# start',
    '',
    'NetRange:       198.51.100.0 - 198.51.100.255',
    'CIDR:           198.51.100.0/24',
    'NetName:        CUSTOMER-NET',
    'NetType:        Reassigned',
    'Organization:   Small Customer LLC (C01234567)',
    '',
    'OrgName:        Small Customer LLC',
    'OrgId:          SCL-12',
    'Country:        CA',
    '',
    'OrgAbuseHandle: ABUSE2-ARIN',
    'OrgAbuseEmail:  abuse@customer.example.com',
    '',
    '# end',
    '',
  ].join('\n');
  assert.deepEqual(parseWhoisText(answer, 'whois.arin.net'), {
    networkRange: '198.51.100.0/24',
    networkName: 'CUSTOMER-NET',
    organization: 'Small Customer LLC',
    abuseContact: 'abuse@customer.example.com',
    country: 'CA',
    registry: 'ARIN',
    via: 'whois',
  });
});

test('an ARIN reassignment to a customer names the customer by its CustName, without the handle of the Customer line', () => {
  // ARIN's shape for a network reassigned to a customer without an Org: the net's "Customer:" line
  // carries the handle, the customer block's "CustName:" the plain name (as "OrgName:" does for orgs).
  const answer = [
    'NetRange:       203.0.112.0 - 203.0.127.255',
    'CIDR:           203.0.112.0/20',
    'NetName:        NETBLK-EXAMPLE-CUST',
    'NetHandle:      NET-203-0-112-0-1',
    'Parent:         EXAMPLE-ISP (NET-203-0-0-0-1)',
    'NetType:        Reassigned',
    'OriginAS:       ',
    'Customer:       Example Customer (C01234567)',
    'RegDate:        2009-09-04',
    '',
    '',
    'CustName:       Example Customer',
    'Address:        1 Example Drive',
    'Country:        US',
    '',
    'OrgAbuseHandle: ABUSE9-ARIN',
    'OrgAbuseEmail:  abuse@isp.example.net',
  ].join('\n');
  const facts = parseWhoisText(answer, 'whois.arin.net');
  assert.equal(facts.networkRange, '203.0.112.0/20');
  assert.equal(facts.networkName, 'NETBLK-EXAMPLE-CUST');
  assert.equal(facts.abuseContact, 'abuse@isp.example.net');
  assert.equal(facts.organization, 'Example Customer', 'as OrgName is preferred over "Organization: Name (HANDLE)"');
});

test('fields the answer lacks are absent, and an empty answer gives only the registry', () => {
  assert.deepEqual(parseWhoisText('', 'whois.lacnic.net'), {
    networkRange: undefined,
    networkName: undefined,
    organization: undefined,
    abuseContact: undefined,
    country: undefined,
    registry: 'LACNIC',
    via: 'whois',
  });
});

test('empty values and values with only spaces are skipped in favour of a later non-empty one', () => {
  const answer = ['NetRange:       192.0.2.0 - 192.0.2.255', 'OrgName:        ', 'OrgName:        Second Name', 'Country:  \t ', 'Country: FR'].join('\r\n');
  const facts = parseWhoisText(answer, 'whois.arin.net');
  assert.equal(facts.organization, 'Second Name');
  assert.equal(facts.country, 'FR');
  assert.equal(facts.networkRange, '192.0.2.0 - 192.0.2.255', 'CRLF line ends are read too');
});

test('an abuse contact that is not an e-mail address is dropped', () => {
  const answer = ['inetnum: 192.0.2.0 - 192.0.2.255', 'abuse-mailbox: see https://example.net/abuse', "% Abuse contact for '192.0.2.0 - 192.0.2.255' is 'not an address'"].join('\n');
  assert.equal(parseWhoisText(answer, 'whois.ripe.net').abuseContact, undefined);
});

test('comment lines starting with # or % are never read as fields', () => {
  const answer = ['# OrgName: Commented Out', '% org-name: Also Commented', 'inetnum: 192.0.2.0 - 192.0.2.255'].join('\n');
  assert.equal(parseWhoisText(answer, 'whois.ripe.net').organization, undefined);
});

test('a 100 KB line does not make parsing throw or take long', () => {
  const long = 'x'.repeat(100 * 1024);
  const answers = [
    `OrgName: ${long}`,
    long,
    `% Abuse contact for '${long}' is '${long}`,
    `% Abuse contact for ${" is '".repeat(20_000)}`,
    `OrgAbuseEmail: ${'a'.repeat(60)}@${'b.'.repeat(50_000)}`,
    `inetnum: ${'1'.repeat(100 * 1024)}`,
  ];
  for (const answer of answers) {
    const started = performance.now();
    const facts = parseWhoisText(`inetnum: 192.0.2.0 - 192.0.2.255\n${answer}\nnetname: AFTER\n`, 'whois.ripe.net');
    const elapsed = performance.now() - started;
    assert.equal(facts.networkName, 'AFTER', 'the lines after the long one are still read');
    assert.equal(facts.abuseContact, undefined);
    assert.ok(elapsed < 1000, `parsed in ${elapsed.toFixed(0)} ms`);
  }
  assert.equal(parseWhoisText(`OrgName: ${long}`, 'whois.arin.net').organization, long, 'capping is left to cleanFacts');
});

test('lines with ANSI escapes and control characters are parsed without throwing; the values are cleaned later', () => {
  const answer = [
    'NetRange:       192.0.2.0 - 192.0.2.255',
    'OrgName:        \u001b[2J\u001b[31mEvil Corp\u001b[0m\u0007',
    'Country:        \u202eSU',
    '\u001b]0;pwned\u0007',
    'OrgAbuseEmail:  abuse@evil.example.com\u001b[0m',
  ].join('\n');
  const facts = parseWhoisText(answer, 'whois.arin.net');
  assert.equal(facts.networkRange, '192.0.2.0 - 192.0.2.255');
  assert.ok(facts.organization?.includes('Evil Corp'));
  assert.equal(facts.abuseContact, undefined, 'an address followed by an escape is not an e-mail address');
});

test("IANA's answers refer to the RIR's whois server", () => {
  assert.equal(referralOf(fixture('iana-8.8.8.8.txt'), 'iana'), 'whois.arin.net');
  assert.equal(referralOf(fixture('iana-193.0.6.139.txt'), 'iana'), 'whois.ripe.net');
  assert.equal(referralOf(fixture('iana-1.1.1.1.txt'), 'iana'), 'whois.apnic.net');
});

test("ARIN's ReferralServer line for RIPE space refers to whois.ripe.net", () => {
  assert.equal(referralOf(fixture('arin-referral-to-ripe.txt'), 'arin'), 'whois.ripe.net');
});

test("answers without a referral (ARIN's own network, RIPE, APNIC) refer nowhere", () => {
  assert.equal(referralOf(fixture('arin-8.8.8.8.txt'), 'arin'), null);
  assert.equal(referralOf(fixture('ripe-193.0.6.139.txt'), 'arin'), null);
  assert.equal(referralOf(fixture('apnic-1.1.1.1.txt'), 'arin'), null);
});

test('a referral with a port keeps the port', () => {
  assert.equal(referralOf('ReferralServer:  whois://127.0.0.1:4343', 'arin'), '127.0.0.1:4343');
  assert.equal(referralOf('ReferralServer: whois://whois.example.net:43/', 'arin'), 'whois.example.net:43');
  assert.equal(referralOf('refer:        whois.example.net', 'iana'), 'whois.example.net');
});

test('an indented referral line (the continuation of a field the block holder wrote) is not a referral', () => {
  assert.equal(referralOf('descr:  Evil\n        whois: a.localhost\n', 'iana'), null);
  assert.equal(referralOf('descr:  Evil\n  ReferralServer: whois://a.localhost\n', 'arin'), null);
});

test('IANA keys are not read from an ARIN answer, nor ARIN\'s from IANA\'s', () => {
  assert.equal(referralOf('refer: whois.ripe.net\n', 'arin'), null);
  assert.equal(referralOf('ReferralServer: whois://whois.ripe.net\n', 'iana'), null);
});

test('rwhois and other schemes are not followed', () => {
  assert.equal(referralOf('ReferralServer:  rwhois://rwhois.example.net:4321', 'arin'), null);
  assert.equal(referralOf('ReferralServer:  http://whois.example.net/', 'arin'), null);
  assert.equal(referralOf('ReferralServer:  https://rdap.example.net/', 'arin'), null);
});

test('garbage is no referral', () => {
  for (const answer of ['', 'garbage', 'refer:', 'refer:   ', 'refer: whois.example.net; rm -rf /', 'refer: who is.example.net', 'refer: \u001b[31mwhois.example.net', `refer: ${'a'.repeat(300)}`, 'refer: whois.example.net:999999'])
    assert.equal(referralOf(answer, 'iana'), null, JSON.stringify(answer.slice(0, 60)));
});

test('registryOf names the RIR behind rdap and whois servers, and leaves other servers as the host', () => {
  assert.equal(registryOf('whois.arin.net'), 'ARIN');
  assert.equal(registryOf('rdap.arin.net'), 'ARIN');
  assert.equal(registryOf('https://rdap.arin.net/registry/'), 'ARIN');
  assert.equal(registryOf('whois.ripe.net'), 'RIPE NCC');
  assert.equal(registryOf('rdap.db.ripe.net'), 'RIPE NCC');
  assert.equal(registryOf('whois.apnic.net'), 'APNIC');
  assert.equal(registryOf('rdap.apnic.net'), 'APNIC');
  assert.equal(registryOf('whois.lacnic.net'), 'LACNIC');
  assert.equal(registryOf('rdap.lacnic.net'), 'LACNIC');
  assert.equal(registryOf('whois.afrinic.net'), 'AFRINIC');
  assert.equal(registryOf('rdap.afrinic.net'), 'AFRINIC');
  assert.equal(registryOf('WHOIS.ARIN.NET'), 'ARIN');
  assert.equal(registryOf('whois.nic.ad.jp'), 'whois.nic.ad.jp');
  assert.equal(registryOf('127.0.0.1:4343'), '127.0.0.1');
  assert.equal(registryOf('whois://rwhois.example.net:4321/'), 'rwhois.example.net');
});

test('registryOf does not take a look-alike host for a registry', () => {
  assert.equal(registryOf('arin.net.evil.example'), 'arin.net.evil.example');
});
