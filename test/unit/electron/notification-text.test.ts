import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attackNotificationText, banNotificationText, durationWords, originWords } from '../../../electron/main/notification-text.js';
import { escapeMarkup } from '../../../electron/main/notification-text.js';

test('durations read as words; 0 is permanent', () => {
  const cases: [number, string][] = [
    [0, 'permanently'],
    [1, 'for 1 s'],
    [45, 'for 45 s'],
    [60, 'for 1 min'],
    [90, 'for 1 min'],
    [600, 'for 10 min'],
    [3_600, 'for 1 h'],
    [5_400, 'for 1 h 30 min'],
    [7_200, 'for 2 h'],
    [86_400, 'for 1 day'],
    [86_400 + 3_600 + 60, 'for 1 day 1 h'],
    [3 * 86_400, 'for 3 days'],
    [2 * 86_400 + 30 * 60, 'for 2 days'],
    [365 * 86_400, 'for 365 days'],
  ];
  for (const [seconds, words] of cases) assert.equal(durationWords(seconds), words, String(seconds));
});

test('the origin is place and network, or whatever part of it is known', () => {
  assert.equal(originWords(undefined), '');
  assert.equal(originWords({}), '');
  assert.equal(originWords({ country: 'Germany', asn: 3320, as_organization: 'Deutsche Telekom AG' }), 'Germany · AS3320 Deutsche Telekom AG');
  assert.equal(originWords({ city: 'Berlin', country: 'Germany', country_code: 'DE', asn: 3320 }), 'Berlin, Germany · AS3320');
  assert.equal(originWords({ country_code: 'FR' }), 'FR', 'the code when the name is unknown');
  assert.equal(originWords({ city: '', country: '' }), '');
  assert.equal(originWords({ asn: 0, organization: 'Example Hosting' }), 'Example Hosting', 'no AS: the WHOIS organisation');
  assert.equal(originWords({ city: 'Lyon', organization: 'Example Hosting' }), 'Lyon · Example Hosting');
});

const single = { kind: 'single' as const, ban: { address: '203.0.113.7', reason: '5 failures in 10 min', seconds: 3_600 } };

test('one ban says who, for how long, where from and why', () => {
  assert.deepEqual(banNotificationText(single, { service: 'sshd', intel: { country: 'Netherlands', asn: 64500, as_organization: 'Example BV' } }), {
    title: 'Banned 203.0.113.7 for 1 h',
    body: 'Netherlands · AS64500 Example BV\nsshd: 5 failures in 10 min',
  });
  assert.deepEqual(banNotificationText(single, { service: 'sshd' }), { title: 'Banned 203.0.113.7 for 1 h', body: 'sshd: 5 failures in 10 min' });
  assert.deepEqual(banNotificationText(single), { title: 'Banned 203.0.113.7 for 1 h', body: '5 failures in 10 min' });
  assert.deepEqual(banNotificationText({ kind: 'single', ban: { address: '2001:db8::1', reason: '', seconds: 0 } }, { service: '' }), {
    title: 'Banned 2001:db8::1 permanently',
    body: '',
  });
});

test('a burst names the first addresses and how many more', () => {
  const addresses = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5'];
  assert.deepEqual(banNotificationText({ kind: 'burst', count: 49, windowSeconds: 10, addresses }), {
    title: '49 addresses banned in the last 10 s',
    body: '198.51.100.1, 198.51.100.2, 198.51.100.3, 198.51.100.4, 198.51.100.5 and 44 more',
  });
  assert.deepEqual(banNotificationText({ kind: 'burst', count: 2, windowSeconds: 10, addresses: addresses.slice(0, 2) }), {
    title: '2 addresses banned in the last 10 s',
    body: '198.51.100.1, 198.51.100.2',
  });
});

test('attack notifications say where the attempt came from', () => {
  assert.deepEqual(attackNotificationText(single), { title: 'Failed attempt from 203.0.113.7', body: '5 failures in 10 min' });
  assert.deepEqual(attackNotificationText({ kind: 'burst', count: 12, windowSeconds: 10, addresses: ['198.51.100.1', '198.51.100.2'] }), {
    title: '12 failed attempts in the last 10 s',
    body: '198.51.100.1, 198.51.100.2',
  });
});

test('notification bodies are escaped for libnotify markup: names such as AT&T stay text, tags never become markup', () => {
  assert.equal(escapeMarkup('AT&T <a href="x">click</a> <b>'), 'AT&amp;T &lt;a href="x"&gt;click&lt;/a&gt; &lt;b&gt;');
  assert.equal(escapeMarkup('plain'), 'plain');
});
