// What an admin can ask the running helper to do (ban, extend, unban, whitelist, flush), without any bus:
// the D-Bus adapter and tests call these; each validates its input, changes the database and the
// firewall together, and writes the activity log with the caller's uid.
import type { ErrorKind } from '../protocol/index.js';
import { networkContains, parseAddress, parseNetwork, type Network } from '../core/address.js';
import type { FirewallBackend } from '../firewall/backend.js';
import type { BanRecord, Store } from '../store/store.js';
import type { Logger } from './log.js';
import type { PipelineObserver } from './pipeline.js';

/** A refusal the caller should see by name (InvalidAddress, Whitelisted, NotFound, Failed). */
export class OperationError extends Error {
  override readonly name = 'OperationError';

  constructor(readonly kind: ErrorKind, message: string) {
    super(message);
  }
}

/** The parts of the running pipeline the operations act on. */
export interface OperationContext {
  readonly store: Store;
  readonly firewall: FirewallBackend;
  readonly logger: Logger;
  readonly now: () => number;
  /** Why an address is never banned (loopback, own address, whitelist), or null. */
  readonly gateCheck: (address: string) => string | null;
  /** Whether database whitelist entries count ([[whitelist.sources]] type = "database"). */
  readonly databaseWhitelist: boolean;
  /** Re-reads the database whitelist into the gate and the firewall's accept sets. */
  readonly refreshWhitelist: () => Promise<void>;
  /** The in-memory mirror of active bans: address -> end (epoch ms, Infinity = permanent). */
  readonly bannedUntil: Map<string, number>;
  /** Forgets the failures counted for an address. */
  readonly forgetFailures: (address: string) => void;
  /** Starts the firewall repair loop after a failed change. */
  readonly repair: () => void;
  /** Told of every ban added or lifted here. */
  readonly observer: PipelineObserver;
}

export interface ManualBan {
  readonly address: string;
  /** Seconds; 0 = permanent. */
  readonly seconds: number;
  readonly reason: string;
  /** uid of the caller; null for the helper itself. */
  readonly actorUid: number | null;
}

export interface BanExtension {
  readonly address: string;
  /** Seconds from now; 0 = permanent. */
  readonly seconds: number;
  /** uid of the caller; null for the helper itself. */
  readonly actorUid: number | null;
}

export interface Operations {
  ban(request: ManualBan): Promise<BanRecord>;
  /** Makes the running ban of an address end `seconds` from now, keeping the rest of its record. Returns the updated record. */
  extend(request: BanExtension): Promise<BanRecord>;
  unban(address: string, actorUid: number | null): Promise<void>;
  /** Adds an address or network; active bans inside it are lifted. Returns the canonical network and the addresses unbanned. */
  whitelistAdd(network: string, comment: string, actorUid: number | null): Promise<{ network: string; unbanned: string[] }>;
  whitelistRemove(network: string, actorUid: number | null): Promise<void>;
  /** Ends every ban; returns how many. */
  flush(actorUid: number | null): Promise<number>;
}

/** Longest manual ban: ten years, as the configuration allows. */
const LONGEST_BAN_SECONDS = 10 * 365 * 86_400;
const MAX_REASON_LENGTH = 500;
const MAX_COMMENT_LENGTH = 500;

function address(text: string) {
  const parsed = typeof text === 'string' && text.length <= 64 ? parseAddress(text) : null;
  if (parsed === null) throw new OperationError('InvalidAddress', `not an IP address: ${JSON.stringify(String(text).slice(0, 64))}`);
  return parsed;
}

function duration(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > LONGEST_BAN_SECONDS) {
    throw new OperationError('Failed', `the duration must be whole seconds from 0 (permanent) to ${LONGEST_BAN_SECONDS}, got ${seconds}`);
  }
  return seconds;
}

function network(text: string): Network {
  const parsed = typeof text === 'string' && text.length <= 64 ? parseNetwork(text) : null;
  if (parsed === null) throw new OperationError('InvalidAddress', `not an IP address or CIDR network: ${JSON.stringify(String(text).slice(0, 64))}`);
  return parsed;
}

