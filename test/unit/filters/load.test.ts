// Loading filter files: the package's own filters, and clear refusals of broken or unsafe ones.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { builtinFilterNames, builtinFiltersDirectory, FilterError, findPackageRoot, loadBuiltinFilter } from '../../../helper/filters/index.js';

const directory = mkdtempSync(join(tmpdir(), 'c2b-filters-'));
after(() => rmSync(directory, { recursive: true, force: true }));

/** A filter file named name whose one pattern has regex (and extra lines in the pattern table). */
function filterText(name: string, regex = '^failed from <ip>$', extra = ''): string {
  return [
    `name = "${name}"`,
    "programs = '^demo$'",
    '[[patterns]]',
    'name = "failed"',
    'event_type = "failed_auth"',
    extra,
    `regex = '''${regex}'''`,
    '',
  ].join('\n');
}

function write(name: string, text: string): string {
  writeFileSync(join(directory, `${name}.toml`), text);
  return name;
}

function failure(name: string): FilterError {
  try {
    loadBuiltinFilter(name, { directory });
  } catch (error) {
    assert.ok(error instanceof FilterError, `expected a FilterError, got ${String(error)}`);
    return error;
  }
  assert.fail(`${name} loaded`);
}

test('the five built-in filters are found next to the package, from source and from dist alike', () => {
  assert.deepEqual(builtinFilterNames(), ['apache', 'dovecot', 'nginx', 'postfix', 'ssh']);
  assert.equal(builtinFiltersDirectory(), join(findPackageRoot(), 'conf', 'filters'));
  for (const name of builtinFilterNames()) assert.equal(loadBuiltinFilter(name).name, name);
});

test('a valid filter file compiles, and its name must match the file', () => {
  assert.equal(loadBuiltinFilter(write('demo', filterText('demo')), { directory }).patterns[0]?.name, 'failed');
  assert.match(failure(write('other', filterText('demo'))).message, /other\.toml: "name" is "demo" but the file is named for "other"/);
});

test('an unknown filter names the file and lists the known ones', () => {
  write('demo', filterText('demo'));
  assert.match(failure('nope').message, /nope\.toml: no such filter \(built-in filters: .*demo/);
  assert.match(failure('../etc/passwd').message, /is not a filter name/);
});

test('a pattern that is not anchored at both ends is refused, naming the file and the pattern', () => {
  const error = failure(write('unanchored', filterText('unanchored', 'failed from <ip>')));
  assert.equal(error.pattern, 'failed');
  assert.match(error.message, /unanchored\.toml: pattern "failed": regex is not anchored: it must start with \^/);
  assert.match(failure(write('alternation', filterText('alternation', '^a <ip>|b <ip>$'))).message, /top-level \|/);
  assert.match(failure(write('open', filterText('open', '^failed from <ip>'))).message, /must end with \$/);
});

test('a counting pattern without an address, and without correlation to find one, is refused', () => {
  assert.match(failure(write('blind', filterText('blind', '^failed$'))).message, /pattern "failed": the regex has no <ip>/);
});

test('invalid regex syntax, invalid TOML and unknown keys are refused with the place of the problem', () => {
  assert.match(failure(write('syntax', filterText('syntax', '^fail[z-a]ed from <ip>$'))).message, /pattern "failed": regex is not a valid regular expression/);
  assert.match(failure(write('broken', 'name = "broken"\n[[patterns]\n')).message, /broken\.toml: not valid TOML: line 2/);
  assert.match(failure(write('typo', filterText('typo', undefined, 'event-type = "x"'))).message, /pattern "failed": unknown key "event-type"/);
  assert.match(failure(write('role', filterText('role', undefined, 'role = "maybe"'))).message, /pattern "failed": "role" must be one of/);
  assert.match(failure(write('flags', filterText('flags', undefined, 'role = "hint"\nsummary = true'))).message, /only apply to role "failure"/);
  assert.match(failure(write('flags', filterText('flags', undefined, 'role = "hint"\nsummarised = true'))).message, /only apply to role "failure"/);
  assert.match(failure(write('both', filterText('both', undefined, 'summary = true\nsummarised = true'))).message, /both the summary and one of the attempts/);
  assert.match(failure(write('alone', filterText('alone', undefined, 'summarised = true'))).message, /summarised needs a \[correlation\]/);
});

test('two patterns with one name are refused', () => {
  const twice = `${filterText('twice')}[[patterns]]\nname = "failed"\nevent_type = "x"\nregex = '''^again <ip>$'''\n`;
  assert.match(failure(write('twice', twice)).message, /pattern "failed": two patterns have this name/);
});
