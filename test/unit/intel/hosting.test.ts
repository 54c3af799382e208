import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostingReasons } from '../../../helper/intel/hosting.js';

test('no evidence at all gives no reason', () => {
  assert.deepEqual(hostingReasons({}), []);
});

test("AbuseIPDB's data-centre usage types are a reason, quoting the usage type", () => {
  assert.deepEqual(hostingReasons({ usageType: 'Data Center/Web Hosting/Transit' }), ['AbuseIPDB usage type: Data Center/Web Hosting/Transit']);
  assert.equal(hostingReasons({ usageType: 'Datacentre' }).length, 1);
  assert.equal(hostingReasons({ usageType: 'Content Delivery Network; Hosting' }).length, 1);
});

test("AbuseIPDB's other usage types are no reason", () => {
  for (const usageType of ['Fixed Line ISP', 'Mobile ISP', 'University/College/School', 'Commercial', 'Residential', ''])
    assert.deepEqual(hostingReasons({ usageType }), [], usageType);
});

test('a Shodan "cloud" or "hosting" tag is a reason, other tags are not', () => {
  assert.deepEqual(hostingReasons({ shodanTags: ['vpn', 'cloud'] }), ['Shodan tag: cloud']);
  const hosting = hostingReasons({ shodanTags: ['hosting'] });
  assert.equal(hosting.length, 1);
  assert.match(hosting[0]!, /^Shodan tag: /);
  assert.deepEqual(hostingReasons({ shodanTags: ['vpn', 'tor', 'self-signed'] }), []);
  assert.deepEqual(hostingReasons({ shodanTags: [] }), []);
});

test("the AS number of a large cloud or hosting provider is a reason naming the provider", () => {
  assert.deepEqual(hostingReasons({ asn: 16509 }), ['AS16509 is Amazon AWS']);
  assert.deepEqual(hostingReasons({ asn: 14061, asOrganization: 'DIGITALOCEAN-ASN' }), ['AS14061 is DigitalOcean']);
  assert.deepEqual(hostingReasons({ asn: 24940 }), ['AS24940 is Hetzner']);
});

test('the AS number of an access provider is no reason, whatever its organisation says', () => {
  assert.deepEqual(hostingReasons({ asn: 3320, asOrganization: 'Deutsche Telekom AG' }), []);
  assert.deepEqual(hostingReasons({ asn: 7922, asOrganization: 'Comcast Cable Communications, LLC' }), []);
  assert.deepEqual(hostingReasons({ asn: 64512, asOrganization: 'Some Hosting Ltd' }), [], 'the organisation name alone does not decide');
});

test("a reverse name in a provider's generic VM naming is a reason", () => {
  assert.deepEqual(hostingReasons({ hostname: 'ec2-3-80-1-2.compute-1.amazonaws.com' }), ['reverse name ec2-3-80-1-2.compute-1.amazonaws.com is Amazon AWS host naming']);
  assert.deepEqual(hostingReasons({ hostname: 'ec2-18-196-1-2.eu-central-1.compute.amazonaws.com' }), ['reverse name ec2-18-196-1-2.eu-central-1.compute.amazonaws.com is Amazon AWS host naming']);
  assert.equal(hostingReasons({ hostname: '2.1.80.34.bc.googleusercontent.com' })[0], 'reverse name 2.1.80.34.bc.googleusercontent.com is Google Cloud host naming');
  assert.equal(hostingReasons({ hostname: 'static.1.2.3.4.clients.your-server.de' })[0], 'reverse name static.1.2.3.4.clients.your-server.de is Hetzner host naming');
  assert.equal(hostingReasons({ hostname: 'vmi123456.contaboserver.net' })[0], 'reverse name vmi123456.contaboserver.net is Contabo host naming');
  assert.equal(hostingReasons({ hostname: 'ns3001234.ip-51-68-1.eu' })[0], 'reverse name ns3001234.ip-51-68-1.eu is OVH host naming');
});

test('an ordinary reverse name, or one that only contains a provider name, is no reason', () => {
  for (const hostname of ['mail.example.com', 'p5dc0a1b2.dip0.t-ipconnect.de', 'amazonaws.com.evil.example', 'c-73-1-2-3.hsd1.ca.comcast.net', 'dns.google'])
    assert.deepEqual(hostingReasons({ hostname }), [], hostname);
});

test('every kind of evidence together gives one reason each, in a fixed order', () => {
  assert.deepEqual(
    hostingReasons({ usageType: 'Data Center/Web Hosting/Transit', shodanTags: ['cloud'], asn: 16509, asOrganization: 'AMAZON-02', hostname: 'ec2-3-80-1-2.compute-1.amazonaws.com' }),
    [
      'AbuseIPDB usage type: Data Center/Web Hosting/Transit',
      'Shodan tag: cloud',
      'AS16509 is Amazon AWS',
      'reverse name ec2-3-80-1-2.compute-1.amazonaws.com is Amazon AWS host naming',
    ],
  );
});
