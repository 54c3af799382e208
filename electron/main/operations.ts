// Every bridge operation as the main process runs it: the arguments that came over IPC are parsed
// against the operation's own rules (deny by default: unknown operations, extra arguments, wrong
// types, out-of-range numbers and malformed addresses are refused before anything reaches the
// helper), then the call goes to the helper through the link and comes back as a Result. Electron's
// ipcMain and the end-to-end tests' page host both dispatch through `invoke`.
import { isIP } from 'node:net';
import { ClientError } from '../../helper/client/index.js';
import type { Bridge, BridgeErrorKind, BridgeOperation, HelperConnection, Preferences, Result } from '../bridge.js';
import type { HelperClient, HelperLink } from './helper-link.js';

/** The client's error kinds must all be kinds the bridge can carry. */
type ClientKindsFit = ClientError['kind'] extends BridgeErrorKind ? true : never;
const clientKindsFit: ClientKindsFit = true;
void clientKindsFit;

export class RequestError extends Error {
  override readonly name = 'RequestError';

  /** InvalidAddress for text that is not an address (the helper would say the same); else InvalidRequest. */
  constructor(
    message: string,
    readonly kind: 'InvalidRequest' | 'InvalidAddress' = 'InvalidRequest',
  ) {
    super(message);
  }
}

const MAX_TEXT_LENGTH = 500;
const MAX_LIST_LIMIT = 100_000;
const MAX_UINT32 = 0xffff_ffff;
/** A pause longer than this is a mistake, not a wish. */
const LONGEST_PAUSE_MS = 7 * 24 * 3_600_000;

function address(value: unknown, what: string, options: { network: boolean }): string {
  if (typeof value !== 'string') throw new RequestError(`${what} must be an IP address${options.network ? ' or network' : ''}`);
  if (value.length === 0 || value.length > 64) throw new RequestError(`${what} must be an IP address${options.network ? ' or network' : ''}`, 'InvalidAddress');
  const slash = value.indexOf('/');
  const host = slash === -1 ? value : value.slice(0, slash);
  // isIP also takes an IPv6 zone ("fe80::1%eth0"), which names no address the helper can ban.
  const family = host.includes('%') ? 0 : isIP(host);
  if (family === 0) throw new RequestError(`${JSON.stringify(host.slice(0, 64))} is not an IP address${options.network ? ' or network' : ''}`, 'InvalidAddress');
  if (slash !== -1) {
    const prefix = value.slice(slash + 1);
    if (!options.network || !/^(?:0|[1-9]\d{0,2})$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) throw new RequestError(`${what} has a bad network prefix`, 'InvalidAddress');
  }
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH) throw new RequestError(`${what} must be text of at most ${MAX_TEXT_LENGTH} characters`);
  // Control characters (C0 and C1) would end up in the activity log and in terminals that print it.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) throw new RequestError(`${what} may not contain control characters`);
  return value;
}

function integer(value: unknown, what: string, low: number, high: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) throw new RequestError(`${what} must be a whole number from ${low} to ${high}`);
  return value;
}

function flag(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new RequestError(`${what} must be true or false`);
  return value;
}

function preferenceChanges(value: unknown, now: number): Partial<Preferences> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RequestError('preferences must be an object');
  const changes: { -readonly [K in keyof Preferences]?: Preferences[K] } = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === 'startAtLogin' || key === 'attackNotifications') changes[key] = flag(field, key);
    else if (key === 'notificationsPausedUntil') changes[key] = field === 0 ? 0 : integer(field, key, now, now + LONGEST_PAUSE_MS);
    else throw new RequestError(`unknown preference ${JSON.stringify(key)}`);
  }
  return changes;
}

type Arguments<Op extends BridgeOperation> = Parameters<Bridge[Op]>;

/** Per operation: its arguments, parsed from what came over IPC. */
function parsers(now: () => number): { readonly [Op in BridgeOperation]: (args: readonly unknown[]) => Arguments<Op> } {
  const none = (): [] => [];
  return {
    status: none,
    getBans: none,
    getWhitelist: none,
    getEvents: (args) => [integer(args[0], 'limit', 1, MAX_LIST_LIMIT), integer(args[1], 'since', 0, Number.MAX_SAFE_INTEGER)],
    getActivity: (args) => [integer(args[0], 'limit', 1, MAX_LIST_LIMIT)],
    getStats: none,
    getServices: none,
    getIntel: (args) => [address(args[0], 'address', { network: false }), flag(args[1], 'refresh')],
    ban: (args) => [address(args[0], 'address', { network: false }), integer(args[1], 'duration', 0, MAX_UINT32), text(args[2], 'reason')],
    unban: (args) => [address(args[0], 'address', { network: false })],
    extendBan: (args) => [address(args[0], 'address', { network: false }), integer(args[1], 'duration', 0, MAX_UINT32)],
    whitelistAdd: (args) => [address(args[0], 'address', { network: true }), text(args[1], 'comment')],
    whitelistRemove: (args) => [address(args[0], 'address', { network: true })],
    startHelper: none,
    connection: none,
    getPreferences: none,
    setPreferences: (args) => [preferenceChanges(args[0], now())],
  };
}

