// Real nftables without root and without touching the host: user+network namespaces, alone or as two hosts on a veth pair.
//
// A namespace lives as long as its holder process: `unshare --user --map-root-user --net` running a
// shell that waits on its stdin. Commands enter it with nsenter. The holder's stdin is a pipe from
// this process, so if a test run dies the holder reads end of file, exits, and the namespace goes.
// Creating one that is refused (user namespaces disabled, a seccomp profile) throws with the reason:
// tests that need it then fail, loudly, instead of skipping.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readlinkSync } from 'node:fs';

export interface CommandResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NetworkNamespace {
  /** The holder process; its /proc entry names the namespaces. */
  readonly pid: number;
  /** Prefix that runs a command inside: `[...enter, 'ip', 'addr']`. */
  readonly enter: readonly string[];
  /** Prefix that runs nft inside (for createNftablesBackend's `nft` option). */
  readonly nft: readonly string[];
  /** Runs a command inside and collects its output; bounded by timeoutMs (default 10 s). */
  run(command: readonly string[], options?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** Runs a command inside and throws, with its stderr, unless it exits 0. Returns stdout. */
  check(command: readonly string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** Starts a long-running process inside (a daemon, `nft monitor`); it is killed on dispose. */
  spawn(command: readonly string[], options?: SpawnOptions): ChildProcess;
  dispose(): Promise<void>;
}

const UNSHARE = ['unshare', '--user', '--map-root-user', '--net'];
/** Holder: says it is in place, then waits for end of file on stdin (our pipe) or a signal. */
const HOLDER = ['sh', '-c', 'echo ready; read -r _ || true'];

/** A command line that runs `command` in a fresh user+network namespace of its own (gone when it exits). */
export function inFreshNamespace(command: readonly string[]): string[] {
  return [...UNSHARE, '--', ...command];
}

/** Runs a command (argument array, no shell) and collects its output, killing it after timeoutMs. */
export function runCommand(
  command: readonly string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}), ...(options.cwd ? { cwd: options.cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {});
    const timeoutMs = options.timeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n(killed after ${timeoutMs} ms)`;
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command.join(' ')}: ${error.message}`));
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

function namespaceId(pid: number | 'self', kind: 'net' | 'user'): string {
  return readlinkSync(`/proc/${pid}/ns/${kind}`);
}

/** Starts a holder and waits until it sits in namespaces other than ours (never the host's). */
async function startHolder(command: readonly string[], what: string): Promise<{ process: ChildProcess; pid: number }> {
  const holder = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  holder.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const failure = (reason: string) =>
    new Error(
      `cannot create ${what} with \`${command.join(' ')}\`: ${reason}. ` +
        'These tests need unprivileged user namespaces (kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0, ' +
        'no AppArmor restrict_unprivileged_userns, a container runtime that allows unshare); they never fall back to the host firewall.',
    );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      holder.kill('SIGKILL');
      reject(failure(`no answer within 10 s${stderr ? `: ${stderr.trim()}` : ''}`));
    }, 10_000);
    let output = '';
    holder.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    holder.on('error', (error) => {
      clearTimeout(timer);
      reject(failure(error.message));
    });
    holder.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(failure(`exited (${code ?? signal})${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
  const pid = holder.pid!;
  // unshare execs the holder in place, so this pid is the one inside the namespaces. Checked anyway:
  // entering a pid that still sat in our namespaces would point nft at the host firewall.
  if (namespaceId(pid, 'net') === namespaceId('self', 'net')) {
    holder.kill('SIGKILL');
    throw new Error(`${what}: process ${pid} is still in this process's network namespace; refusing to use it`);
  }
  return { process: holder, pid };
}

