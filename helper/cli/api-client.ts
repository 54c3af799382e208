// How c2b talks to the helper: one connection per command, and one place that turns what went
// wrong into a message with a hint and the exit status (69 unreachable, 77 not authorised).
import { ClientError, DaemonClient } from '../client/index.js';
import { systemBusAddress } from '../client/bus.js';
import { ExitCode, type CliIo } from './io.js';

export const START_HINT = 'start it with: sudo c2b start (or: sudo systemctl start croissant2ban)';

/** Runs `action` with a client of the helper; returns its exit status or the status of the failure. */
export async function withHelper(
  io: CliIo,
  command: string,
  action: (client: DaemonClient) => Promise<number>,
  /** What to do instead when the helper is not running (c2b flush works on the firewall directly). */
  whenUnreachable?: () => Promise<number>,
): Promise<number> {
  let client: DaemonClient | null = null;
  try {
    client = await DaemonClient.connect({
      address: systemBusAddress(io.env),
      // On a terminal polkit may ask for a password (through a polkit agent of the session).
      interactive: Boolean(io.stdout.isTTY),
    });
    return await action(client);
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    if (error.kind === 'Unreachable' && whenUnreachable) return whenUnreachable();
    return report(io, command, error);
  } finally {
    client?.close();
  }
}

export function report(io: CliIo, command: string, error: ClientError): number {
  const say = (text: string) => io.stderr.write(`c2b ${command}: ${text}\n`);
  switch (error.kind) {
    case 'Unreachable':
      say(`cannot reach the helper: ${error.message}`);
      say(START_HINT);
      return ExitCode.unavailable;
    case 'Timeout':
      say(`the helper did not answer in time: ${error.message}`);
      return ExitCode.unavailable;
    case 'NotAuthorized':
    case 'AccessDenied':
    case 'InteractionRequired':
      say(`not authorised: ${error.message}`);
      say('run it as root (sudo c2b ...), or as a member of the admin group ([dbus] admin_group, default croissant2ban)');
      return ExitCode.notAuthorized;
    case 'InvalidAddress':
    case 'InvalidArgument':
      say(error.message);
      return ExitCode.usage;
    default:
      say(error.message);
      return ExitCode.failure;
  }
}
