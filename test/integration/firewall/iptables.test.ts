// The iptables/ipset backend against real ipset and iptables, inside namespaces of the test's own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultConfig } from '../../../helper/config/load.js';
import type { Config } from '../../../helper/config/types.js';
import { parseNetwork } from '../../../helper/core/address.js';
import { FirewallError } from '../../../helper/firewall/backend.js';
import { createIptablesBackend } from '../../../helper/firewall/iptables.js';
import { createNetworkNamespace, createTwoHosts, type NetworkNamespace } from '../../support/namespace.js';

const names: Config['nftables'] = defaultConfig().nftables;

function backendIn(namespace: NetworkNamespace, overrides: Partial<Config['nftables']> = {}) {
  return createIptablesBackend({
    names: { ...names, ...overrides },
    ipset: [...namespace.enter, 'ipset'],
    iptables: [...namespace.enter, 'iptables'],
    ip6tables: [...namespace.enter, 'ip6tables'],
  });
}

let namespace: NetworkNamespace;
before(async () => {
  namespace = await createNetworkNamespace();
});
after(async () => {
  await namespace?.dispose();
});

test('init creates the sets, our chain and one jump from INPUT and FORWARD per family, and is idempotent', async () => {
  const backend = backendIn(namespace);
  await backend.init();
  await backend.block([{ address: '192.0.2.1', family: 4, seconds: 600 }]);
  await backend.init();
  for (const tool of ['iptables', 'ip6tables']) {
    const rules = await namespace.check([tool, '-S']);
    assert.equal(rules.match(/-A INPUT -j croissant2ban/g)?.length, 1, rules);
    assert.equal(rules.match(/-A FORWARD -j croissant2ban/g)?.length, 1, rules);
    assert.match(rules, /-A croissant2ban -m set --match-set allow_v[46] src -j RETURN\n-A croissant2ban -m set --match-set blocked_v[46] src -j DROP/);
  }
  assert.deepEqual((await backend.list()).map((entry) => entry.address), ['192.0.2.1'], 'a second init keeps the bans');
  await backend.flush();
});

test('bans land in the set of their family with their timeout; blocking a blocked address again updates it, longer, shorter, to and from permanent', async () => {
  const backend = backendIn(namespace);
  await backend.init();
  await backend.block([
    { address: '192.0.2.10', family: 4, seconds: 3600 },
    { address: '2001:db8::10', family: 6, seconds: 120 },
    { address: '192.0.2.11', family: 4, seconds: 0 },
  ]);
  await backend.block([{ address: '2001:db8::10', family: 6, seconds: 7200 }]);
  const listed = new Map((await backend.list()).map((entry) => [entry.address, entry]));
  assert.ok(Math.abs(listed.get('192.0.2.10')!.seconds - 3600) <= 2);
  assert.ok(Math.abs(listed.get('2001:db8::10')!.seconds - 7200) <= 2);
  assert.equal(listed.get('2001:db8::10')!.family, 6);
  assert.equal(listed.get('192.0.2.11')!.seconds, 0, 'permanent: no timeout');
  // An extension (ExtendBan) goes through block() too: timed to permanent, permanent to timed, shorter.
  await backend.block([{ address: '192.0.2.10', family: 4, seconds: 0 }, { address: '192.0.2.11', family: 4, seconds: 600 }]);
  await backend.block([{ address: '2001:db8::10', family: 6, seconds: 30 }]);
  const extended = new Map((await backend.list()).map((entry) => [entry.address, entry.seconds]));
  assert.equal(extended.get('192.0.2.10'), 0);
  assert.ok(Math.abs(extended.get('192.0.2.11')! - 600) <= 2, `${extended.get('192.0.2.11')}`);
  assert.ok(extended.get('2001:db8::10')! > 0 && extended.get('2001:db8::10')! <= 30, `${extended.get('2001:db8::10')}`);
  await backend.release([
    { address: '192.0.2.10', family: 4 },
    { address: '192.0.2.99', family: 4 },
  ]);
  assert.deepEqual((await backend.list()).map((entry) => entry.address).sort(), ['192.0.2.11', '2001:db8::10']);
  await backend.flush();
  assert.deepEqual(await backend.list(), []);
});

test('a failing ipset is reported with the command and its message', async () => {
  const backend = createIptablesBackend({ names, ipset: [...namespace.enter, 'ipset'], iptables: ['/nonexistent/iptables'], ip6tables: ['/nonexistent/ip6tables'] });
  await assert.rejects(backend.init(), (error: unknown) => error instanceof FirewallError && /\/nonexistent\/iptables/.test(error.message));
  const broken = backendIn(namespace, { setV4: 'no_such_set' });
  await assert.rejects(broken.block([{ address: '192.0.2.1', family: 4, seconds: 5 }]), (error: unknown) => error instanceof FirewallError && /ipset restore -exist/.test(error.message) && /no_such_set|does not exist/i.test(error.message));
});

test('between two hosts: a banned peer cannot connect, a released one can, a whitelisted one always can', async () => {
  const hosts = await createTwoHosts();
  try {
    const backend = createIptablesBackend({
      names,
      ipset: [...hosts.host.enter, 'ipset'],
      iptables: [...hosts.host.enter, 'iptables'],
      ip6tables: [...hosts.host.enter, 'ip6tables'],
    });
    await backend.init();
    const server = await hosts.listen();
    try {
      assert.equal((await hosts.connect(hosts.hostAddress.v4, server.port)).outcome, 'connected');
      await backend.block([{ address: hosts.peerAddress.v4, family: 4, seconds: 60 }, { address: hosts.peerAddress.v6, family: 6, seconds: 60 }]);
      assert.equal((await hosts.connect(hosts.hostAddress.v4, server.port)).outcome, 'timeout');
      assert.equal((await hosts.connect(hosts.hostAddress.v6, server.port)).outcome, 'timeout');
      await backend.allow([parseNetwork('10.200.0.0/24')!]);
      assert.equal((await hosts.connect(hosts.hostAddress.v4, server.port)).outcome, 'connected', 'whitelisted though in the blocked set');
      await backend.allow([]);
      await backend.release([{ address: hosts.peerAddress.v4, family: 4 }, { address: hosts.peerAddress.v6, family: 6 }]);
      assert.equal((await hosts.connect(hosts.hostAddress.v4, server.port)).outcome, 'connected');
      assert.equal((await hosts.connect(hosts.hostAddress.v6, server.port)).outcome, 'connected');
    } finally {
      await server.close();
    }
  } finally {
    await hosts.dispose();
  }
});
