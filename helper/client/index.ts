// The typed client of the helper's D-Bus API (used by c2b and the desktop app). Every reply is
// checked against the protocol's tables; errors come back as ClientError with a kind a caller can
// act on (Unreachable, NotAuthorized, InvalidAddress, ...).
import {
  ACTIVITY_FIELDS,
  BAN_FIELDS,
  BUS_NAME,
  errorKindOf,
  EVENT_FIELDS,
  INTEL_FIELDS,
  INTERFACE,
  METHODS,
  OBJECT_PATH,
  PROPERTIES,
  SERVICE_FIELDS,
  SIGNALS,
  STATS_FIELDS,
  STATUS_FIELDS,
  WHITELIST_FIELDS,
  type DaemonApi,
  type ErrorKind,
  type IntelInfo,
  type MethodName,
  type PropertyName,
  type PropertyValues,
  type SignalArguments,
  type SignalName,
} from '../protocol/index.js';
import { BusConnection, BusError, BusErrorName, systemBusAddress } from './bus.js';
import { readFields, readLooseFields, readOptionalFields } from './fields.js';
import { Variant, WireError, type Message } from './wire.js';

/** Why a call failed: a named error of the protocol, or the helper cannot be reached. */
export type ClientErrorKind = ErrorKind | 'Unreachable' | 'InteractionRequired' | 'AccessDenied' | 'BadReply' | 'Timeout' | 'NotInstalled';

export class ClientError extends Error {
  override readonly name = 'ClientError';

