// The nftables backend against real nftables, in user+network namespaces: never the host's firewall.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { defaultConfig } from '../../../helper/config/load.js';
import type { Config } from '../../../helper/config/types.js';
import { parseNetwork, type Network } from '../../../helper/core/address.js';
import { FirewallError, type FirewallBackend } from '../../../helper/firewall/backend.js';
import { createNftablesBackend, type NftablesBackendOptions } from '../../../helper/firewall/nftables.js';
import { createNetworkNamespace, createTwoHosts, type NetworkNamespace } from '../../support/namespace.js';
import { waitFor } from '../../support/wait.js';

const NAMES: Config['nftables'] = defaultConfig().nftables;

type JsonItem = Record<string, Record<string, unknown>>;

async function namespace(t: TestContext): Promise<NetworkNamespace> {
  const created = await createNetworkNamespace();
  t.after(() => created.dispose());
  return created;
}

function backendIn(t: TestContext, ns: NetworkNamespace, options: Partial<NftablesBackendOptions> = {}): FirewallBackend {
  const backend = createNftablesBackend({ names: NAMES, nft: ns.nft, ...options });
  t.after(() => backend.close());
  return backend;
}

async function tableItems(ns: NetworkNamespace, table = 'croissant2ban', family = 'inet'): Promise<JsonItem[]> {
  const output = await ns.check(['nft', '-j', 'list', 'table', family, table]);
  return (JSON.parse(output) as { nftables: JsonItem[] }).nftables.filter((item) => !('metainfo' in item));
}

interface ElementState {
  readonly timeout: number | null;
  readonly expires: number | null;
}

/** The elements of one of our sets as nft lists them: address or network -> timeout and expiry (null = none). */
async function setElements(ns: NetworkNamespace, set: string): Promise<Map<string, ElementState>> {
  const output = await ns.check(['nft', '-j', 'list', 'set', 'inet', 'croissant2ban', set]);
  const found = (JSON.parse(output) as { nftables: JsonItem[] }).nftables.find((item) => 'set' in item)!['set']!;
  const elements = new Map<string, ElementState>();
  for (const item of (found['elem'] as unknown[] | undefined) ?? []) {
    if (typeof item === 'string') elements.set(item, { timeout: null, expires: null });
    else if (typeof item === 'object' && item !== null && 'prefix' in item) {
      const prefix = (item as { prefix: { addr: string; len: number } }).prefix;
      elements.set(`${prefix.addr}/${prefix.len}`, { timeout: null, expires: null });
    } else {
      const inner = (item as { elem: { val: unknown; timeout?: number; expires?: number } }).elem;
      const value = typeof inner.val === 'object' && inner.val !== null && 'prefix' in inner.val
        ? `${(inner.val as { prefix: { addr: string; len: number } }).prefix.addr}/${(inner.val as { prefix: { len: number } }).prefix.len}`
        : String(inner.val);
      elements.set(value, { timeout: inner.timeout ?? null, expires: inner.expires ?? null });
    }
  }
  return elements;
}

/** A rule as text, from nft's JSON: "ip saddr @allow_v4 accept". */
function ruleText(rule: Record<string, unknown>): string {
  return (rule['expr'] as Record<string, unknown>[])
    .map((expression) => {
      if ('match' in expression) {
        const match = expression['match'] as { left: { payload: { protocol: string; field: string } }; right: unknown };
        return `${match.left.payload.protocol} ${match.left.payload.field} ${String(match.right)}`;
      }
      return Object.keys(expression)[0];
    })
    .join(' ');
}

function networks(...texts: string[]): Network[] {
  return texts.map((text) => parseNetwork(text)!);
}

/** nft processes this test process started (the backend's channel among them). */
function childNftProcesses(): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      if (parent === process.pid && command.startsWith('nft')) found.push({ pid: Number(entry), command });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

const LAYOUT_RULES = ['ip saddr @allow_v4 accept', 'ip6 saddr @allow_v6 accept', 'ip saddr @blocked_v4 drop', 'ip6 saddr @blocked_v6 drop'];

