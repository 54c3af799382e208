import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BanTimePolicy } from '../../../helper/config/types.js';
import { banDuration, Detector, type ServicePolicy } from '../../../helper/core/detector.js';
import type { Failure } from '../../../helper/core/events.js';

const plain: BanTimePolicy = { banTime: 3600, increment: false, factor: 2, maximum: 86_400 };
const policy: ServicePolicy = { maxFailures: 3, findTime: 600, banPolicy: plain };

function detector(options: { maxTracked?: number; history?: Map<string, number>; policy?: ServicePolicy } = {}) {
  const history = options.history ?? new Map<string, number>();
  return new Detector({
    policyFor: () => options.policy ?? policy,
    maxTracked: options.maxTracked ?? 1000,
    history: { previousBans: (address) => history.get(address) ?? 0 },
  });
}

function failure(address: string, seconds: number, service = 'ssh'): Failure {
  return { service, address, time: seconds * 1000, pattern: 'failed_password', eventType: 'failed_auth' };
}

test('the failure that reaches max_failures within find_time produces a ban decision', () => {
  const subject = detector();
  assert.equal(subject.record(failure('203.0.113.1', 0)), null);
  assert.equal(subject.record(failure('203.0.113.1', 100)), null);
  const decision = subject.record(failure('203.0.113.1', 200));
  assert.deepEqual(decision, {
    service: 'ssh',
    address: '203.0.113.1',
    failures: 3,
    banTime: 3600,
    time: 200_000,
    previousBans: 0,
    pattern: 'failed_password',
  });
});

test('failures further apart than find_time never add up to a ban', () => {
  const subject = detector();
  for (let index = 0; index < 10; index++) assert.equal(subject.record(failure('203.0.113.1', index * 301)), null);
});

test('windows are measured by log time even when lines arrive out of order', () => {
  const subject = detector();
  assert.equal(subject.record(failure('203.0.113.1', 1000)), null);
  assert.equal(subject.record(failure('203.0.113.1', 100)), null, 'older than the window ending at 1000 s');
  assert.equal(subject.record(failure('203.0.113.1', 700)), null, 'a line from a second file, inside the window');
  const decision = subject.record(failure('203.0.113.1', 900));
  assert.equal(decision?.failures, 3);
});

test('services and addresses are counted separately', () => {
  const subject = detector();
  subject.record(failure('203.0.113.1', 0, 'ssh'));
  subject.record(failure('203.0.113.1', 1, 'nginx'));
  subject.record(failure('203.0.113.2', 2, 'ssh'));
  assert.equal(subject.record(failure('203.0.113.1', 3, 'ssh')), null);
  assert.notEqual(subject.record(failure('203.0.113.1', 4, 'ssh')), null);
});

test('after a ban the next one needs max_failures new failures', () => {
  const subject = detector();
  for (const second of [0, 1]) subject.record(failure('203.0.113.1', second));
  assert.notEqual(subject.record(failure('203.0.113.1', 2)), null);
  assert.equal(subject.record(failure('203.0.113.1', 3)), null);
  assert.equal(subject.record(failure('203.0.113.1', 4)), null);
  assert.notEqual(subject.record(failure('203.0.113.1', 5)), null);
});

test('repeat offenders get longer bans, multiplied per earlier ban and capped', () => {
  const increment: BanTimePolicy = { banTime: 3600, increment: true, factor: 2, maximum: 10_000 };
  assert.equal(banDuration(increment, 0), 3600);
  assert.equal(banDuration(increment, 1), 7200);
  assert.equal(banDuration(increment, 2), 10_000);
  assert.equal(banDuration(plain, 5), 3600, 'off when increment is off');
  assert.equal(banDuration({ ...increment, banTime: 0 }, 3), 0, 'permanent stays permanent');

  const subject = detector({ policy: { ...policy, banPolicy: increment }, history: new Map([['203.0.113.9', 1]]) });
  for (const second of [0, 1]) subject.record(failure('203.0.113.9', second));
  const decision = subject.record(failure('203.0.113.9', 2));
  assert.equal(decision?.banTime, 7200);
  assert.equal(decision?.previousBans, 1);
});

test('memory is bounded: past max tracked pairs the least recently seen is forgotten', () => {
  const subject = detector({ maxTracked: 100 });
  for (let index = 0; index < 250; index++) subject.record(failure(`198.51.100.${index % 250}`, index));
  assert.equal(subject.trackedCount, 100);
  assert.equal(subject.evicted, 150);
  // The oldest were evicted: two more failures of the first address do not ban it.
  subject.record(failure('198.51.100.0', 300));
  assert.equal(subject.record(failure('198.51.100.0', 301)), null);
  // A recent one kept its history: one more failure each time.
  subject.record(failure('198.51.100.249', 302));
  assert.notEqual(subject.record(failure('198.51.100.249', 303)), null);
});

test('sweep forgets pairs whose window has passed', () => {
  const subject = detector();
  subject.record(failure('203.0.113.1', 0));
  subject.record(failure('203.0.113.2', 500));
  assert.equal(subject.sweep(700_000), 1);
  assert.equal(subject.trackedCount, 1);
});

test('a flood against one service evicts that service\'s addresses, not another\'s', () => {
  const subject = detector({ maxTracked: 10 });
  subject.record(failure('192.0.2.1', 0, 'postfix'));
  subject.record(failure('192.0.2.1', 1, 'postfix'));
  for (let index = 0; index < 50; index++) subject.record(failure(`198.51.100.${index}`, 2 + index, 'ssh'));
  assert.equal(subject.trackedCount, 10);
  assert.notEqual(subject.record(failure('192.0.2.1', 60, 'postfix')), null, 'postfix kept its two earlier failures');
});

test('forget drops an address from every service', () => {
  const subject = detector();
  subject.record(failure('203.0.113.1', 0, 'ssh'));
  subject.record(failure('203.0.113.1', 0, 'nginx'));
  subject.forget('203.0.113.1');
  assert.equal(subject.trackedCount, 0);
});