  constructor(
    readonly kind: ClientErrorKind,
    message: string,
    /** The D-Bus error name, when there was one. */
    readonly busName?: string,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  /** Bus address (default: DBUS_SYSTEM_BUS_ADDRESS, else the system bus socket). */
  readonly address?: string;
  /** Per-call time limit in ms (default 25 s; a mutating call that may ask for a password gets at least INTERACTIVE_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Mutating calls may ask for a password through polkit (a terminal, a desktop session). */
  readonly interactive?: boolean;
}

/** A failure of a call to the helper, or to another service on its behalf, as a ClientError. */
export function translate(error: unknown): ClientError {
  if (error instanceof ClientError) return error;
  if (error instanceof WireError) return new ClientError('BadReply', `the helper's reply was not understood: ${error.message}`);
  if (!(error instanceof BusError)) return new ClientError('Failed', error instanceof Error ? error.message : String(error));
  const kind = errorKindOf(error.errorName);
  if (kind !== null) return new ClientError(kind, error.message, error.errorName);
  switch (error.errorName) {
    case BusErrorName.serviceUnknown:
    case BusErrorName.nameHasNoOwner:
      return new ClientError('Unreachable', 'the helper is not running (no one owns org.croissant2ban.Daemon on the bus)', error.errorName);
    case BusErrorName.noServer:
    case BusErrorName.disconnected:
      return new ClientError('Unreachable', error.message, error.errorName);
    case BusErrorName.noReply:
      return new ClientError('Timeout', error.message, error.errorName);
    case BusErrorName.accessDenied:
      return new ClientError('AccessDenied', error.message, error.errorName);
    case BusErrorName.interactiveAuthorizationRequired:
      return new ClientError('InteractionRequired', error.message, error.errorName);
    default:
      return new ClientError('Failed', `${error.errorName}: ${error.message}`, error.errorName);
  }
}

type SignalListener<Name extends SignalName> = (...args: SignalArguments[Name]) => void;

/** How long a call that may ask for a password (polkit) waits for its answer. */
export const INTERACTIVE_TIMEOUT_MS = 300_000;

const BUS_DRIVER = { name: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus' } as const;
/** The bus itself says when the helper's name gains or loses its owner, even when the helper is killed. */
const OWNER_CHANGED_RULE =
  `type='signal',sender='${BUS_DRIVER.name}',path='${BUS_DRIVER.path}',interface='${BUS_DRIVER.interface}',member='NameOwnerChanged',arg0='${BUS_NAME}'`;

export class DaemonClient implements DaemonApi {
  private readonly listeners = new Map<string, Set<(...args: never[]) => void>>();
  private readonly propertyListeners = new Set<(changed: Partial<PropertyValues>) => void>();
  private readonly ownerListeners = new Set<(running: boolean) => void>();
  private subscribed: Promise<void> | null = null;
  private watchingOwner: Promise<void> | null = null;
  /**
   * The unique bus name that owns the helper's name now, or null. Signals from anyone else are
   * dropped: the system bus lets any local user send a signal straight to us, and a forged BanAdded
   * would put a "ban" of the forger's choosing in the tray menu, one click from the whitelist.
   */
  private helperOwner: string | null = null;
  /** NameOwnerChanged signals seen for the helper's name: an answer to GetNameOwner older than one is stale. */
  private ownerChanges = 0;

  private constructor(
    private readonly bus: BusConnection,
    private readonly options: ClientOptions,
  ) {
    bus.on('signal', (message: Message) => this.onSignal(message));
  }

  static async connect(options: ClientOptions = {}): Promise<DaemonClient> {
    try {
      return new DaemonClient(await BusConnection.connect(options.address ?? systemBusAddress()), options);
    } catch (error) {
      throw translate(error);
    }
  }

  close(): void {
    this.bus.close();
  }

  /** Resolves on close of the connection (the bus went away). */
  onClose(listener: (error: Error | null) => void): void {
    this.bus.on('close', listener);
  }

  private async invoke(method: MethodName, body: readonly unknown[] = []): Promise<unknown[]> {
    const spec = METHODS[method];
    const interactive = spec.mutating && (this.options.interactive ?? false);
    // A call that may wait for someone to type a password gets that long, not the usual 25 s.
    const timeoutMs = interactive ? Math.max(this.options.timeoutMs ?? 0, INTERACTIVE_TIMEOUT_MS) : this.options.timeoutMs;
    try {
      const reply = await this.bus.call({
        destination: BUS_NAME,
        path: OBJECT_PATH,
        interface: INTERFACE,
        member: method,
        signature: spec.in.map(([, signature]) => signature).join(''),
        body,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        allowInteractiveAuthorization: interactive,
      });
      const expected = spec.out.map(([, signature]) => signature).join('');
      if ((reply.signature ?? '') !== expected) throw new WireError(`${method} answered (${reply.signature}), expected (${expected})`);
      return [...(reply.body ?? [])];
    } catch (error) {
      throw translate(error);
    }
  }

  private async list<T>(method: MethodName, read: (value: unknown) => T, body: readonly unknown[] = []): Promise<T[]> {
    const [items] = await this.invoke(method, body);
    try {
      return (items as unknown[]).map(read);
    } catch (error) {
      throw translate(error);
    }
  }

  private async one<T>(method: MethodName, read: (value: unknown) => T, body: readonly unknown[] = []): Promise<T> {
    const [value] = await this.invoke(method, body);
    try {
      return read(value);
    } catch (error) {
      throw translate(error);
    }
  }

  status() {
    return this.one('Status', (value) => readFields(STATUS_FIELDS, value));
  }
  async ban(ip: string, durationSecs: number, reason: string) {
    return (await this.invoke('Ban', [ip, durationSecs, reason]))[0] as boolean;
  }
  async unban(ip: string) {
    return (await this.invoke('Unban', [ip]))[0] as boolean;
  }
  async extendBan(ip: string, durationSecs: number) {
    return (await this.invoke('ExtendBan', [ip, durationSecs]))[0] as boolean;
  }
  getBans() {
    return this.list('GetBans', (value) => readFields(BAN_FIELDS, value));
  }
  async isBanned(ip: string) {
    return (await this.invoke('IsBanned', [ip]))[0] as boolean;
  }
  async whitelistAdd(address: string, comment: string) {
    return (await this.invoke('WhitelistAdd', [address, comment]))[0] as string[];
  }
  async whitelistRemove(address: string) {
    return (await this.invoke('WhitelistRemove', [address]))[0] as boolean;
  }
  getWhitelist() {
    return this.list('GetWhitelist', (value) => readFields(WHITELIST_FIELDS, value));
  }
  getEvents(limit: number, since: number) {
    return this.list('GetEvents', (value) => readFields(EVENT_FIELDS, value), [limit, since]);
  }
  getActivity(limit: number) {
    return this.list('GetActivity', (value) => readFields(ACTIVITY_FIELDS, value), [limit]);
  }
  getStats() {
    return this.one('GetStats', (value) => readFields(STATS_FIELDS, value));
  }
  getServices() {
    return this.list('GetServices', (value) => readFields(SERVICE_FIELDS, value));
  }
  getIntel(ip: string, refresh: boolean) {
    return this.one('GetIntel', (value): IntelInfo => readOptionalFields(INTEL_FIELDS, value), [ip, refresh]);
  }
  async flush() {
    return (await this.invoke('Flush'))[0] as number;
  }
  async reload() {
    await this.invoke('Reload');
  }

  /** Reads one property. */
  async property<Name extends PropertyName>(name: Name): Promise<PropertyValues[Name]> {
    try {
      const reply = await this.bus.call({ destination: BUS_NAME, path: OBJECT_PATH, interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: [INTERFACE, name] });
      const variant = reply.body?.[0];
      if (!(variant instanceof Variant) || variant.signature !== PROPERTIES[name].signature) throw new WireError(`property ${name} has the wrong type`);
      return variant.value as PropertyValues[Name];
    } catch (error) {
      throw translate(error);
    }
  }

  /** Reads every property. */
  async properties(): Promise<PropertyValues> {
    try {
      const reply = await this.bus.call({ destination: BUS_NAME, path: OBJECT_PATH, interface: 'org.freedesktop.DBus.Properties', member: 'GetAll', signature: 's', body: [INTERFACE] });
      const values = readLooseFields(reply.body?.[0]);
      for (const name of Object.keys(PROPERTIES)) if (!(name in values)) throw new WireError(`property ${name} missing`);
      return values as unknown as PropertyValues;
    } catch (error) {
      throw translate(error);
    }
  }

  /** Whether the helper owns its name on the bus now. */
  async available(): Promise<boolean> {
    try {
      const reply = await this.bus.callBus('NameHasOwner', 's', [BUS_NAME]);
      return reply.body![0] === true;
    } catch (error) {
      throw translate(error);
    }
  }

  /** Our unique name on the bus (":1.42"). */
  get uniqueName(): string {
    return this.bus.uniqueName;
  }

  private subscribe(): Promise<void> {
    this.subscribed ??= (async () => {
      await this.bus.addMatch(`type='signal',sender='${BUS_NAME}',path='${OBJECT_PATH}',interface='${INTERFACE}'`);
      await this.bus.addMatch(`type='signal',sender='${BUS_NAME}',path='${OBJECT_PATH}',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'`);
      // Owner changes first, then the owner now: a change after our question arrives after its answer.
      await this.watchOwner();
      // The answer may be handled after a NameOwnerChanged that came in the same read of the socket;
      // then the signal is newer, and the answer is dropped.
      const changesBefore = this.ownerChanges;
      let owner: string | null;
      try {
        owner = (await this.bus.callBus('GetNameOwner', 's', [BUS_NAME])).body![0] as string;
      } catch (error) {
        if (!(error instanceof BusError) || error.errorName !== BusErrorName.nameHasNoOwner) throw error;
        owner = null;
      }
      if (this.ownerChanges === changesBefore) this.helperOwner = owner;
    })().catch((error: unknown) => {
      this.subscribed = null;
      throw translate(error);
    });
    return this.subscribed;
  }

  /** Listens to a signal of the helper; resolves once the bus delivers it to us. */
  async on<Name extends SignalName>(name: Name, listener: SignalListener<Name>): Promise<void> {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (...args: never[]) => void);
    await this.subscribe();
  }

  off<Name extends SignalName>(name: Name, listener: SignalListener<Name>): void {
    this.listeners.get(name)?.delete(listener as (...args: never[]) => void);
  }

  /** Listens to PropertiesChanged of the helper's interface. */
  async onPropertiesChanged(listener: (changed: Partial<PropertyValues>) => void): Promise<void> {
    this.propertyListeners.add(listener);
    await this.subscribe();
  }

  /**
   * Listens to the helper coming and going on the bus (running = its name has an owner now);
   * resolves once the bus delivers the changes to us. A crash is seen too: no DaemonStopping needed.
   */
  async onOwnerChanged(listener: (running: boolean) => void): Promise<void> {
    this.ownerListeners.add(listener);
    await this.watchOwner();
  }

  private watchOwner(): Promise<void> {
    this.watchingOwner ??= this.bus.addMatch(OWNER_CHANGED_RULE).catch((error: unknown) => {
      this.watchingOwner = null;
      throw translate(error);
    });
    return this.watchingOwner;
  }

  offOwnerChanged(listener: (running: boolean) => void): void {
    this.ownerListeners.delete(listener);
  }

  private onSignal(message: Message) {
    if (message.sender === BUS_DRIVER.name && message.path === BUS_DRIVER.path) {
      this.onBusSignal(message);
      return;
    }
    if (message.path !== OBJECT_PATH || message.sender === undefined || message.sender !== this.helperOwner) return;
    if (message.interface === 'org.freedesktop.DBus.Properties' && message.member === 'PropertiesChanged') {
      if (message.body?.[0] !== INTERFACE) return;
      const changed = readLooseFields(message.body[1]) as Partial<PropertyValues>;
      for (const listener of this.propertyListeners) listener(changed);
      return;
    }
    if (message.interface !== INTERFACE || !Object.hasOwn(SIGNALS, message.member ?? '')) return;
    const name = message.member as SignalName;
    const expected = SIGNALS[name].map(([, signature]) => signature).join('');
    if ((message.signature ?? '') !== expected) return;
    for (const listener of this.listeners.get(name) ?? []) listener(...((message.body ?? []) as never[]));
  }

  private onBusSignal(message: Message) {
    if (message.interface !== BUS_DRIVER.interface || message.member !== 'NameOwnerChanged' || message.signature !== 'sss') return;
    const [name, , newOwner] = message.body as [string, string, string];
    if (name !== BUS_NAME) return;
    this.ownerChanges++;
    this.helperOwner = newOwner === '' ? null : newOwner;
    for (const listener of this.ownerListeners) listener(newOwner !== '');
  }
}