test('init creates exactly the layout: four sets, input and forward chains, the whitelist ahead of the drops', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns);
  await backend.init();

  const tables = JSON.parse(await ns.check(['nft', '-j', 'list', 'tables'])) as { nftables: JsonItem[] };
  assert.deepEqual(tables.nftables.filter((item) => 'table' in item).map((item) => `${String(item['table']!['family'])} ${String(item['table']!['name'])}`), ['inet croissant2ban']);

  const items = await tableItems(ns);
  const sets = items.filter((item) => 'set' in item).map((item) => ({ name: item['set']!['name'], type: item['set']!['type'], flags: item['set']!['flags'] }));
  assert.deepEqual(sets.sort((left, right) => String(left.name).localeCompare(String(right.name))), [
    { name: 'allow_v4', type: 'ipv4_addr', flags: ['interval'] },
    { name: 'allow_v6', type: 'ipv6_addr', flags: ['interval'] },
    { name: 'blocked_v4', type: 'ipv4_addr', flags: ['timeout'] },
    { name: 'blocked_v6', type: 'ipv6_addr', flags: ['timeout'] },
  ]);
  const chains = items.filter((item) => 'chain' in item).map((item) => item['chain']!);
  assert.deepEqual(chains.map((chain) => [chain['name'], chain['type'], chain['hook'], chain['prio'], chain['policy']]).sort(), [
    ['forward', 'filter', 'forward', -100, 'accept'],
    ['input', 'filter', 'input', -100, 'accept'],
  ]);
  for (const chain of ['input', 'forward']) {
    const rules = items.filter((item) => 'rule' in item && item['rule']!['chain'] === chain).map((item) => ruleText(item['rule']!));
    assert.deepEqual(rules, LAYOUT_RULES, `rules of chain ${chain}`);
  }
});

test('init again keeps blocked addresses and makes the chains exactly right, even at a new priority', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns);
  await backend.init();
  await backend.block([
    { address: '192.0.2.7', family: 4, seconds: 3600 },
    { address: '2001:db8::7', family: 6, seconds: 0 },
  ]);
  // Someone tampers with our chain: a rule gone, a foreign rule added.
  await ns.check(['nft', 'flush', 'chain', 'inet', 'croissant2ban', 'input']);
  await ns.check(['nft', 'add', 'rule', 'inet', 'croissant2ban', 'input', 'tcp', 'dport', '22', 'accept']);

  await backend.init();
  await backend.init();
  let items = await tableItems(ns);
  assert.deepEqual(items.filter((item) => 'rule' in item && item['rule']!['chain'] === 'input').map((item) => ruleText(item['rule']!)), LAYOUT_RULES);
  assert.equal((await setElements(ns, 'blocked_v4')).get('192.0.2.7')?.timeout, 3600);
  assert.deepEqual((await setElements(ns, 'blocked_v6')).get('2001:db8::7'), { timeout: null, expires: null });

  const moved = backendIn(t, ns, { names: { ...NAMES, priority: -50 } });
  await moved.init();
  items = await tableItems(ns);
  assert.deepEqual(items.filter((item) => 'chain' in item).map((item) => item['chain']!['prio']), [-50, -50]);
  assert.equal((await setElements(ns, 'blocked_v4')).size, 1, 'the blocked set survives a change of priority');
});

test('block puts IPv4 and IPv6 addresses in their sets with the requested timeouts, permanent ones without', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns);
  await backend.init();
  await backend.block([
    { address: '198.51.100.1', family: 4, seconds: 3600 },
    { address: '198.51.100.2', family: 4, seconds: 0 },
    { address: '2001:db8::1', family: 6, seconds: 600 },
    { address: '2001:db8::2', family: 6, seconds: 0 },
    { address: '198.51.100.3', family: 4, seconds: 10 * 365 * 86400 },
  ]);
  const v4 = await setElements(ns, 'blocked_v4');
  const v6 = await setElements(ns, 'blocked_v6');
  assert.deepEqual([...v4.keys()].sort(), ['198.51.100.1', '198.51.100.2', '198.51.100.3']);
  assert.deepEqual([...v6.keys()].sort(), ['2001:db8::1', '2001:db8::2']);
  assert.equal(v4.get('198.51.100.1')!.timeout, 3600);
  assert.ok(v4.get('198.51.100.1')!.expires! > 3590, `expires ${v4.get('198.51.100.1')!.expires}`);
  assert.equal(v4.get('198.51.100.2')!.timeout, null);
  assert.equal(v4.get('198.51.100.3')!.timeout, 10 * 365 * 86400, 'ten years, the longest ban the config accepts');
  assert.equal(v6.get('2001:db8::1')!.timeout, 600);
  assert.equal(v6.get('2001:db8::2')!.timeout, null);
});