function namespaceAround(holder: { process: ChildProcess; pid: number }, children: Set<ChildProcess>): NetworkNamespace {
  // --preserve-credentials: an unprivileged owner cannot setgroups() inside (map-root-user denies it),
  // and needs not: its uid already maps to root there.
  const enter = ['nsenter', `--target=${holder.pid}`, '--user', '--net', '--preserve-credentials', '--'];
  const namespace: NetworkNamespace = {
    pid: holder.pid,
    enter,
    nft: [...enter, 'nft'],
    run: (command, options) => runCommand([...enter, ...command], options),
    async check(command, options) {
      const result = await runCommand([...enter, ...command], options);
      if (result.status !== 0) throw new Error(`${command.join(' ')} failed in namespace ${holder.pid} (${result.status ?? result.signal}): ${result.stderr.trim()}`);
      return result.stdout;
    },
    spawn(command, options = {}) {
      const child = spawn(enter[0]!, [...enter.slice(1), ...command], options);
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    async dispose() {
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
      children.clear();
      if (holder.process.exitCode === null && holder.process.signalCode === null) {
        const exited = new Promise<void>((resolve) => holder.process.once('exit', () => resolve()));
        holder.process.kill('SIGKILL');
        await exited;
      }
    },
  };
  return namespace;
}

/** A fresh user+network namespace (only a loopback, down) where nft works as root. */
export async function createNetworkNamespace(): Promise<NetworkNamespace> {
  const holder = await startHolder([...UNSHARE, '--', ...HOLDER], 'a user+network namespace');
  return namespaceAround(holder, new Set());
}

export interface HostAddresses {
  readonly v4: string;
  readonly v6: string;
}

export interface ConnectOutcome {
  readonly connected: boolean;
  /** "connected", "timeout" (dropped), or the socket error code (e.g. ECONNREFUSED). */
  readonly outcome: string;
}

export interface TwoHosts {
  /** The protected machine: 10.200.0.1 and fd00:c2b::1 on its end of the veth pair. */
  readonly host: NetworkNamespace;
  /** The other machine (the attacker, or a whitelisted neighbour): 10.200.0.2 and fd00:c2b::2. */
  readonly peer: NetworkNamespace;
  readonly hostAddress: HostAddresses;
  readonly peerAddress: HostAddresses;
  /** Starts a TCP server in the host namespace (both families) that accepts and closes; resolves with its port. */
  listen(): Promise<{ port: number; close: () => Promise<void> }>;
  /** From the peer, a TCP connect to the host's address with a timeout (default 1 s). */
  connect(to: string, port: number, options?: { timeoutMs?: number }): Promise<ConnectOutcome>;
  dispose(): Promise<void>;
}

const LISTENER = `
const server = require('node:net').createServer((socket) => socket.end());
server.listen({ host: '::', port: 0, ipv6Only: false }, () => console.log(JSON.stringify({ port: server.address().port })));
process.stdin.on('end', () => process.exit(0)).resume();
`;

const CONNECTOR = `
const [host, port, timeout] = process.argv.slice(1);
const socket = require('node:net').connect({ host, port: Number(port) });
socket.setTimeout(Number(timeout), () => { console.log('timeout'); process.exit(0); });
socket.on('connect', () => { console.log('connected'); socket.destroy(); process.exit(0); });
socket.on('error', (error) => { console.log(error.code || error.message); process.exit(0); });
`;

/**
 * Two network namespaces joined by a veth pair, both under one user namespace (so the link can
 * move between them). Traffic stays on that pair: connect() refuses any address but the host's.
 */
export async function createTwoHosts(): Promise<TwoHosts> {
  const hostHolder = await startHolder([...UNSHARE, '--', ...HOLDER], 'the host namespace');
  const host = namespaceAround(hostHolder, new Set());
  let peer: NetworkNamespace | null = null;
  try {
    const peerHolder = await startHolder(
      ['nsenter', `--target=${hostHolder.pid}`, '--user', '--preserve-credentials', '--', 'unshare', '--net', '--', ...HOLDER],
      'the peer namespace',
    );
    peer = namespaceAround(peerHolder, new Set());
    const hostAddress = { v4: '10.200.0.1', v6: 'fd00:c2b::1' };
    const peerAddress = { v4: '10.200.0.2', v6: 'fd00:c2b::2' };
    await host.check(['ip', 'link', 'add', 'c2b-host', 'type', 'veth', 'peer', 'name', 'c2b-peer', 'netns', String(peerHolder.pid)]);
    // nodad: without it the IPv6 addresses stay "tentative" for a second or two and connects fail.
    const configure = (side: string, address: HostAddresses) =>
      [
        'link set lo up',
        `addr add ${address.v4}/24 dev ${side}`,
        `addr add ${address.v6}/64 dev ${side} nodad`,
        `link set ${side} up`,
      ].join('\n') + '\n';
    await host.check(['ip', '-batch', '-'], { input: configure('c2b-host', hostAddress) });
    await peer.check(['ip', '-batch', '-'], { input: configure('c2b-peer', peerAddress) });
    const peerNamespace = peer;

    return {
      host,
      peer: peerNamespace,
      hostAddress,
      peerAddress,
      async listen() {
        const child = host.spawn([process.execPath, '-e', LISTENER], { stdio: ['pipe', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const port = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`the listener did not start within 10 s: ${stderr}`)), 10_000);
          let output = '';
          child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
            output += chunk;
            const line = output.split('\n').find((text) => text.startsWith('{'));
            if (line !== undefined && output.includes('\n')) {
              clearTimeout(timer);
              resolve((JSON.parse(line) as { port: number }).port);
            }
          });
          child.on('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`the listener exited (${code}): ${stderr}`));
          });
        });
        return {
          port,
          close: () =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        };
      },
      async connect(to, port, options = {}) {
        if (to !== hostAddress.v4 && to !== hostAddress.v6) throw new Error(`connect() only reaches the host namespace (${hostAddress.v4}, ${hostAddress.v6}), not ${to}`);
        const timeoutMs = options.timeoutMs ?? 1000;
        const result = await peerNamespace.run([process.execPath, '-e', CONNECTOR, to, String(port), String(timeoutMs)], { timeoutMs: timeoutMs + 10_000 });
        const outcome = result.stdout.trim();
        if (result.status !== 0 || outcome === '') throw new Error(`the connect attempt failed to run (${result.status ?? result.signal}): ${result.stderr.trim()}`);
        return { connected: outcome === 'connected', outcome };
      },
      async dispose() {
        await peerNamespace.dispose();
        await host.dispose();
      },
    };
  } catch (error) {
    await peer?.dispose();
    await host.dispose();
    throw error;
  }
}
