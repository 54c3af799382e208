import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../../helper/config/load.js';
import type { Config } from '../../../helper/config/types.js';
import { parseNetwork } from '../../../helper/core/address.js';
import { configuredWhitelist, Gate, localInterfaceAddresses } from '../../../helper/core/gate.js';
import { temporaryDirectory } from '../../support/paths.js';

const labelled = (text: string, origin = 'config whitelist') => ({ network: parseNetwork(text)!, origin });

test('loopback addresses are never banned, IPv4, IPv6 and mapped', () => {
  const gate = new Gate();
  assert.equal(gate.check('127.0.0.1'), 'loopback');
  assert.equal(gate.check('127.200.0.1'), 'loopback');
  assert.equal(gate.check('::1'), 'loopback');
  assert.equal(gate.check('::ffff:127.0.0.1'), 'loopback');
  assert.equal(gate.check('203.0.113.5'), null);
});

test("the host's own addresses are never banned", () => {
  const gate = new Gate({ hostAddresses: ['192.0.2.10', 'fe80::1%eth0', '2001:db8::10'] });
  assert.equal(gate.check('192.0.2.10'), "this host's own address");
  assert.equal(gate.check('2001:DB8::10'), "this host's own address");
  assert.equal(gate.check('192.0.2.11'), null);
});

test('the addresses this machine reports are all recognised as its own', () => {
  const gate = new Gate({ hostAddresses: localInterfaceAddresses() });
  for (const address of localInterfaceAddresses()) assert.notEqual(gate.check(address), null, address);
});

test('whitelisted networks spare every address inside them, IPv4 and IPv6', () => {
  const gate = new Gate({ networks: [labelled('10.0.0.0/8'), labelled('2001:db8:1::/48')] });
  assert.equal(gate.check('10.20.30.40'), 'whitelisted by 10.0.0.0/8 (config whitelist)');
  assert.match(gate.check('2001:db8:1:ffff::1') ?? '', /2001:db8:1::\/48/);
  assert.equal(gate.check('11.0.0.1'), null);
  assert.equal(gate.check('2001:db8:2::1'), null);
});

test('database entries are checked too and can be replaced', () => {
  const gate = new Gate();
  gate.setDatabaseNetworks([labelled('198.51.100.7', 'database')]);
  assert.equal(gate.check('198.51.100.7'), 'whitelisted by 198.51.100.7/32 (database)');
  gate.setDatabaseNetworks([]);
  assert.equal(gate.check('198.51.100.7'), null);
});

test('an invalid address is never passed on', () => {
  assert.match(new Gate().check('999.1.1.1') ?? '', /not a valid address/);
});

test('the config whitelist gathers networks, zones marked implicitly whitelisted and a whitelist file', () => {
  const directory = temporaryDirectory();
  try {
    const file = join(directory.path, 'whitelist.txt');
    writeFileSync(file, '# office\n192.0.2.0/24\n\n2001:db8:5::/48  # lab\nnot-an-address\n');
    const base = defaultConfig();
    const config: Config = {
      ...base,
      zones: {
        enabled: true,
        configFile: null,
        whitelistThreshold: 80,
        zones: [
          { name: 'internal', trustLevel: 80, networks: ['172.16.0.0/12'], implicitWhitelist: true },
          { name: 'partners', trustLevel: 90, networks: ['203.0.113.0/24'], implicitWhitelist: false },
          { name: 'external', trustLevel: 0, networks: ['0.0.0.0/0'], implicitWhitelist: false },
        ],
      },
      whitelist: {
        enabled: true,
        cacheTtlSecs: 300,
        sources: [
          { type: 'networks', networks: ['10.0.0.0/8'] },
          { type: 'zones' },
          { type: 'file', path: file, watch: false },
        ],
      },
    };
    const warnings: string[] = [];
    const networks = configuredWhitelist(config, (message) => warnings.push(message));
    assert.deepEqual(
      networks.map((entry) => `${entry.network.text} ${entry.origin}`),
      ['10.0.0.0/8 config whitelist', '172.16.0.0/12 zone internal', `192.0.2.0/24 ${file}`, `2001:db8:5::/48 ${file}`],
    );
    assert.deepEqual(warnings, [`whitelist file ${file}:5: not an address or CIDR: "not-an-address"`]);
  } finally {
    directory.dispose();
  }
});