test('blocking an address already blocked gives it the new timeout, shorter, longer or none', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns);
  await backend.init();
  const timeoutOf = async () => (await setElements(ns, 'blocked_v4')).get('203.0.113.9');

  await backend.block([{ address: '203.0.113.9', family: 4, seconds: 3600 }]);
  await backend.block([{ address: '203.0.113.9', family: 4, seconds: 60 }]);
  assert.equal((await timeoutOf())?.timeout, 60);
  assert.ok((await timeoutOf())!.expires! <= 60);
  await backend.block([{ address: '203.0.113.9', family: 4, seconds: 7200 }]);
  assert.equal((await timeoutOf())?.timeout, 7200);
  await backend.block([{ address: '203.0.113.9', family: 4, seconds: 0 }]);
  assert.deepEqual(await timeoutOf(), { timeout: null, expires: null });
  await backend.block([{ address: '203.0.113.9', family: 4, seconds: 120 }]);
  assert.equal((await timeoutOf())?.timeout, 120);
  // The same address twice in one batch: the last request wins.
  await backend.block([
    { address: '203.0.113.9', family: 4, seconds: 30 },
    { address: '203.0.113.9', family: 4, seconds: 90 },
  ]);
  assert.equal((await timeoutOf())?.timeout, 90);
});

test('release removes the blocked addresses of a call even when others in it were never blocked', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns);
  await backend.init();
  await backend.block([
    { address: '192.0.2.1', family: 4, seconds: 3600 },
    { address: '192.0.2.2', family: 4, seconds: 0 },
    { address: '2001:db8::1', family: 6, seconds: 3600 },
  ]);
  await backend.release([
    { address: '192.0.2.1', family: 4 },
    { address: '192.0.2.99', family: 4 },
    { address: '2001:db8::1', family: 6 },
    { address: '2001:db8::99', family: 6 },
  ]);
  assert.deepEqual([...(await setElements(ns, 'blocked_v4')).keys()], ['192.0.2.2']);
  assert.equal((await setElements(ns, 'blocked_v6')).size, 0);
  await backend.release([{ address: '192.0.2.99', family: 4 }]);
  await backend.release([]);
});

test('list reports every blocked address with its family and the seconds left, 0 for permanent', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns);
  assert.deepEqual(await backend.list(), [], 'before init there is no table and nothing blocked');
  await backend.init();
  assert.deepEqual(await backend.list(), []);
  await backend.block([
    { address: '192.0.2.10', family: 4, seconds: 3600 },
    { address: '192.0.2.11', family: 4, seconds: 0 },
    { address: '2001:db8::10', family: 6, seconds: 120 },
  ]);
  await backend.allow(networks('10.0.0.0/8'));
  const listed = (await backend.list()).sort((left, right) => left.address.localeCompare(right.address));
  assert.deepEqual(listed.map(({ address, family }) => ({ address, family })), [
    { address: '192.0.2.10', family: 4 },
    { address: '192.0.2.11', family: 4 },
    { address: '2001:db8::10', family: 6 },
  ]);
  assert.ok(listed[0]!.seconds > 3590 && listed[0]!.seconds <= 3600, `seconds ${listed[0]!.seconds}`);
  assert.equal(listed[1]!.seconds, 0);
  assert.ok(listed[2]!.seconds > 110 && listed[2]!.seconds <= 120, `seconds ${listed[2]!.seconds}`);
});