export function createOperations(context: OperationContext): Operations {
  const { store, firewall, logger } = context;

  const changeFirewall = async (what: string, change: () => Promise<void>) => {
    try {
      await change();
    } catch (error) {
      logger.error(`the firewall refused to ${what}; retrying until it matches the database`, { backend: firewall.name, error: String(error) });
      context.repair();
    }
  };

  const lift = async (addresses: readonly { address: string; family: 4 | 6 }[], reason: string) => {
    const now = context.now();
    for (const { address: text } of addresses) {
      store.endBan(text, reason, now);
      context.bannedUntil.delete(text);
      context.observer.banRemoved(text, reason);
    }
    if (addresses.length > 0) await changeFirewall('release', () => firewall.release(addresses));
  };

  return {
    async ban(request) {
      const target = address(request.address);
      duration(request.seconds);
      const spared = context.gateCheck(target.text);
      if (spared !== null) throw new OperationError('Whitelisted', `${target.text} is never banned: ${spared}`);
      const now = context.now();
      const expiresAt = request.seconds === 0 ? null : now + request.seconds * 1000;
      // Banning a banned address replaces its ban: the new duration is what the admin asked for.
      if (store.endBan(target.text, 'replaced', now)) context.bannedUntil.delete(target.text);
      const reason = request.reason.trim().slice(0, MAX_REASON_LENGTH) || 'manual ban';
      const record = store.addBan({ address: target.text, family: target.family, service: null, reason, source: 'manual', failures: 0, bannedAt: now, expiresAt });
      store.logActivity({ time: now, actorUid: request.actorUid, action: 'ban', target: target.text, detail: `${request.seconds === 0 ? 'permanent' : `${request.seconds} s`}: ${reason}` });
      context.bannedUntil.set(target.text, expiresAt ?? Infinity);
      context.forgetFailures(target.text);
      await changeFirewall('block', () => firewall.block([{ address: target.text, family: target.family, seconds: request.seconds }]));
      context.observer.banAdded({ address: target.text, reason, source: 'manual', seconds: request.seconds });
      logger.info('banned by hand', { address: target.text, action: 'ban', seconds: request.seconds, uid: request.actorUid ?? undefined });
      return record;
    },

    async extend(request) {
      const target = address(request.address);
      const seconds = duration(request.seconds);
      const now = context.now();
      const expiresAt = seconds === 0 ? null : now + seconds * 1000;
      // Not a new ban: service, reason, source, failures and start stay, and no banAdded is told.
      const record = store.setBanEnd(target.text, expiresAt, now);
      if (record === null) throw new OperationError('NotFound', `${target.text} is not banned`);
      store.logActivity({ time: now, actorUid: request.actorUid, action: 'extend', target: target.text, detail: seconds === 0 ? 'permanent' : `for ${seconds} s` });
      context.bannedUntil.set(target.text, expiresAt ?? Infinity);
      // block() gives an element already there its new timeout (nftables: add, delete, add in one transaction).
      await changeFirewall('block', () => firewall.block([{ address: target.text, family: target.family, seconds }]));
      context.observer.banExtended({ address: target.text, seconds, expiresAt });
      logger.info('ban extended by hand', { address: target.text, action: 'extend', seconds, uid: request.actorUid ?? undefined });
      return record;
    },

    async unban(text, actorUid) {
      const target = address(text);
      if (store.activeBan(target.text) === null) throw new OperationError('NotFound', `${target.text} is not banned`);
      await lift([{ address: target.text, family: target.family }], 'unbanned');
      // An unbanned address starts from a clean slate: earlier failures do not ban it again at once.
      context.forgetFailures(target.text);
      store.logActivity({ time: context.now(), actorUid, action: 'unban', target: target.text, detail: null });
      logger.info('unbanned by hand', { address: target.text, action: 'unban', uid: actorUid ?? undefined });
    },

    async whitelistAdd(text, comment, actorUid) {
      const entry = network(text);
      if (!context.databaseWhitelist) {
        throw new OperationError('Failed', 'the database whitelist is off in the configuration: add [[whitelist.sources]] type = "database"');
      }
      const now = context.now();
      store.addWhitelist({ network: entry.text, comment: comment.trim().slice(0, MAX_COMMENT_LENGTH), addedAt: now, addedBy: actorUid });
      const inside = store
        .activeBanEnds()
        .filter((ban) => networkContains(entry, parseAddress(ban.address)!))
        .map((ban) => ({ address: ban.address, family: ban.family }));
      await lift(inside, 'whitelisted');
      await context.refreshWhitelist().catch((error: unknown) => {
        logger.error('the whitelist could not reach the firewall; retrying', { error: String(error) });
        context.repair();
      });
      store.logActivity({ time: now, actorUid, action: 'whitelist-add', target: entry.text, detail: inside.length > 0 ? `unbanned ${inside.map((ban) => ban.address).join(', ')}` : comment || null });
      logger.info('whitelisted', { network: entry.text, action: 'whitelist', unbanned: inside.length, uid: actorUid ?? undefined });
      return { network: entry.text, unbanned: inside.map((ban) => ban.address) };
    },

    async whitelistRemove(text, actorUid) {
      const entry = network(text);
      if (!store.removeWhitelist(entry.text)) throw new OperationError('NotFound', `${entry.text} is not in the whitelist`);
      await context.refreshWhitelist().catch((error: unknown) => {
        logger.error('the whitelist could not reach the firewall; retrying', { error: String(error) });
        context.repair();
      });
      store.logActivity({ time: context.now(), actorUid, action: 'whitelist-remove', target: entry.text, detail: null });
      logger.info('removed from the whitelist', { network: entry.text, action: 'whitelist-remove', uid: actorUid ?? undefined });
    },

    async flush(actorUid) {
      const now = context.now();
      const count = store.endAllBans('flushed', now);
      context.bannedUntil.clear();
      await changeFirewall('flush', () => firewall.flush());
      context.observer.banRemoved('*', 'flushed');
      store.logActivity({ time: now, actorUid, action: 'flush', target: null, detail: `${count} bans ended` });
      logger.info('flushed every ban', { action: 'flush', count, uid: actorUid ?? undefined });
      return count;
    },
  };
}
