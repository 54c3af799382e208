// Regexes from the configuration: Python group syntax, an address group required, ReDoS refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileUserPatterns, createMatcher, FilterError, QUADRATIC_LINE_LIMIT } from '../../../helper/filters/index.js';

const pattern = (regex: string, name = 'custom') => ({ name, regex, eventType: 'failed_auth' });

function refusal(regex: string): string {
  try {
    compileUserPatterns('web', [pattern(regex)]);
  } catch (error) {
    assert.ok(error instanceof FilterError, `expected a FilterError, got ${String(error)}`);
    return error.message;
  }
  assert.fail(`${regex} was accepted`);
}

test('an exponential regex is refused with the service, the pattern and the reason', () => {
  const message = refusal('(a+)+$');
  assert.match(message, /service "web"/);
  assert.match(message, /pattern "custom"/);
  assert.match(message, /exponential/);
  assert.match(refusal('^(\\w+\\s?)*$ from (?P<ip>\\S+)'), /exponential/);
});

test('a cubic regex is refused, with advice on anchoring', () => {
  assert.match(refusal('a.*b.*c(?<ip>\\S+)'), /3rd degree polynomial.*anchor/);
});

test('a quadratic regex is accepted but only tried on lines up to the limit that keeps one line under 100 ms', () => {
  const definition = compileUserPatterns('web', [pattern('Failed .* from (?P<ip>\\S+) port')]);
  assert.equal(definition.patterns[0]?.maxLineLength, QUADRATIC_LINE_LIMIT);
  const matcher = createMatcher(definition, { service: 'web', yearReference: () => 0 });
  assert.equal(matcher.push('Failed password for x from 192.0.2.1 port 22').length, 1);
  assert.equal(matcher.push(`Failed ${'x'.repeat(QUADRATIC_LINE_LIMIT)} from 192.0.2.1 port 22`).length, 0);
  // The worst lines the limit lets through stay far below the 100 ms budget.
  for (const unit of ['Failed ', 'Failed  from x', ' from ', 'Failed\t']) {
    const line = unit.repeat(Math.floor(QUADRATIC_LINE_LIMIT / unit.length)).slice(0, QUADRATIC_LINE_LIMIT);
    const started = performance.now();
    matcher.push(line);
    assert.ok(performance.now() - started < 100, `a quadratic pattern at the length limit took too long on ${JSON.stringify(unit)}`);
  }
});

test('an anchored, linear regex is accepted without a limit', () => {
  const definition = compileUserPatterns('web', [pattern('^\\S+ \\S+ login failed from (?<ip>[0-9a-f.:]+)$')]);
  assert.equal(definition.patterns[0]?.maxLineLength, null);
});

test('a regex without an ip group or group 1 is refused', () => {
  assert.match(refusal('login failed'), /no \(\?P<ip>\.\.\.\) group and no group 1/);
  assert.match(refusal('login (?:failed) from \\S+'), /no \(\?P<ip>/);
});

test('invalid syntax is refused with the regex engine\'s reason', () => {
  assert.match(refusal('from (?P<ip>\\S+'), /invalid regular expression/);
  assert.match(refusal('from (?P<ip>[)'), /invalid regular expression/);
  assert.match(refusal('   '), /empty/);
});

test('Python named groups and back-references are understood', () => {
  const definition = compileUserPatterns('web', [pattern('user (?P<name>\\w+) again (?P=name) from (?P<ip>\\S+)')]);
  const matcher = createMatcher(definition, { service: 'web', yearReference: () => 0 });
  assert.deepEqual(
    matcher.push('user bob again bob from 192.0.2.5').map((match) => match.address),
    ['192.0.2.5'],
  );
  assert.deepEqual(matcher.push('user bob again eve from 192.0.2.5'), []);
});

test('two patterns with one name are refused', () => {
  assert.throws(() => compileUserPatterns('web', [pattern('a (?<ip>\\S+)', 'x'), pattern('b (?<ip>\\S+)', 'x')]), /two patterns have this name/);
  assert.throws(() => compileUserPatterns('web', []), /no patterns/);
});

test('a user pattern never bans a host name or a malformed address its group captured', () => {
  const definition = compileUserPatterns('web', [pattern('denied (?P<ip>\\S+)')]);
  const matcher = createMatcher(definition, { service: 'web', yearReference: () => 0 });
  for (const capture of ['example.com', '999.1.1.1', '01.2.3.4', '1.2.3']) assert.deepEqual(matcher.push(`denied ${capture}`), [], capture);
});