test('allow replaces the accept sets, merging overlapping networks, and can empty them', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns);
  await backend.init();
  await backend.allow(networks('10.0.0.0/8', '10.1.0.0/16', '10.1.2.3', '192.168.1.0/24', '192.168.0.0/24', '2001:db8::/32', '2001:db8:1::/48', 'fd00::1'));
  assert.deepEqual([...(await setElements(ns, 'allow_v4')).keys()].sort(), ['10.0.0.0/8', '192.168.0.0/24', '192.168.1.0/24']);
  assert.deepEqual([...(await setElements(ns, 'allow_v6')).keys()].sort(), ['2001:db8::/32', 'fd00::1']);

  await backend.allow(networks('172.16.0.0/12', '10.0.0.0/8'));
  assert.deepEqual([...(await setElements(ns, 'allow_v4')).keys()].sort(), ['10.0.0.0/8', '172.16.0.0/12']);
  assert.equal((await setElements(ns, 'allow_v6')).size, 0);

  await backend.allow(networks('0.0.0.0/0', '192.0.2.0/24', '::/0'));
  assert.deepEqual([...(await setElements(ns, 'allow_v4')).keys()], ['0.0.0.0/0']);
  assert.deepEqual([...(await setElements(ns, 'allow_v6')).keys()], ['::/0']);

  await backend.allow([]);
  assert.equal((await setElements(ns, 'allow_v4')).size + (await setElements(ns, 'allow_v6')).size, 0);
});

test('flush empties our blocked sets and nothing else; a foreign table survives everything the backend does', async (t) => {
  const ns = await namespace(t);
  await ns.check(['nft', '-f', '-'], {
    input: [
      'add table inet filter',
      'add set inet filter keep { type ipv4_addr; flags timeout; }',
      'add element inet filter keep { 192.0.2.1 timeout 1h, 192.0.2.2 }',
      'add chain inet filter input { type filter hook input priority 0; policy accept; }',
      'add rule inet filter input tcp dport 22 accept',
      'add rule inet filter input ip saddr @keep drop',
      'add table ip croissant2ban',
      'add chain ip croissant2ban input',
      '',
    ].join('\n'),
  });
  const foreign = async () => {
    const items = await tableItems(ns, 'filter');
    // Expiry counts down; what must not change is everything else.
    return JSON.stringify(items).replace(/"expires": ?\d+/g, '');
  };
  const before = await foreign();
  const sameNameOtherFamily = await ns.check(['nft', 'list', 'table', 'ip', 'croissant2ban']);

  const backend = backendIn(t, ns);
  await backend.flush();
  await backend.init();
  await backend.allow(networks('10.0.0.0/8'));
  await backend.block([
    { address: '192.0.2.1', family: 4, seconds: 60 },
    { address: '2001:db8::1', family: 6, seconds: 0 },
  ]);
  await backend.release([{ address: '192.0.2.2', family: 4 }]);
  await backend.flush();
  assert.equal((await setElements(ns, 'blocked_v4')).size, 0);
  assert.equal((await setElements(ns, 'blocked_v6')).size, 0);
  assert.deepEqual([...(await setElements(ns, 'allow_v4')).keys()], ['10.0.0.0/8'], 'flush leaves the whitelist');
  assert.equal((await tableItems(ns)).filter((item) => 'rule' in item).length, 8, 'flush keeps the table and its rules');
  await backend.init();
  await backend.close();

  assert.equal(await foreign(), before);
  assert.equal(await ns.check(['nft', 'list', 'table', 'ip', 'croissant2ban']), sameNameOtherFamily);
});

test('with forward off there is no forward chain, and turning it off removes the one made before', async (t) => {
  const ns = await namespace(t);
  const withoutForward = { ...NAMES, forward: false };
  await backendIn(t, ns, { names: withoutForward }).init();
  let chains = (await tableItems(ns)).filter((item) => 'chain' in item).map((item) => item['chain']!['name']);
  assert.deepEqual(chains, ['input']);

  await backendIn(t, ns).init();
  chains = (await tableItems(ns)).filter((item) => 'chain' in item).map((item) => item['chain']!['name']);
  assert.deepEqual(chains.sort(), ['forward', 'input']);

  await backendIn(t, ns, { names: withoutForward }).init();
  chains = (await tableItems(ns)).filter((item) => 'chain' in item).map((item) => item['chain']!['name']);
  assert.deepEqual(chains, ['input']);
});

