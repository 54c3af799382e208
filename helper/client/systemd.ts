// Starts the helper through systemd's D-Bus API (StartUnit on the system bus): systemd asks polkit
// itself, so the desktop app can start a stopped helper with the desktop's password prompt and
// never runs anything privileged of its own.
import { BusConnection, BusError, BusErrorName, systemBusAddress } from './bus.js';
import { ClientError, INTERACTIVE_TIMEOUT_MS, translate } from './index.js';

/** The unit the packages install for the helper. */
export const HELPER_UNIT = 'croissant2ban.service';

const SYSTEMD = {
  name: 'org.freedesktop.systemd1',
  path: '/org/freedesktop/systemd1',
  interface: 'org.freedesktop.systemd1.Manager',
} as const;

/** systemd's own error names that a caller can act on. */
export const SystemdErrorName = {
  noSuchUnit: 'org.freedesktop.systemd1.NoSuchUnit',
  unitMasked: 'org.freedesktop.systemd1.UnitMasked',
} as const;

/** A service unit name as systemd spells one; anything else never reaches the bus. */
const UNIT_NAME = /^[A-Za-z0-9:_.@-]+\.service$/;

const DEFAULT_TIMEOUT_MS = 25_000;

export interface StartUnitOptions {
  /** Bus address (default: DBUS_SYSTEM_BUS_ADDRESS, else the system bus socket). */
  readonly address?: string;
  /** Default croissant2ban.service. */
  readonly unit?: string;
  /** Lets systemd have polkit ask for a password (a desktop session); otherwise an unprivileged caller gets InteractionRequired. */
  readonly interactive: boolean;
  /** Default 25 s, or 5 min when interactive. */
  readonly timeoutMs?: number;
}

/**
 * Asks systemd to start the helper's unit (job mode "replace", as `systemctl start`). Resolves once
 * systemd has queued the start job; the helper's name appearing on the bus (DaemonClient's
 * onOwnerChanged) says it runs. Rejects with a ClientError: NotInstalled when systemd has no such
 * unit, AccessDenied or InteractionRequired when the caller may not, Failed otherwise.
 */
export async function startHelperUnit(options: StartUnitOptions): Promise<void> {
  const unit = options.unit ?? HELPER_UNIT;
  if (!UNIT_NAME.test(unit)) throw new ClientError('InvalidArgument', `not a service unit name: ${JSON.stringify(unit.slice(0, 256))}`);
  let bus: BusConnection | null = null;
  try {
    bus = await BusConnection.connect(options.address ?? systemBusAddress());
    await bus.call({
      destination: SYSTEMD.name,
      path: SYSTEMD.path,
      interface: SYSTEMD.interface,
      member: 'StartUnit',
      signature: 'ss',
      body: [unit, 'replace'],
      timeoutMs: options.timeoutMs ?? (options.interactive ? INTERACTIVE_TIMEOUT_MS : DEFAULT_TIMEOUT_MS),
      allowInteractiveAuthorization: options.interactive,
    });
  } catch (error) {
    throw translateSystemd(error, unit);
  } finally {
    bus?.close();
  }
}

/** systemd's answers in the words of the helper's client; what is not systemd's own goes through translate(). */
function translateSystemd(error: unknown, unit: string): ClientError {
  if (!(error instanceof BusError)) return translate(error);
  const name = error.errorName;
  switch (name) {
    case SystemdErrorName.noSuchUnit:
      return new ClientError('NotInstalled', `systemd has no unit ${unit}: the helper is not installed (install the croissant2ban package)`, name);
    case SystemdErrorName.unitMasked:
      return new ClientError('Failed', `${unit} is masked: an administrator can allow it with "systemctl unmask ${unit}"`, name);
    case BusErrorName.serviceUnknown:
    case BusErrorName.nameHasNoOwner:
      return new ClientError('Failed', 'systemd is not running on this machine', name);
    default:
      return translate(error);
  }
}
