// Reading regex source: anchoring, literal prefilters, first characters, group numbering, macros.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  anchoringProblem,
  convertPythonGroups,
  expandMacros,
  firstCharacters,
  literalPrefix,
  numberGroups,
  requiredLiteral,
} from '../../../helper/filters/regex-source.js';

test('a pattern is anchored only with ^ first, $ last at the top level and no top-level alternation', () => {
  assert.equal(anchoringProblem('^a (b|c) d$'), null);
  assert.match(anchoringProblem('a$') ?? '', /start with \^/);
  assert.match(anchoringProblem('^a') ?? '', /end with \$/);
  assert.match(anchoringProblem('^a\\$') ?? '', /end with \$/);
  assert.match(anchoringProblem('^(a$)') ?? '', /end with \$/);
  assert.match(anchoringProblem('^a|b$') ?? '', /top-level \|/);
  assert.equal(anchoringProblem('^a[|$]b$'), null);
});

test('the literal prefix stops at the first construct that is not plain text', () => {
  assert.equal(literalPrefix('Failed (?<m>x) for'), 'Failed ');
  assert.equal(literalPrefix('pam_unix\\(sshd:auth\\): x'), 'pam_unix(sshd:auth): x');
  assert.equal(literalPrefix('abc?d'), 'ab');
  assert.equal(literalPrefix('ab+c'), 'ab');
  assert.equal(literalPrefix('a{2}'), '');
  assert.equal(literalPrefix('\\d+ x'), '');
  assert.equal(literalPrefix('(?:a|b)c'), '');
});

test('the required literal is the longest plain run every match holds after the prefix', () => {
  assert.equal(requiredLiteral('pam_\\w+\\(sshd:auth\\): authentication failure;(?: x)?'), '(sshd:auth): authentication failure;');
  assert.equal(requiredLiteral('a{2}bcd{1,3}efg'), 'efg');
  assert.equal(requiredLiteral('x(?:yy)zz\\.w'), 'zz.w');
  assert.equal(requiredLiteral('a|bbbbbb'), '');
  assert.equal(requiredLiteral('x[abc]{0,64}'), '');
});

test('first characters cover groups, alternatives, classes and optional parts, and say when a match can be empty', () => {
  const show = (source: string) => {
    const first = firstCharacters(source);
    return `${[...first.ascii].map((code) => String.fromCharCode(code)).sort().join('')}${first.other ? '+' : ''}${first.empty ? '?' : ''}`;
  };
  assert.equal(show('(?:Invalid|Illegal) user'), 'I');
  assert.equal(show('(?:(?:error|fatal): )?(?:\\[ID \\d+\\] )?'), '[ef?');
  assert.equal(show('a?b'), 'ab');
  assert.equal(show('[x-z\\d]'), '0123456789xyz');
  assert.equal(show('(?=a)b'), 'b');
  assert.equal(show('\\s'), '\t\n\u000b\f\r +');
  assert.ok(firstCharacters('.').ascii.size === 128 && firstCharacters('[^a]').other);
});

test('named groups become numbered ones, unread names stop capturing, back-references follow', () => {
  assert.deepEqual(numberGroups('a(?<x>b)(c)(?<y>d)\\k<x>0'), { source: 'a(b)(c)(d)(?:\\1)0', groups: new Map([['x', 1], ['y', 3]]) });
  const kept = numberGroups('(?<method>\\w+) (?<user>.+) \\k<user>', new Set(['user']));
  assert.deepEqual(kept, { source: '(?:\\w+) (.+) (?:\\1)', groups: new Map([['user', 1]]) });
  assert.equal(numberGroups('(?<=a)(?<!b)[(?<x>]').source, '(?<=a)(?<!b)[(?<x>]');
});

test('Python group syntax is rewritten outside character classes only', () => {
  assert.equal(convertPythonGroups('(?P<ip>\\S+) (?P=ip) [(?P<x>]'), '(?<ip>\\S+) \\k<ip> [(?P<x>]');
});

test('the <ip> and <host> macros expand, but a named group called ip stays as written', () => {
  assert.match(expandMacros('from <ip> port'), /^from \(\?<ip>/);
  assert.match(expandMacros('from (?:<ip>|<host>)$'), /\(\?<hostname>/);
  assert.equal(expandMacros('(?<ip>\\S+) \\k<ip>'), '(?<ip>\\S+) \\k<ip>');
});

test('the address macro takes an address shape only: never a bare number, and it stops before a port', () => {
  const address = new RegExp(`^${expandMacros('<ip>')}`);
  assert.equal(address.exec('40500 x'), null);
  assert.equal(address.exec('1.2.3.4:5678')?.[0], '1.2.3.4');
  assert.equal(address.exec('::ffff:203.0.113.7 port')?.[0], '::ffff:203.0.113.7');
  assert.equal(address.exec('2001:db8::1]:443')?.[0], '2001:db8::1');
  assert.equal(address.exec('example.com'), null);
});
