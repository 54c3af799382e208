// The iptables backend, for hosts without nftables: one ipset per family with per-element timeouts,
// and one chain of our own per family that the INPUT (and FORWARD) chains jump to. A ban is an ipset
// element, so banning stays O(1) however many addresses are banned.
import { spawn } from 'node:child_process';
import type { Config } from '../config/types.js';
import type { Network } from '../core/address.js';
import { FirewallError, type BlockedEntry, type BlockRequest, type FirewallBackend } from './backend.js';

export interface IptablesOptions {
  /** Set and chain names come from [nftables] (table_name names the chain), so one config serves both backends. */
  readonly names: Config['nftables'];
  /** Command prefixes (tests run them inside a namespace). */
  readonly ipset?: readonly string[];
  readonly iptables?: readonly string[];
  readonly ip6tables?: readonly string[];
}

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one command with an argument array (never a shell), optionally feeding stdin. */
function run(command: readonly string[], input?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', (error) => resolve({ status: null, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

async function check(command: readonly string[], input?: string): Promise<string> {
  const result = await run(command, input);
  if (result.status !== 0) {
    const shown = input === undefined ? command.join(' ') : `${command.join(' ')} <<< ${input.split('\n', 3).join('; ')}`;
    throw new FirewallError(shown, result.stderr || result.stdout, result.status);
  }
  return result.stdout;
}

export function createIptablesBackend(options: IptablesOptions): FirewallBackend {
  const names = options.names;
  const ipset = options.ipset ?? ['ipset'];
  const families = [
    { family: 4 as const, tool: options.iptables ?? ['iptables'], blocked: names.setV4, allowed: names.allowSetV4, inet: 'inet' },
    { family: 6 as const, tool: options.ip6tables ?? ['ip6tables'], blocked: names.setV6, allowed: names.allowSetV6, inet: 'inet6' },
  ];
  const chain = names.tableName;
  const hooks = names.forward ? ['INPUT', 'FORWARD'] : ['INPUT'];
  const setOf = (family: 4 | 6) => (family === 4 ? names.setV4 : names.setV6);

  return {
    name: 'iptables',
    async init() {
      const sets = families.flatMap(({ blocked, allowed, inet }) => [
        `create ${blocked} hash:ip family ${inet} timeout 0`,
        `create ${allowed} hash:net family ${inet}`,
      ]);
      await check([...ipset, 'restore', '-exist'], `${sets.join('\n')}\n`);
      for (const { tool, blocked, allowed } of families) {
        // Our chain is rebuilt whole; the jumps into it are added once.
        const created = await run([...tool, '-w', '-N', chain]);
        if (created.status !== 0 && !/exists/i.test(created.stderr)) throw new FirewallError(`${tool.join(' ')} -N ${chain}`, created.stderr, created.status);
        await check([...tool, '-w', '-F', chain]);
        await check([...tool, '-w', '-A', chain, '-m', 'set', '--match-set', allowed, 'src', '-j', 'RETURN']);
        await check([...tool, '-w', '-A', chain, '-m', 'set', '--match-set', blocked, 'src', '-j', 'DROP']);
        for (const hook of hooks) {
          const present = await run([...tool, '-w', '-C', hook, '-j', chain]);
          if (present.status !== 0) await check([...tool, '-w', '-I', hook, '1', '-j', chain]);
        }
      }
    },
    async block(requests: readonly BlockRequest[]) {
      if (requests.length === 0) return;
      // -exist turns "add" of a present element into an update of its timeout; 0 means no timeout.
      const lines = requests.map((request) => `add ${setOf(request.family)} ${request.address} timeout ${request.seconds}`);
      await check([...ipset, 'restore', '-exist'], `${lines.join('\n')}\n`);
    },
    async release(addresses) {
      if (addresses.length === 0) return;
      // -exist: an address that is not there is not an error, and does not fail the others.
      const lines = addresses.map(({ address, family }) => `del ${setOf(family)} ${address}`);
      await check([...ipset, 'restore', '-exist'], `${lines.join('\n')}\n`);
    },
    async list(): Promise<BlockedEntry[]> {
      const entries: BlockedEntry[] = [];
      for (const { family, blocked } of families) {
        const saved = await check([...ipset, 'save', blocked]);
        for (const line of saved.split('\n')) {
          const match = /^add \S+ (\S+)(?: timeout (\d+))?/.exec(line);
          if (match) entries.push({ address: match[1]!, family, seconds: Number(match[2] ?? 0) });
        }
      }
      return entries;
    },
    async allow(networks: readonly Network[]) {
      const lines = families.flatMap(({ family, allowed }) => [
        `flush ${allowed}`,
        ...networks.filter((network) => network.family === family).map((network) => `add ${allowed} ${network.text}`),
      ]);
      await check([...ipset, 'restore', '-exist'], `${lines.join('\n')}\n`);
    },
    async flush() {
      for (const { blocked } of families) await check([...ipset, 'flush', blocked]);
    },
    async close() {},
  };
}
