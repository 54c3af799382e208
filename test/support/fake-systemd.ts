// A stand-in for systemd's D-Bus API on a private bus: it owns org.freedesktop.systemd1 and answers
// Manager.StartUnit(ss) -> o as systemd does (a job path, NoSuchUnit for units it does not know),
// then runs the unit's callback (starting the helper, say), as systemd runs the job after replying.
import { BusConnection } from '../../helper/client/bus.js';
import { MessageFlag, type Message } from '../../helper/client/wire.js';
import type { PrivateBus } from './dbus.js';

const NAME = 'org.freedesktop.systemd1';
const PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';
/** Job modes systemd accepts for StartUnit. */
const MODES = new Set(['replace', 'fail', 'isolate', 'ignore-dependencies', 'ignore-requirements']);

/**
 * <policy> for startPrivateBus: root (the test runner's uid too) may own systemd's name, and
 * everyone may call it, as on a real system, where systemd asks polkit itself. `deniedUids` are
 * refused by the bus policy instead.
 */
export function fakeSystemdPolicy(options: { deniedUids?: readonly number[] } = {}): string {
  const owners = [...new Set([0, process.getuid?.() ?? 0])];
  return [
    ...owners.map((uid) => `  <policy user="${uid}"><allow own="${NAME}"/></policy>`),
    `  <policy context="default"><allow send_destination="${NAME}"/></policy>`,
    ...(options.deniedUids ?? []).map((uid) => `  <policy user="${uid}"><deny send_destination="${NAME}"/></policy>`),
    '',
  ].join('\n');
}

export interface StartUnitCall {
  readonly unit: string;
  readonly mode: string;
  /** The caller set ALLOW_INTERACTIVE_AUTHORIZATION. */
  readonly interactive: boolean;
  readonly uid: number;
}

export interface FakeSystemdOptions {
  /** Unit name -> what starting it does. Other names get NoSuchUnit. */
  readonly units: Readonly<Record<string, () => void | Promise<void>>>;
  /**
   * Stands for polkit: an error name to refuse a caller with (AccessDenied,
   * InteractiveAuthorizationRequired), or null to go on. Default: everyone may.
   */
  readonly authorize?: (caller: { readonly uid: number; readonly interactive: boolean }) => string | null;
}

export interface FakeSystemd {
  /** Every StartUnit call that reached us, in order. */
  readonly calls: readonly StartUnitCall[];
  /** Resolves when the callbacks of the jobs queued so far have finished. */
  settled(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startFakeSystemd(bus: PrivateBus, options: FakeSystemdOptions): Promise<FakeSystemd> {
  const connection = await BusConnection.connect(bus.address);
  const calls: StartUnitCall[] = [];
  const jobs: Promise<void>[] = [];
  let nextJob = 1;

  const startUnit = async (call: Message) => {
    const [unit, mode] = call.body as [string, string];
    const uid = (await connection.callBus('GetConnectionUnixUser', 's', [call.sender!])).body![0] as number;
    const interactive = ((call.flags ?? 0) & MessageFlag.allowInteractiveAuthorization) !== 0;
    calls.push({ unit, mode, interactive, uid });
    if (!MODES.has(mode)) return connection.replyError(call, 'org.freedesktop.DBus.Error.InvalidArgs', `Job mode ${mode} invalid.`);
    const run = options.units[unit];
    if (run === undefined) return connection.replyError(call, 'org.freedesktop.systemd1.NoSuchUnit', `Unit ${unit} not found.`);
    const refusal = options.authorize?.({ uid, interactive }) ?? null;
    if (refusal !== null) return connection.replyError(call, refusal, `Access to ${unit} refused.`);
    connection.reply(call, 'o', [`${PATH}/job/${nextJob++}`]);
    jobs.push(Promise.resolve().then(run));
  };

  connection.on('call', (call: Message) => {
    if (call.path !== PATH || call.interface !== MANAGER || call.member !== 'StartUnit' || call.signature !== 'ss') {
      connection.replyError(call, 'org.freedesktop.DBus.Error.UnknownMethod', `Unknown method ${call.member ?? ''} or interface ${call.interface ?? ''}.`);
      return;
    }
    startUnit(call).catch((error: unknown) => connection.replyError(call, 'org.freedesktop.DBus.Error.Failed', String(error)));
  });

  // DO_NOT_QUEUE: a second owner is a broken test, not something to wait for.
  const [result] = (await connection.callBus('RequestName', 'su', [NAME, 4])).body as [number];
  if (result !== 1) {
    connection.close();
    throw new Error(`the fake systemd could not own ${NAME} (RequestName answered ${result}): does the bus policy include fakeSystemdPolicy()?`);
  }

  return {
    calls,
    async settled() {
      await Promise.all(jobs);
    },
    async dispose() {
      await Promise.allSettled(jobs);
      connection.close();
    },
  };
}