test('custom names from [nftables] are the ones created and used', async (t) => {
  const ns = await namespace(t);
  const names: Config['nftables'] = {
    tableName: 'guard', chainName: 'in_chain', forwardChainName: 'fwd_chain', setV4: 'bad4', setV6: 'bad6',
    allowSetV4: 'good4', allowSetV6: 'good6', priority: 5, forward: true,
  };
  const backend = backendIn(t, ns, { names });
  await backend.init();
  await backend.block([{ address: '192.0.2.5', family: 4, seconds: 60 }]);
  const items = await tableItems(ns, 'guard');
  assert.deepEqual(items.filter((item) => 'set' in item).map((item) => item['set']!['name']).sort(), ['bad4', 'bad6', 'good4', 'good6']);
  assert.deepEqual(items.filter((item) => 'chain' in item).map((item) => [item['chain']!['name'], item['chain']!['prio']]).sort(), [['fwd_chain', 5], ['in_chain', 5]]);
  assert.deepEqual((await backend.list()).map((entry) => entry.address), ['192.0.2.5']);
  assert.throws(() => createNftablesBackend({ names: { ...names, setV6: 'bad4' } }), /set names must differ/);
  assert.throws(() => createNftablesBackend({ names: { ...names, tableName: 'x; flush ruleset' } }), /not a valid nft name/);
});

test('an nft failure rejects with a FirewallError naming the command and carrying nft\'s message; the backend works afterwards', async (t) => {
  const ns = await namespace(t);
  const reported: FirewallError[] = [];
  const backend = backendIn(t, ns, { onError: (error) => reported.push(error) });

  // A real nft error through the persistent channel: no table yet.
  const early = await backend.block([{ address: '192.0.2.1', family: 4, seconds: 60 }]).then(() => null, (error: unknown) => error);
  assert.ok(early instanceof FirewallError, `got ${String(early)}`);
  assert.match(early.command, /nft .*add element inet croissant2ban blocked_v4 \{ 192\.0\.2\.1 \}/);
  assert.match(early.output, /No such file or directory/);
  assert.match(early.message, /No such file or directory/);

  await backend.init();
  await backend.block([{ address: '192.0.2.1', family: 4, seconds: 60 }]);
  assert.deepEqual((await backend.list()).map((entry) => entry.address), ['192.0.2.1']);

  // One nft process per batch: its exit status travels too.
  const oneShot = backendIn(t, ns, { persistent: false });
  await oneShot.init();
  await ns.check(['nft', 'delete', 'table', 'inet', 'croissant2ban']);
  const failed = await oneShot.release([{ address: '192.0.2.1', family: 4 }]).then(() => null, (error: unknown) => error);
  assert.ok(failed instanceof FirewallError);
  assert.equal(failed.code, 1);
  assert.match(failed.command, /nft -f - < add element inet croissant2ban blocked_v4 \{ 192\.0\.2\.1 \}; delete element/);
  assert.match(failed.output, /No such file or directory/);
  await oneShot.init();
  await oneShot.block([{ address: '192.0.2.3', family: 4, seconds: 0 }]);
  assert.deepEqual((await oneShot.list()).map((entry) => entry.address), ['192.0.2.3']);
  assert.deepEqual(reported, [], 'nft refusing a command is the caller\'s error to handle, not a channel problem');
});

test('a failing or missing nft binary is reported with its message, and a later call works once nft is back', async (t) => {
  const ns = await namespace(t);
  // Stands in for nft: fails with a message while the flag file exists, else runs the real one.
  const flag = join(tmpdir(), `c2b-nft-broken-${process.pid}-${Date.now()}`);
  writeFileSync(flag, '');
  t.after(() => rmSync(flag, { force: true }));
  const flaky = ['sh', '-c', 'if [ -e "$0" ]; then echo "Error: simulated failure of nft" >&2; exit 3; fi; exec "$@"', flag, ...ns.nft];
  const reported: FirewallError[] = [];
  const backend = backendIn(t, ns, { nft: flaky, onError: (error) => reported.push(error) });

  const failure = await backend.init().then(() => null, (error: unknown) => error);
  assert.ok(failure instanceof FirewallError, `got ${String(failure)}`);
  assert.match(failure.command, /^sh -c .* -f - < add table inet croissant2ban; add set/);
  assert.equal(failure.output.trim(), 'Error: simulated failure of nft');
  assert.equal(failure.code, 3);
  const blockFailure = await backend.block([{ address: '192.0.2.1', family: 4, seconds: 60 }]).then(() => null, (error: unknown) => error);
  assert.ok(blockFailure instanceof FirewallError);
  assert.match(blockFailure.output, /simulated failure of nft/);
  assert.ok(reported.length >= 1, 'the dead channel was reported');
  assert.match(reported[0]!.message, /-i.*(?:exited|failed: write EPIPE).*one nft process per batch/);

  rmSync(flag);
  await backend.init();
  await backend.block([{ address: '192.0.2.1', family: 4, seconds: 60 }]);
  assert.deepEqual((await backend.list()).map((entry) => entry.address), ['192.0.2.1']);

  const missing = backendIn(t, ns, { nft: ['/nonexistent/nft'], onError: () => {} });
  const notFound = await missing.init().then(() => null, (error: unknown) => error);
  assert.ok(notFound instanceof FirewallError);
  assert.equal(notFound.code, 'ENOENT');
  assert.match(notFound.message, /\/nonexistent\/nft -f - < add table.*cannot run \/nonexistent\/nft/s);
});