const ARITY: { readonly [Op in BridgeOperation]: number } = {
  status: 0,
  getBans: 0,
  getWhitelist: 0,
  getEvents: 2,
  getActivity: 1,
  getStats: 0,
  getServices: 0,
  getIntel: 2,
  ban: 3,
  unban: 1,
  extendBan: 2,
  whitelistAdd: 2,
  whitelistRemove: 1,
  startHelper: 0,
  connection: 0,
  getPreferences: 0,
  setPreferences: 1,
};

/** Every operation the window may call, one IPC channel each. */
export const OPERATION_NAMES = Object.keys(ARITY) as BridgeOperation[];

export function isOperation(name: unknown): name is BridgeOperation {
  return typeof name === 'string' && Object.hasOwn(ARITY, name);
}

export interface OperationDependencies {
  readonly link: Pick<HelperLink, 'client' | 'connection' | 'recheck'>;
  /** Asks systemd to start the helper (helper/client/systemd.ts in the app). */
  readonly startHelper: () => Promise<void>;
  readonly preferences: { get(): Preferences; update(changes: Partial<Preferences>): Promise<Preferences> };
  readonly now: () => number;
}

export interface Operations {
  /** Parses `args` for `operation` and runs it. Bad requests answer InvalidRequest (InvalidAddress for text that is no address); nothing throws. */
  invoke(operation: unknown, args: readonly unknown[]): Promise<unknown>;
}

export function createOperations(dependencies: OperationDependencies): Operations {
  const parse = parsers(dependencies.now);

  const failure = (kind: BridgeErrorKind, message: string): Result<never> => ({ ok: false, error: { kind, message } });

  /** Runs a call to the helper; errors become data, and a vanished helper is noticed. */
  const attempt = async <T>(call: (client: HelperClient) => Promise<T>): Promise<Result<T>> => {
    const client = dependencies.link.client();
    if (!client) return failure('Unreachable', 'the system bus cannot be reached');
    try {
      return { ok: true, value: await call(client) };
    } catch (error) {
      if (error instanceof ClientError) {
        if (error.kind === 'Unreachable') dependencies.link.recheck();
        return failure(error.kind, error.message);
      }
      return failure('Failed', error instanceof Error ? error.message : String(error));
    }
  };

  const run: { readonly [Op in BridgeOperation]: (...args: Arguments<Op>) => ReturnType<Bridge[Op]> } = {
    status: () => attempt((client) => client.status()),
    getBans: () => attempt((client) => client.getBans()),
    getWhitelist: () => attempt((client) => client.getWhitelist()),
    getEvents: (limit, since) => attempt((client) => client.getEvents(limit, since)),
    getActivity: (limit) => attempt((client) => client.getActivity(limit)),
    getStats: () => attempt((client) => client.getStats()),
    getServices: () => attempt((client) => client.getServices()),
    getIntel: (ip, refresh) => attempt((client) => client.getIntel(ip, refresh)),
    ban: (ip, seconds, reason) => attempt((client) => client.ban(ip, seconds, reason)),
    unban: (ip) => attempt((client) => client.unban(ip)),
    extendBan: (ip, seconds) => attempt((client) => client.extendBan(ip, seconds)),
    whitelistAdd: (network, comment) => attempt((client) => client.whitelistAdd(network, comment)),
    whitelistRemove: (network) => attempt((client) => client.whitelistRemove(network)),
    startHelper: async () => {
      try {
        await dependencies.startHelper();
        return { ok: true, value: undefined };
      } catch (error) {
        if (error instanceof ClientError) return failure(error.kind, error.message);
        return failure('Failed', error instanceof Error ? error.message : String(error));
      }
    },
    connection: async (): Promise<HelperConnection> => dependencies.link.connection(),
    getPreferences: async () => dependencies.preferences.get(),
    setPreferences: async (changes) => {
      try {
        return { ok: true, value: await dependencies.preferences.update(changes) };
      } catch (error) {
        return failure('Failed', `the preferences could not be saved: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };

  return {
    async invoke(operation, args) {
      if (!isOperation(operation)) return failure('InvalidRequest', `unknown operation ${typeof operation === 'string' ? JSON.stringify(operation).slice(0, 80) : `(${typeof operation})`}`);
      if (!Array.isArray(args) || args.length !== ARITY[operation]) return failure('InvalidRequest', `${operation} takes ${ARITY[operation]} argument(s)`);
      let parsed: unknown[];
      try {
        parsed = parse[operation](args);
      } catch (error) {
        if (error instanceof RequestError) return failure(error.kind, `${operation}: ${error.message}`);
        throw error;
      }
      return (run[operation] as (...values: unknown[]) => Promise<unknown>)(...parsed);
    },
  };
}
