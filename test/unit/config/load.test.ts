import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../../../helper/config/defaults.js';
import { ConfigError, defaultConfig, loadConfig, parseConfigText } from '../../../helper/config/load.js';
import type { Config, ServiceConfig } from '../../../helper/config/types.js';

const FILE = '/etc/croissant2ban/config.toml';
const ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
const SHIPPED_TOML = join(ROOT, 'conf', 'croissant2ban.toml');
const SHIPPED_JSON = join(ROOT, 'conf', 'croissant.json');
// The design's reference format sits beside the repository (../shared), as the corpus does; its absence is a failure.
const REFERENCE = join(ROOT, '..', 'shared', 'design', 'config-reference.toml');

function parseToml(text: string): Config {
  return parseConfigText(text, { file: FILE, format: 'toml' });
}

function errorOf(text: string, format: 'toml' | 'json' = 'toml'): ConfigError {
  try {
    parseConfigText(text, { file: format === 'json' ? '/etc/croissant2ban/croissant.json' : FILE, format });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the configuration to be rejected');
}

/** Asserts one of the problems sits at exactly this key, matches the pattern, and is in the message with the file. */
function assertProblem(text: string, key: string, problem: RegExp, format: 'toml' | 'json' = 'toml'): ConfigError {
  const error = errorOf(text, format);
  const issue = error.issues.find((candidate) => candidate.key === key);
  assert.ok(issue, `no problem at ${key}; got:\n${error.message}`);
  assert.match(issue.problem, problem);
  const prefix = key === '' ? `${error.file ?? ''}: ` : `${error.file ?? ''}: ${key}: `;
  assert.match(error.message, new RegExp(`^${escape(prefix)}`, 'm'));
  return error;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function service(config: Config, name: string): ServiceConfig {
  const found = config.services.find((candidate) => candidate.name === name);
  assert.ok(found, `no service ${name}`);
  return found;
}

describe('the shipped files', () => {
  test('the shipped TOML file parses to the built-in defaults', () => {
    const config = loadConfig(SHIPPED_TOML);
    assert.equal(config.format, 'toml');
    assert.equal(config.file, SHIPPED_TOML);
    assert.deepEqual({ ...config, file: null, format: 'defaults' }, defaultConfig());
  });

  test('the default configuration watches ssh and lists the other built-in services disabled', () => {
    const config = loadConfig(SHIPPED_TOML);
    const ssh = service(config, 'ssh');
    assert.equal(ssh.enabled, true);
    assert.deepEqual(ssh.logPaths, ['/var/log/auth.log']);
    assert.deepEqual(ssh.journalUnits, ['ssh.service', 'sshd.service']);
    assert.equal(ssh.filter, 'ssh');
    assert.deepEqual(ssh.patterns, []);
    assert.equal(ssh.maxFailures, 5);
    assert.equal(ssh.findTime, 600);
    assert.deepEqual(ssh.banPolicy, { banTime: 3600, increment: false, factor: 2, maximum: 604_800 });
    for (const name of ['nginx', 'apache', 'postfix', 'dovecot']) {
      assert.equal(service(config, name).enabled, false, name);
      assert.equal(service(config, name).filter, name);
    }
    assert.equal(config.firewall.backend, 'nftables');
    assert.equal(config.general.maxTrackedAddresses, 100_000);
    assert.equal(config.dbus.adminGroup, 'croissant2ban');
    assert.equal(config.nftables.forward, true);
    assert.deepEqual(config.whitelist.sources, [{ type: 'database' }, { type: 'zones' }]);
  });

  test('the example JSON file maps onto the same Config shape', () => {
    const config = loadConfig(SHIPPED_JSON);
    assert.equal(config.format, 'json');
    const ssh = service(config, 'ssh');
    assert.equal(ssh.filter, 'ssh');
    assert.deepEqual(ssh.patterns, [{ name: 'ssh_regex', regex: 'Failed password .* from (\\S+) port', eventType: 'failed_auth' }]);
    assert.deepEqual(ssh.logPaths, ['/var/log/auth.log']);
    assert.equal(ssh.port, '22');
    assert.equal(ssh.maxFailures, 5);
    assert.equal(ssh.findTime, 600);
    assert.equal(ssh.banPolicy.banTime, 3600);
    const nginx = service(config, 'nginx');
    assert.equal(nginx.enabled, false);
    assert.deepEqual(nginx.patterns, []);
    assert.deepEqual(config.whitelist.sources, [
      { type: 'database' },
      { type: 'zones' },
      { type: 'networks', networks: ['10.0.0.0/8', '192.168.1.5/32'] },
    ]);
  });

  test('the design reference file parses whole, user pattern with (?P<ip>...) included', () => {
    assert.ok(existsSync(REFERENCE), `the design reference ${REFERENCE} is missing: check out shared/ beside the repository`);
    const config = loadConfig(REFERENCE);
    const ssh = service(config, 'ssh');
    assert.equal(ssh.patterns.length, 1);
    assert.equal(ssh.patterns[0]!.regex, 'Failed password for .* from (?P<ip>\\d+\\.\\d+\\.\\d+\\.\\d+)');
    assert.equal(ssh.patterns[0]!.eventType, 'failed_auth');
    assert.equal(ssh.filter, 'ssh');
    assert.deepEqual(config.zones.zones.map((zone) => [zone.name, zone.implicitWhitelist]), [['internal', true], ['external', false]]);
    assert.equal(config.siem.targets.length, 3);
    assert.deepEqual(config.siem.targets[2], { type: 'webhook', url: 'https://siem.example.com/api/events', headers: [['Authorization', 'Bearer token']] });
    assert.equal(config.ebpf.methodOptions.path, '/sys/fs/bpf/croissant2ban_blacklist');
    assert.deepEqual(config.whitelist.sources[3], { type: 'file', path: '/etc/croissant2ban/whitelist.txt', watch: true });
    assert.equal(config.nftables.priority, -100);
  });
});

describe('defaults', () => {
  test('an empty file takes every default and watches no service', () => {
    const config = parseToml('');
    assert.deepEqual(config.services, []);
    assert.deepEqual({ ...config, services: defaultConfig().services, file: null, format: 'defaults' }, defaultConfig());
  });

  test('the built-in defaults name no file', () => {
    const config = defaultConfig();
    assert.equal(config.file, null);
    assert.equal(config.format, 'defaults');
  });

  test('a service section with only a log path takes 5 failures in 600 seconds and a 3600 second ban', () => {
    const ssh = service(parseToml('[services.ssh]\nlog_path = "/var/log/auth.log"'), 'ssh');
    assert.equal(ssh.enabled, true);
    assert.equal(ssh.maxFailures, 5);
    assert.equal(ssh.findTime, 600);
    assert.deepEqual(ssh.banPolicy, { banTime: 3600, increment: false, factor: 2, maximum: 604_800 });
    assert.equal(ssh.port, null);
  });

  test('the new keys of later features read as typed', () => {
    const config = parseToml(`
[general]
max_tracked_addresses = 5000
[firewall]
backend = "null"
[nftables]
forward = false
forward_chain_name = "fwd"
allow_set_v4 = "ok4"
allow_set_v6 = "ok6"
[dbus]
admin_group = "wheel"
[services.web]
log_path = ["/var/log/nginx/*.log", "/srv/logs/access.log"]
journal_units = ["nginx.service"]
filter = "nginx"
port = 443
`);
    assert.equal(config.general.maxTrackedAddresses, 5000);
    assert.equal(config.firewall.backend, 'null');
    assert.equal(config.nftables.forward, false);
    assert.equal(config.nftables.forwardChainName, 'fwd');
    assert.equal(config.nftables.allowSetV4, 'ok4');
    assert.equal(config.nftables.allowSetV6, 'ok6');
    assert.equal(config.dbus.adminGroup, 'wheel');
    const web = service(config, 'web');
    assert.deepEqual(web.logPaths, ['/var/log/nginx/*.log', '/srv/logs/access.log']);
    assert.deepEqual(web.journalUnits, ['nginx.service']);
    assert.equal(web.filter, 'nginx');
    assert.equal(web.port, '443');
  });
});

describe('services and their filters', () => {
  test('a built-in service with its own patterns keeps its filter and uses the patterns', () => {
    const ssh = service(
      parseToml(`[services.ssh]
log_path = "/var/log/auth.log"
[[services.ssh.patterns]]
name = "failed"
regex = 'Failed password for .* from (?<ip>\\S+)'
`),
      'ssh',
    );
    assert.equal(ssh.filter, 'ssh');
    assert.deepEqual(ssh.patterns, [{ name: 'failed', regex: 'Failed password for .* from (?<ip>\\S+)', eventType: 'failed_auth' }]);
  });

  test('a service of another name with patterns has no built-in filter', () => {
    const app = service(parseToml(`[services.myapp]
log_path = "/var/log/myapp.log"
[[services.myapp.patterns]]
name = "bad_token"
regex = "bad token from (\\\\S+)"
event_type = "invalid_token"
`), 'myapp');
    assert.equal(app.filter, null);
    assert.equal(app.patterns[0]!.eventType, 'invalid_token');
  });

  test('a service of another name may borrow a built-in filter instead of patterns', () => {
    const app = service(parseToml('[services.web2]\nlog_path = "/srv/web2/error.log"\nfilter = "nginx"'), 'web2');
    assert.equal(app.filter, 'nginx');
  });

  test('a service that is not built in and has no patterns nor filter is rejected', () => {
    assertProblem('[services.myapp]\nlog_path = "/var/log/myapp.log"', 'services.myapp', /needs patterns.*not a built-in filter/);
  });

  test('an unknown filter name is rejected with the list of built-in filters', () => {
    assertProblem('[services.ssh]\nlog_path = "/a"\nfilter = "sshd"', 'services.ssh.filter', /"ssh", "nginx", "apache", "postfix", "dovecot", got "sshd"/);
  });

  test('an enabled service without a log path or journal unit is rejected, a disabled one is not', () => {
    assertProblem('[services.ssh]\nenabled = true', 'services.ssh.log_path', /required for an enabled service/);
    assert.equal(service(parseToml('[services.ssh]\nenabled = false'), 'ssh').enabled, false);
    assert.deepEqual(service(parseToml('[services.ssh]\njournal_units = ["ssh.service"]'), 'ssh').logPaths, []);
  });

  test('an empty regex, and one the filter engine cannot compile, are rejected at the regex key', () => {
    assertProblem('[services.ssh]\nlog_path = "/a"\n[[services.ssh.patterns]]\nname = "p"\nregex = ""', 'services.ssh.patterns[1].regex', /non-empty string/);
    assertProblem('[services.ssh]\nlog_path = "/a"\n[[services.ssh.patterns]]\nname = "p"\nregex = "(?P<ip>"', 'services.ssh.patterns[1].regex', /Unterminated group/);
  });

  test('a pattern without a regex is rejected at the regex key', () => {
    assertProblem('[services.ssh]\nlog_path = "/a"\n[[services.ssh.patterns]]\nname = "p"', 'services.ssh.patterns[1].regex', /is required/);
  });

  test('two patterns of one service with the same name are rejected', () => {
    assertProblem(
      '[services.ssh]\nlog_path = "/a"\n[[services.ssh.patterns]]\nname = "p"\nregex = "a(x)"\n[[services.ssh.patterns]]\nname = "p"\nregex = "b(x)"',
      'services.ssh.patterns[2].name',
      /duplicate pattern name "p"/,
    );
  });

  test('service names that differ only in case are duplicates', () => {
    assertProblem('[services.ssh]\nlog_path = "/a"\n[services.SSH]\nlog_path = "/a"\nfilter = "ssh"', 'services.SSH', /duplicate service name: same as services.ssh/);
  });

  test('a service name with a space is rejected under its quoted key', () => {
    assertProblem('[services."my app"]\nlog_path = "/a"\nfilter = "ssh"', 'services."my app"', /not a valid service name/);
  });
});

describe('ban policy', () => {
  test('incremental bans are off when no section sets them', () => {
    const ssh = service(parseToml('[services.ssh]\nlog_path = "/a"'), 'ssh');
    assert.equal(ssh.banPolicy.increment, false);
  });

  test('a service inherits the ban policy of [general] where it sets nothing', () => {
    const config = parseToml(`[general]
ban_time = 900
ban_time_increment = true
ban_time_factor = 1.5
ban_time_max = 86400
[services.ssh]
log_path = "/a"
`);
    assert.deepEqual(config.general.banPolicy, { banTime: 900, increment: true, factor: 1.5, maximum: 86_400 });
    assert.deepEqual(service(config, 'ssh').banPolicy, { banTime: 900, increment: true, factor: 1.5, maximum: 86_400 });
  });

  test('each ban key set by a service wins over [general], key by key', () => {
    const config = parseToml(`[general]
ban_time_increment = true
ban_time_factor = 3
ban_time_max = 86400
[services.ssh]
log_path = "/a"
ban_time = 600
ban_time_factor = 4
[services.nginx]
log_path = "/b"
ban_time_increment = false
[services.postfix]
log_path = "/c"
ban_time = 0
`);
    assert.deepEqual(service(config, 'ssh').banPolicy, { banTime: 600, increment: true, factor: 4, maximum: 86_400 });
    assert.deepEqual(service(config, 'nginx').banPolicy, { banTime: 3600, increment: false, factor: 3, maximum: 86_400 });
    assert.equal(service(config, 'postfix').banPolicy.banTime, 0);
  });

  test('a ban_time_factor of 1 or less is rejected', () => {
    assertProblem('[general]\nban_time_factor = 1', 'general.ban_time_factor', /must be a number above 1 and at most 1000, got 1$/);
    assertProblem('[services.ssh]\nlog_path = "/a"\nban_time_factor = 0.5', 'services.ssh.ban_time_factor', /got 0.5/);
  });

  test('a cap below the ban time it caps is rejected at the service, naming where the cap came from', () => {
    assertProblem(
      '[general]\nban_time_increment = true\nban_time_max = 60\n[services.ssh]\nlog_path = "/a"',
      'services.ssh.ban_time_max',
      /at least the ban time it caps \(3600 seconds\), got 60 \(from general.ban_time_max\)/,
    );
  });
});

describe('error reporting', () => {
  test('an out-of-range integer names file, key, expectation and value', () => {
    const error = assertProblem('[services.ssh]\nlog_path = "/a"\nmax_failures = -3', 'services.ssh.max_failures', /.*/);
    assert.equal(error.message, '/etc/croissant2ban/config.toml: services.ssh.max_failures: must be an integer from 1 to 1000000, got -3');
    assert.equal(error.file, FILE);
    assert.equal(error.key, 'services.ssh.max_failures');
    assert.equal(error.problem, 'must be an integer from 1 to 1000000, got -3');
  });

  test('a wrong type is rejected, and a quoted number is pointed out', () => {
    assertProblem('[services.ssh]\nlog_path = "/a"\nfind_time = "600"', 'services.ssh.find_time', /got "600" \(a string: write the number without quotes\)/);
    assertProblem('[dbus]\nenabled = "yes"', 'dbus.enabled', /must be true or false, got "yes"/);
    assertProblem('[general]\nauto_intel = "true"', 'general.auto_intel', /without quotes/);
    assertProblem('general = 5', 'general', /must be a table, got 5/);
    assertProblem('[services.ssh]\nlog_path = 5', 'services.ssh.log_path', /absolute path or glob.*got 5/);
    assertProblem('[general]\ndb_path = 1979-05-27', 'general.db_path', /got a date/);
  });

  test('an integer where a fraction was given is rejected', () => {
    assertProblem('[general]\nmax_tracked_addresses = 10.5', 'general.max_tracked_addresses', /must be an integer.*got 10.5/);
  });

  test('a value outside an enumeration lists the allowed values', () => {
    assertProblem('[general]\nlog_level = "loud"', 'general.log_level', /one of "trace", "debug", "info", "warn", "error", got "loud"/);
    assertProblem('[firewall]\nbackend = "pf"', 'firewall.backend', /one of "nftables", "iptables", "null", got "pf"/);
    assertProblem('[siem]\nformat = "xml"', 'siem.format', /"cef", "leef", "syslog", "json"/);
    assertProblem('[ebpf]\nmethod = "xdp"', 'ebpf.method', /"mapfile", "disabled"/);
  });

  test('an unknown key is an error that suggests the closest known key', () => {
    assertProblem('[services.ssh]\nlog_path = "/a"\nfindtime = 60', 'services.ssh.findtime', /^unknown key, did you mean find_time\?$/);
    assertProblem('[services.ssh]\nlog_path = "/a"\nmaxretry = 3', 'services.ssh.maxretry', /did you mean max_failures\?/);
    assertProblem('[nftables]\ntable = "x"', 'nftables.table', /did you mean table_name\?/);
  });

  test('an unknown key with no close match lists the keys of its table', () => {
    assertProblem('[dbus]\ncolour = "red"', 'dbus.colour', /unknown key; the keys here are enabled, system_bus, admin_group/);
  });

  test('an unknown section is an error', () => {
    assertProblem('[jails.ssh]\nenabled = true', 'jails', /unknown key; the keys here are general, firewall/);
  });

  test('an unknown key deep inside [[siem.targets]] is reported at that target', () => {
    assertProblem(
      `[[siem.targets]]
type = "file"
path = "/var/log/siem.log"

[[siem.targets]]
type = "webhook"
url = "https://siem.example.com/"
header = [["X-Key", "1"]]
`,
      'siem.targets[2].header',
      /did you mean headers\?/,
    );
  });

  test('a tagged block needs a known type', () => {
    assertProblem('[[siem.targets]]\npath = "/x"', 'siem.targets[1].type', /is required: one of "file", "syslog", "webhook"/);
    assertProblem('[[whitelist.sources]]\ntype = "ldap"', 'whitelist.sources[1].type', /one of "database", "zones", "networks", "file", got "ldap"/);
  });

  test('bad networks are rejected in whitelist and zones, IPv4 and IPv6 alike', () => {
    assertProblem('[[whitelist.sources]]\ntype = "networks"\nnetworks = ["10.0.0.0/8", "10.0.0.0/33"]', 'whitelist.sources[1].networks[2]', /CIDR.*got "10.0.0.0\/33"/);
    assertProblem('[[whitelist.sources]]\ntype = "networks"\nnetworks = ["2001:db8::/129"]', 'whitelist.sources[1].networks[1]', /got "2001:db8::\/129"/);
    assertProblem('[[zones.zones]]\nname = "lan"\nnetworks = ["192.168.1"]', 'zones.zones[1].networks[1]', /got "192.168.1"/);
    assertProblem('[[zones.zones]]\nname = "lan"\nnetworks = []', 'zones.zones[1].networks', /at least 1 element/);
  });

  test('networks are kept in canonical form, host addresses as /32 and /128', () => {
    const config = parseToml('[[whitelist.sources]]\ntype = "networks"\nnetworks = ["10.1.2.3/8", "192.0.2.7", "2001:DB8::1", "::ffff:10.0.0.0/104"]');
    assert.deepEqual(config.whitelist.sources, [{ type: 'networks', networks: ['10.0.0.0/8', '192.0.2.7/32', '2001:db8::1/128', '10.0.0.0/8'] }]);
  });

  test('names used in nft commands must be plain identifiers', () => {
    assertProblem('[nftables]\ntable_name = "c2b; flush ruleset"', 'nftables.table_name', /letters, digits or _.*nft/);
    assertProblem('[nftables]\nset_v4 = "1set"', 'nftables.set_v4', /starting with a letter/);
    assertProblem(`[nftables]\nchain_name = "${'a'.repeat(33)}"`, 'nftables.chain_name', /1 to 32/);
  });

  test('two nft sets or chains of the same name are rejected', () => {
    assertProblem('[nftables]\nallow_set_v4 = "blocked_v4"', 'nftables.allow_set_v4', /must differ from nftables.set_v4/);
    assertProblem('[nftables]\nforward_chain_name = "input"', 'nftables.forward_chain_name', /must differ from nftables.chain_name/);
  });

  test('relative paths are rejected', () => {
    assertProblem('[general]\ndb_path = "croissant2ban.db"', 'general.db_path', /absolute path/);
    assertProblem('[[whitelist.sources]]\ntype = "file"\npath = "whitelist.txt"', 'whitelist.sources[1].path', /absolute path/);
    assertProblem('[services.ssh]\nlog_path = ["/var/log/auth.log", "auth.log"]', 'services.ssh.log_path[2]', /absolute path/);
  });

  test('a webhook must be http or https and its headers cannot carry line breaks', () => {
    assertProblem('[[siem.targets]]\ntype = "webhook"\nurl = "file:///etc/passwd"', 'siem.targets[1].url', /http:\/\/ or https:\/\//);
    assertProblem('[[siem.targets]]\ntype = "webhook"\nurl = "https://x/"\nheaders = [["X-A", "1\\r\\nX-B: 2"]]', 'siem.targets[1].headers[1]', /line break/);
    assertProblem('[[siem.targets]]\ntype = "webhook"\nurl = "https://x/"\nheaders = [["X-A"]]', 'siem.targets[1].headers[1]', /must be a pair \["Header-Name", "value"\], got an array/);
  });

  test('an enabled SIEM export without targets is rejected', () => {
    assertProblem('[siem]\nenabled = true', 'siem.targets', /no targets/);
  });

  test('ports must be numbers from 1 to 65535, ranges or lists of them', () => {
    assert.equal(service(parseToml('[services.ssh]\nlog_path = "/a"\nport = "22, 2222"'), 'ssh').port, '22,2222');
    assert.equal(service(parseToml('[services.ssh]\nlog_path = "/a"\nport = "ssh"'), 'ssh').port, 'ssh');
    assertProblem('[services.ssh]\nlog_path = "/a"\nport = "70000"', 'services.ssh.port', /1 to 65535, got "70000"/);
  });

  test('zones are whitelisted at the threshold unless they say otherwise', () => {
    const config = parseToml(`[zones]
whitelist_threshold = 50
[[zones.zones]]
name = "office"
trust_level = 50
networks = ["10.0.0.0/8"]
[[zones.zones]]
name = "guests"
trust_level = 90
networks = ["10.9.0.0/16"]
implicit_whitelist = false
`);
    assert.deepEqual(config.zones.zones.map((zone) => zone.implicitWhitelist), [true, false]);
  });

  test('two zones of the same name are rejected', () => {
    assertProblem('[[zones.zones]]\nname = "a"\nnetworks = ["::/0"]\n[[zones.zones]]\nname = "a"\nnetworks = ["0.0.0.0/0"]', 'zones.zones[2].name', /duplicate zone name "a"/);
  });

  test('every problem of a file is reported, in file order', () => {
    const error = errorOf('[general]\nlog_level = "loud"\npid_file = "x.pid"\n[dbus]\nenabld = true');
    assert.deepEqual(
      error.issues.map((issue) => issue.key),
      ['general.log_level', 'general.pid_file', 'dbus.enabld'],
    );
    assert.equal(error.message.split('\n').length, 3);
  });

  test('a TOML syntax error keeps its line and column', () => {
    const error = errorOf('[general]\nlog_level = "info"\ndb_path = \n');
    assert.equal(error.issues[0]!.line, 3);
    assert.match(error.message, /^\/etc\/croissant2ban\/config.toml:3:\d+: invalid TOML: /);
  });

  test('a table defined twice is a TOML error with its position', () => {
    const error = errorOf('[services.ssh]\nlog_path = "/a"\n[services.ssh]\nenabled = false\n');
    assert.equal(error.issues[0]!.line, 3);
  });
});

describe('the simple JSON format', () => {
  const json = (value: unknown): string => JSON.stringify(value);

  test('threshold sets max_failures for every service and bantime is per service', () => {
    const config = parseConfigText(
      json({
        threshold: 3,
        services: [
          { name: 'ssh', logpath: '/var/log/auth.log', bantime: 60 },
          { name: 'myapp', logpath: ['/var/log/myapp/*.log'], port: 8080, regex: 'denied for (\\S+)' },
        ],
      }),
      { file: '/etc/croissant2ban/croissant.json', format: 'json' },
    );
    assert.deepEqual(config.services.map((entry) => entry.maxFailures), [3, 3]);
    assert.deepEqual(config.services.map((entry) => entry.banPolicy.banTime), [60, 3600]);
    const app = service(config, 'myapp');
    assert.equal(app.filter, null);
    assert.equal(app.port, '8080');
    assert.deepEqual(app.patterns, [{ name: 'myapp_regex', regex: 'denied for (\\S+)', eventType: 'failed_auth' }]);
    assert.deepEqual(service(config, 'ssh').patterns, []);
    assert.deepEqual(config.whitelist.sources, [{ type: 'database' }, { type: 'zones' }]);
  });

  test('unknown keys are errors in JSON too, with a suggestion', () => {
    assertProblem(json({ treshold: 5 }), 'treshold', /did you mean threshold\?/, 'json');
    assertProblem(json({ services: [{ name: 'ssh', logpath: '/a', log_path: '/b' }] }), 'services[1].log_path', /did you mean logpath\?/, 'json');
  });

  test('a JSON service that is not built in needs a regex', () => {
    assertProblem(json({ services: [{ name: 'myapp', logpath: '/a' }] }), 'services[1].regex', /is required.*group 1/, 'json');
  });

  test('duplicate JSON service names are rejected', () => {
    assertProblem(json({ services: [{ name: 'ssh', logpath: '/a' }, { name: 'ssh', logpath: '/b' }] }), 'services[2].name', /duplicate service name "ssh"/, 'json');
  });

  test('JSON values are checked like their TOML counterparts', () => {
    assertProblem(json({ whitelist: ['10.0.0.0/8', 'example.com'] }), 'whitelist[2]', /CIDR/, 'json');
    assertProblem(json({ threshold: 0 }), 'threshold', /integer from 1 to 1000000, got 0/, 'json');
    assertProblem(json({ services: [{ name: 'ssh', logpath: 'auth.log' }] }), 'services[1].logpath', /absolute/, 'json');
    assertProblem(json({ services: [{ name: 'ssh', logpath: '/a', bantime: -1 }] }), 'services[1].bantime', /got -1/, 'json');
    assertProblem(json([]), '', /must be an object, got an empty array/, 'json');
  });

  test('a JSON syntax error names its line', () => {
    const error = errorOf('{\n  "threshold": 5,\n}', 'json');
    assert.match(error.message, /croissant\.json:3:\d+: invalid JSON/);
  });
});

describe('loadConfig', () => {
  test('reads .json files as the simple format and everything else as TOML', () => {
    const folder = mkdtempSync(join(tmpdir(), 'c2b-config-'));
    try {
      writeFileSync(join(folder, 'a.json'), '{"threshold": 2, "services": [{"name": "ssh", "logpath": "/a"}]}');
      writeFileSync(join(folder, 'a.conf'), '[services.ssh]\nlog_path = "/a"\nmax_failures = 2\n');
      const fromJson = loadConfig(join(folder, 'a.json'));
      const fromToml = loadConfig(join(folder, 'a.conf'));
      assert.equal(fromJson.format, 'json');
      assert.equal(fromToml.format, 'toml');
      assert.equal(service(fromJson, 'ssh').maxFailures, 2);
      assert.equal(service(fromToml, 'ssh').maxFailures, 2);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('a missing file is a ConfigError naming the file', () => {
    assert.throws(() => loadConfig('/nonexistent/croissant2ban.toml'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.file, '/nonexistent/croissant2ban.toml');
      assert.match(error.message, /^\/nonexistent\/croissant2ban.toml: cannot read the configuration: no such file$/);
      return true;
    });
  });
});