test('when the persistent nft dies, the ban in flight is applied by a one-off nft and the channel comes back later', async (t) => {
  const ns = await namespace(t);
  const reported: FirewallError[] = [];
  const backend = backendIn(t, ns, { onError: (error) => reported.push(error) });
  await backend.init();
  await backend.block([{ address: '192.0.2.1', family: 4, seconds: 60 }]);
  const channels = childNftProcesses().filter((child) => child.command === 'nft -i');
  assert.equal(channels.length, 1, `one persistent nft, found ${JSON.stringify(childNftProcesses())}`);
  process.kill(channels[0]!.pid, 'SIGKILL');
  await waitFor(() => childNftProcesses().length === 0, { what: 'the killed nft to be gone' });

  await backend.block([{ address: '192.0.2.2', family: 4, seconds: 60 }]);
  assert.deepEqual((await backend.list()).map((entry) => entry.address).sort(), ['192.0.2.1', '192.0.2.2']);
  assert.equal(reported.length, 1);
  assert.match(reported[0]!.message, /nft -i.*(?:exited|failed: write EPIPE).*one nft process per batch/);

  // After the back-off (1 s) the next ban starts a new channel.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await backend.block([{ address: '192.0.2.3', family: 4, seconds: 60 }]);
  assert.equal(childNftProcesses().filter((child) => child.command === 'nft -i').length, 1);
  assert.equal((await backend.list()).length, 3);
  await backend.close();
  assert.deepEqual(childNftProcesses(), [], 'close() leaves no nft running');
});

test('thousands of single bans in a row all land, as the channel is renewed along the way', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns, { onError: (error) => assert.fail(`unexpected report: ${error.message}`) });
  await backend.init();
  const pids = new Set<number>();
  const pending: Promise<void>[] = [];
  for (let index = 0; index < 1200; index++) {
    // Issued without waiting, as a burst of detections would: they run in order, one transaction each.
    const done = backend.block([{ address: `10.${index >> 8}.${index & 255}.1`, family: 4, seconds: 600 }]);
    pending.push(index % 100 === 0 ? done.then(() => childNftProcesses().forEach((child) => pids.add(child.pid))) : done);
  }
  await Promise.all(pending);
  for (const child of childNftProcesses()) pids.add(child.pid);
  assert.equal((await setElements(ns, 'blocked_v4')).size, 1200);
  assert.ok(pids.size >= 3, `the channel was renewed (saw ${pids.size} nft processes)`);
});

test('a batch larger than one transaction is applied whole, re-applied with new timeouts, and released whole', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns);
  await backend.init();
  const requests = Array.from({ length: 2500 }, (_, index) =>
    index % 2 === 0
      ? { address: `10.1.${index >> 8}.${index & 255}`, family: 4 as const, seconds: 3600 }
      : { address: `2001:db8::${index.toString(16)}`, family: 6 as const, seconds: 0 },
  );
  await backend.block(requests);
  assert.equal((await backend.list()).length, 2500);
  // Again, now that they are all there, with a new timeout: every one of them takes it.
  await backend.block(requests.map((request) => ({ ...request, seconds: 60 })));
  const listed = await backend.list();
  assert.equal(listed.length, 2500);
  assert.ok(listed.every((entry) => entry.seconds > 0 && entry.seconds <= 60), 'all re-blocked with 60 s');
  await backend.release(requests);
  assert.equal((await backend.list()).length, 0);
});

