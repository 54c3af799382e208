import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfigText } from '../../../helper/config/load.js';

function problems(text: string, format: 'toml' | 'json' = 'toml'): string {
  try {
    parseConfigText(text, { file: '/etc/croissant2ban/config.toml', format });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('the configuration was accepted');
}

const service = (regex: string) =>
  `[services.web]\nlog_path = "/var/log/web.log"\n[[services.web.patterns]]\nname = "login"\nregex = '${regex}'\n`;

test('a user regex that can backtrack catastrophically is a configuration error at its key', () => {
  assert.match(problems(service('(a+)+$')), /^\/etc\/croissant2ban\/config\.toml: services\.web\.patterns\[1\]\.regex: refused: it can take exponential time/);
});

test('a user regex without an address group, or that does not compile, is a configuration error at its key', () => {
  assert.match(problems(service('login failed')), /services\.web\.patterns\[1\]\.regex: the regex has no \(\?P<ip>\.\.\.\) group and no group 1/);
  assert.match(problems(service('from (?P<ip>\\S+')), /services\.web\.patterns\[1\]\.regex: /);
});

test('a sound user regex is accepted', () => {
  const config = parseConfigText(service('^Login failed for \\S+ from (?P<ip>\\S+)$'), { file: null, format: 'toml' });
  assert.equal(config.services.find((entry) => entry.name === 'web')?.patterns.length, 1);
});

test('the simple JSON format names the service entry whose regex is refused', () => {
  const json = JSON.stringify({ services: [{ name: 'ssh', logpath: '/var/log/auth.log' }, { name: 'app', logpath: '/var/log/app.log', regex: '(x+x+)+y (\\S+)' }] });
  assert.match(problems(json, 'json'), /services\[2\]\.regex: refused: it can take exponential time/);
});
