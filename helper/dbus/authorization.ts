// Who may change anything: deny by default. A mutating call is allowed for uid 0; otherwise polkit
// decides for the action org.croissant2ban.manage; only where no polkit answers on the bus are
// members of [dbus] admin_group allowed. The caller's uid and groups come from the bus (the kernel's
// credentials of the connection), never from the message.
import { readFileSync } from 'node:fs';
import { BusError, BusErrorName, type BusConnection } from '../client/bus.js';
import { Variant } from '../client/wire.js';
import { MANAGE_ACTION } from '../protocol/index.js';

export interface Caller {
  /** The unique bus name (":1.42"). */
  readonly name: string;
  readonly uid: number;
  readonly groups: readonly number[];
}

export type Verdict =
  | { readonly allowed: true; readonly via: 'root' | 'polkit' | 'group' }
  | { readonly allowed: false; readonly why: string; readonly interactive?: boolean };

const POLKIT = {
  destination: 'org.freedesktop.PolicyKit1',
  path: '/org/freedesktop/PolicyKit1/Authority',
  interface: 'org.freedesktop.PolicyKit1.Authority',
} as const;
/** CheckAuthorization flag: polkit may ask the user for a password through their agent. */
const ALLOW_USER_INTERACTION = 1;
/** A password prompt can take a while; a non-interactive check should not. */
const INTERACTIVE_TIMEOUT_MS = 5 * 60_000;
const CHECK_TIMEOUT_MS = 15_000;

/** The caller's credentials, asked of the bus. */
export async function callerOf(bus: BusConnection, name: string): Promise<Caller> {
  const reply = await bus.callBus('GetConnectionCredentials', 's', [name]);
  const credentials = reply.body![0] as Map<string, Variant>;
  const uid = credentials.get('UnixUserID')?.value;
  if (typeof uid !== 'number') throw new BusError(BusErrorName.accessDenied, `the bus did not give the uid of ${name}`);
  const groups = credentials.get('UnixGroupIDs')?.value;
  return { name, uid, groups: Array.isArray(groups) ? (groups as number[]) : [] };
}

/** The gid of a group name from /etc/group, or null when it does not exist. */
export function groupId(name: string, groupFile = '/etc/group'): number | null {
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [groupName, , gid] = line.split(':');
    if (groupName === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return null;
}

export interface Authorizer {
  check(caller: Caller, options: { interactive: boolean }): Promise<Verdict>;
  /** "polkit" or "group:<name>" as last seen (for Status). */
  mode(): string;
}

export function createAuthorizer(options: {
  readonly bus: BusConnection;
  /** The admin group of the running config (read per call: a reload may change it). */
  readonly adminGroup: () => string;
  readonly groupFile?: string;
  readonly onPolkitError?: (error: Error) => void;
}): Authorizer {
  let lastMode = 'polkit';

  const byGroup = (caller: Caller): Verdict => {
    const name = options.adminGroup();
    lastMode = `group:${name}`;
    const gid = groupId(name, options.groupFile);
    if (gid !== null && caller.groups.includes(gid)) return { allowed: true, via: 'group' };
    return { allowed: false, why: gid === null ? `no polkit answers and the admin group ${name} does not exist` : `not root and not in the group ${name}` };
  };

  return {
    mode: () => lastMode,
    async check(caller, { interactive }) {
      if (caller.uid === 0) return { allowed: true, via: 'root' };
      let reply;
      try {
        reply = await options.bus.call({
          ...POLKIT,
          member: 'CheckAuthorization',
          signature: '(sa{sv})sa{ss}us',
          body: [['system-bus-name', { name: new Variant('s', caller.name) }], MANAGE_ACTION, {}, interactive ? ALLOW_USER_INTERACTION : 0, ''],
          timeoutMs: interactive ? INTERACTIVE_TIMEOUT_MS : CHECK_TIMEOUT_MS,
        });
      } catch (error) {
        const name = error instanceof BusError ? error.errorName : '';
        // No polkit on this bus (not running, not activatable): the admin group decides.
        if (name === BusErrorName.serviceUnknown || name === BusErrorName.nameHasNoOwner) return byGroup(caller);
        // polkit is there but failed: deny, and say so.
        options.onPolkitError?.(error as Error);
        lastMode = 'polkit';
        return { allowed: false, why: `polkit could not decide: ${(error as Error).message}` };
      }
      lastMode = 'polkit';
      const [authorized, challenge] = reply.body![0] as [boolean, boolean, Map<string, string>];
      if (authorized) return { allowed: true, via: 'polkit' };
      if (challenge && !interactive) {
        return { allowed: false, why: 'polkit requires authentication; call again allowing interactive authorization (on a terminal, or from the desktop app)', interactive: true };
      }
      return { allowed: false, why: `polkit does not authorise ${MANAGE_ACTION} for uid ${caller.uid}` };
    },
  };
}