test('a release issued right after a block, without waiting, wins', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns);
  await backend.init();
  const blocked = backend.block([{ address: '192.0.2.1', family: 4, seconds: 60 }]);
  const released = backend.release([{ address: '192.0.2.1', family: 4 }]);
  await Promise.all([blocked, released]);
  assert.deepEqual(await backend.list(), []);
});

test('malformed input is refused before it reaches nft', async (t) => {
  const ns = await namespace(t);
  const backend = backendIn(t, ns);
  await backend.init();
  await assert.rejects(backend.block([{ address: '1.2.3.4 }; flush ruleset; add element inet x y { 5.6.7.8', family: 4, seconds: 1 }]), TypeError);
  await assert.rejects(backend.block([{ address: '192.0.2.1', family: 4, seconds: -1 }]), TypeError);
  await assert.rejects(backend.release([{ address: 'example.org', family: 4 }]), TypeError);
  assert.deepEqual(await backend.list(), []);
});

test('two hosts: the peer connects, cannot once blocked (IPv4 and IPv6), and can again once released or expired', async (t) => {
  const hosts = await createTwoHosts();
  t.after(() => hosts.dispose());
  const backend = createNftablesBackend({ names: NAMES, nft: hosts.host.nft });
  t.after(() => backend.close());
  await backend.init();
  const listener = await hosts.listen();
  t.after(() => listener.close());

  for (const [to, from, family] of [[hosts.hostAddress.v4, hosts.peerAddress.v4, 4], [hosts.hostAddress.v6, hosts.peerAddress.v6, 6]] as const) {
    assert.deepEqual(await hosts.connect(to, listener.port), { connected: true, outcome: 'connected' }, `IPv${family} before the ban`);
    await backend.block([{ address: from, family, seconds: 3600 }]);
    assert.deepEqual(await hosts.connect(to, listener.port), { connected: false, outcome: 'timeout' }, `IPv${family} while banned`);
    await backend.release([{ address: from, family }]);
    assert.deepEqual(await hosts.connect(to, listener.port), { connected: true, outcome: 'connected' }, `IPv${family} after the release`);
  }

  await backend.block([{ address: hosts.peerAddress.v4, family: 4, seconds: 2 }]);
  assert.equal((await hosts.connect(hosts.hostAddress.v4, listener.port, { timeoutMs: 500 })).connected, false);
  const started = Date.now();
  for (;;) {
    const outcome = await hosts.connect(hosts.hostAddress.v4, listener.port, { timeoutMs: 500 });
    if (outcome.connected) break;
    assert.ok(Date.now() - started < 5000, 'the ban of 2 s expired within 5 s');
  }
});

test('two hosts: a whitelisted peer is never dropped, even when added by hand to the blocked set', async (t) => {
  const hosts = await createTwoHosts();
  t.after(() => hosts.dispose());
  const backend = createNftablesBackend({ names: NAMES, nft: hosts.host.nft });
  t.after(() => backend.close());
  await backend.init();
  await backend.allow(networks('10.200.0.0/24', 'fd00:c2b::2/128'));
  const listener = await hosts.listen();
  t.after(() => listener.close());

  await hosts.host.check(['nft', 'add', 'element', 'inet', 'croissant2ban', 'blocked_v4', '{ 10.200.0.2 }']);
  await backend.block([{ address: hosts.peerAddress.v6, family: 6, seconds: 0 }]);
  assert.equal((await backend.list()).length, 2, 'the peer is in both blocked sets');
  assert.equal((await hosts.connect(hosts.hostAddress.v4, listener.port)).connected, true);
  assert.equal((await hosts.connect(hosts.hostAddress.v6, listener.port)).connected, true);

  // Off the whitelist, the same elements drop it: the accept came from the whitelist, not a broken rule.
  await backend.allow([]);
  assert.equal((await hosts.connect(hosts.hostAddress.v4, listener.port)).connected, false);
  assert.equal((await hosts.connect(hosts.hostAddress.v6, listener.port)).connected, false);
});
