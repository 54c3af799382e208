// c2b init, and c2b flush when the helper is not running: firewall operations an admin runs as root without the helper's API.
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from '../../config/defaults.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/types.js';
import { configuredWhitelist } from '../../core/gate.js';
import { FirewallError } from '../../firewall/backend.js';
import { createFirewall } from '../../firewall/index.js';
import { Store } from '../../store/store.js';
import { ExitCode, type CliIo, type Command } from '../io.js';

function options(argv: readonly string[], extra: Record<string, { type: 'boolean'; default: boolean }> = {}) {
  return parseArgs({
    args: [...argv],
    options: { config: { type: 'string', short: 'c', default: DEFAULT_CONFIG_PATH }, ...extra },
  }).values as { config: string; yes?: boolean };
}

/** Both commands change the firewall: say so plainly to anyone else. */
function requireRoot(io: CliIo, command: string): boolean {
  if (process.getuid?.() === 0) return true;
  io.stderr.write(`c2b ${command}: changes the firewall, so it must run as root (sudo c2b ${command})\n`);
  return false;
}

function firewallFor(config: Config, io: CliIo) {
  return createFirewall(config, { dryRun: false, say: (message) => io.stdout.write(`${message}\n`) });
}

function reportFirewallError(io: CliIo, command: string, error: unknown): number {
  if (error instanceof FirewallError) {
    io.stderr.write(`c2b ${command}: the firewall refused: ${error.message}\n`);
    return ExitCode.failure;
  }
  throw error;
}

export const init: Command = async (argv, io) => {
  const values = options(argv);
  if (!requireRoot(io, 'init')) return ExitCode.notAuthorized;
  const config = loadConfig(values.config);
  const firewall = firewallFor(config, io);
  try {
    await firewall.init();
    await firewall.allow(configuredWhitelist(config, (message) => io.stderr.write(`warning: ${message}\n`)).map((entry) => entry.network));
  } catch (error) {
    return reportFirewallError(io, 'init', error);
  } finally {
    await firewall.close();
  }
  const names = config.nftables;
  if (firewall.name === 'nftables') {
    io.stdout.write(
      `nftables table inet ${names.tableName} is ready: sets ${names.setV4}, ${names.setV6} (bans), ${names.allowSetV4}, ${names.allowSetV6} (whitelist); ` +
        `chains ${names.chainName}${names.forward ? ` and ${names.forwardChainName}` : ''} at priority ${names.priority}.\n` +
        `Undo with: nft delete table inet ${names.tableName}\n`,
    );
  } else {
    io.stdout.write(`firewall backend ${firewall.name} is ready\n`);
  }
  return ExitCode.ok;
};

/** c2b flush when the helper is not running: the firewall and the database, directly (root). */
export const flushOffline: Command = async (argv, io) => {
  const values = options(argv, { yes: { type: 'boolean', default: false } });
  if (!values.yes) {
    io.stderr.write('c2b flush: removes every ban from the firewall and the database; say --yes to do it\n');
    return ExitCode.usage;
  }
  if (!requireRoot(io, 'flush')) return ExitCode.notAuthorized;
  const config = loadConfig(values.config);
  const firewall = firewallFor(config, io);
  try {
    await firewall.flush();
  } catch (error) {
    return reportFirewallError(io, 'flush', error);
  } finally {
    await firewall.close();
  }
  const store = new Store(config.general.dbPath);
  try {
    const now = Date.now();
    const count = store.endAllBans('flushed', now);
    store.logActivity({ time: now, actorUid: process.getuid?.() ?? null, action: 'flush', target: null, detail: `${count} bans ended` });
    io.stdout.write(`flushed: ${count} active bans ended, the firewall's ban sets are empty\n`);
  } finally {
    store.close();
  }
  return ExitCode.ok;
};
