// The D-Bus adapter: org.croissant2ban.Daemon1 on the bus, over the bus-free API (daemon/api.ts).
// It checks each call's signature, asks the authorizer about mutating calls, marshals results and
// maps refusals to named errors. Signals come from the pipeline's observer; property changes are
// coalesced to at most one PropertiesChanged a second.
import { readFileSync } from 'node:fs';
import { BusError, BusErrorName, type BusConnection } from '../client/bus.js';
import { toOptionalVariants, toVariants, writeFields } from '../client/fields.js';
import { MessageFlag, MessageType, parseSignature, Variant, Writer, type Message } from '../client/wire.js';
import type { Api } from '../daemon/api.js';
import type { Logger } from '../daemon/log.js';
import { OperationError } from '../daemon/operations.js';
import type { PipelineObserver } from '../daemon/pipeline.js';
import {
  ACTIVITY_FIELDS,
  BAN_FIELDS,
  BUS_NAME,
  ErrorName,
  EVENT_FIELDS,
  INTEL_FIELDS,
  INTERFACE,
  interfaceXml,
  METHODS,
  OBJECT_PATH,
  PROPERTIES,
  SERVICE_FIELDS,
  SIGNALS,
  STATS_FIELDS,
  STATUS_FIELDS,
  WHITELIST_FIELDS,
  type MethodName,
  type MethodSpec,
  type PropertyName,
  type SignalArguments,
  type SignalName,
} from '../protocol/index.js';
import { callerOf, type Authorizer } from './authorization.js';

const PROPERTIES_INTERFACE = 'org.freedesktop.DBus.Properties';
const INTROSPECTABLE = 'org.freedesktop.DBus.Introspectable';
const PEER = 'org.freedesktop.DBus.Peer';
/** GetBans is encoded this many bans at a time, with detection running in between. */
const BAN_PAGE = 2000;
/** AttackDetected is a notification, not a log: once per address and service per window, and a global cap. */
const ATTACK_SIGNAL_WINDOW_MS = 10_000;
const ATTACK_SIGNALS_PER_SECOND = 50;
const PROPERTY_INTERVAL_MS = 1000;

const DOCTYPE = '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">';

/** The whole introspection document of the helper's object (frozen by a test). */
export function introspectionXml(): string {
  return `${DOCTYPE}
<node>
  <interface name="${INTROSPECTABLE}">
    <method name="Introspect">
      <arg name="xml_data" type="s" direction="out"/>
    </method>
  </interface>
  <interface name="${PEER}">
    <method name="Ping"/>
    <method name="GetMachineId">
      <arg name="machine_uuid" type="s" direction="out"/>
    </method>
  </interface>
  <interface name="${PROPERTIES_INTERFACE}">
    <method name="Get">
      <arg name="interface_name" type="s" direction="in"/>
      <arg name="property_name" type="s" direction="in"/>
      <arg name="value" type="v" direction="out"/>
    </method>
    <method name="GetAll">
      <arg name="interface_name" type="s" direction="in"/>
      <arg name="props" type="a{sv}" direction="out"/>
    </method>
    <method name="Set">
      <arg name="interface_name" type="s" direction="in"/>
      <arg name="property_name" type="s" direction="in"/>
      <arg name="value" type="v" direction="in"/>
    </method>
    <signal name="PropertiesChanged">
      <arg name="interface_name" type="s"/>
      <arg name="changed_properties" type="a{sv}"/>
      <arg name="invalidated_properties" type="as"/>
    </signal>
  </interface>
${interfaceXml()}
</node>
`;
}

/** Introspection of a path above the object ("/", "/org", ...): just the way down. */
function ancestorXml(path: string): string | null {
  if (!(`${OBJECT_PATH}/`.startsWith(path === '/' ? '/' : `${path}/`)) || path === OBJECT_PATH) return null;
  const rest = OBJECT_PATH.slice(path === '/' ? 1 : path.length + 1);
  return `${DOCTYPE}\n<node>\n  <node name="${rest.split('/')[0]}"/>\n</node>\n`;
}

const inputSignature = (spec: MethodSpec) => spec.in.map(([, signature]) => signature).join('');
const outputSignature = (spec: MethodSpec) => spec.out.map(([, signature]) => signature).join('');

/** A method's body; null when it refused the call itself (and has answered it). */
type Handler = (args: readonly unknown[], actor: number | null, call: Message) => Promise<readonly unknown[] | Buffer | null> | readonly unknown[] | Buffer;

export interface DbusService {
  /** Pass to every pipeline: turns bans and attacks into signals. */
  readonly observer: PipelineObserver;
  /** Takes the bus name and announces DaemonStarted; rejects when another process owns the name. */
  start(): Promise<void>;
  /** Announces DaemonStopping and Running=false, and lets the name go. */
  stop(): Promise<void>;
}

export function createDbusService(options: { readonly bus: BusConnection; readonly api: Api; readonly authorizer: Authorizer; readonly logger: Logger }): DbusService {
  const { bus, api, authorizer, logger } = options;

  // --- GetBans: encoded in pages, shared by concurrent callers, cached until a ban changes --------
  let generation = 0;
  let cached: { generation: number; body: Promise<Buffer> } | null = null;
  const encodeBans = async (): Promise<Buffer> => {
    const writer = new Writer();
    const outer = parseSignature('aa{sv}')[0]!;
    const lengthAt = writer.beginArray(outer.children[0]!);
    for (const page of api.banPages(BAN_PAGE)) {
      for (const ban of page) writeFields(writer, BAN_FIELDS, ban);
      await new Promise((resolve) => setImmediate(resolve));
    }
    writer.finishArray(lengthAt, outer.children[0]!);
    return Buffer.from(writer.bytes());
  };
  const bansBody = (): Promise<Buffer> => {
    // Expired bans leave the list without a signal: the cache lives at most a second.
    if (cached === null || cached.generation !== generation) {
      const entry = { generation, body: encodeBans() };
      cached = entry;
      entry.body.catch(() => {
        if (cached === entry) cached = null;
      });
      setTimeout(() => {
        if (cached === entry) cached = null;
      }, 1000).unref();
    }
    return cached.body;
  };

  const dictionaries = <T extends Parameters<typeof toVariants>[0]>(table: T, records: readonly Parameters<typeof toVariants<T>>[1][]) =>
    records.map((record) => toVariants(table, record));

  const handlers: Record<MethodName, Handler> = {
    Status: () => [toVariants(STATUS_FIELDS, api.status())],
    Ban: async ([ip, duration, reason], actor) => [await api.ban(actor, ip as string, duration as number, reason as string)],
    Unban: async ([ip], actor) => [await api.unban(actor, ip as string)],
    ExtendBan: async ([ip, duration], actor) => [await api.extendBan(actor, ip as string, duration as number)],
    GetBans: () => bansBody(),
    IsBanned: ([ip]) => [api.isBanned(ip as string)],
    WhitelistAdd: async ([address, comment], actor) => [await api.whitelistAdd(actor, address as string, comment as string)],
    WhitelistRemove: async ([address], actor) => [await api.whitelistRemove(actor, address as string)],
    GetWhitelist: () => [dictionaries(WHITELIST_FIELDS, api.getWhitelist())],
    GetEvents: ([limit, since]) => [dictionaries(EVENT_FIELDS, api.getEvents(limit as number, since as number))],
    GetActivity: ([limit]) => [dictionaries(ACTIVITY_FIELDS, api.getActivity(limit as number))],
    GetStats: () => [toVariants(STATS_FIELDS, api.getStats())],
    GetServices: () => [dictionaries(SERVICE_FIELDS, api.getServices())],
    // Reading what is known is open; asking remote sources spends the helper's API quotas and
    // traffic, so only callers who may manage the helper start lookups (refresh says so explicitly).
    GetIntel: async ([ip, refresh], _actor, call) => {
      const address = ip as string;
      let gather = false;
      if (refresh === true) {
        if ((await authorize(call, 'GetIntel', { interactive: true })) === null) return null;
        gather = true;
      } else {
        const caller = await callerOf(bus, call.sender!);
        gather = caller.uid === 0 || (await authorizer.check(caller, { interactive: false })).allowed;
      }
      return [toOptionalVariants(INTEL_FIELDS, await api.getIntel(address, { refresh: refresh === true, gather }))];
    },
    Flush: async (_, actor) => [await api.flush(actor)],
    Reload: async (_, actor) => {
      await api.reload(actor);
      return [];
    },
  };

  const refuse = (call: Message, error: unknown, member: string) => {
    if (error instanceof OperationError) {
      bus.replyError(call, ErrorName[error.kind], error.message);
      return;
    }
    logger.error('a D-Bus call failed', { method: member, error: String(error) });
    bus.replyError(call, ErrorName.Failed, error instanceof Error ? error.message : String(error));
  };

  /** The caller's uid when authorised; otherwise answers the call with the refusal and gives null. */
  const authorize = async (call: Message, member: MethodName, options: { interactive: boolean }): Promise<number | null> => {
    const caller = await callerOf(bus, call.sender!);
    const interactive = options.interactive && ((call.flags ?? 0) & MessageFlag.allowInteractiveAuthorization) !== 0;
    const verdict = await authorizer.check(caller, { interactive });
    if (!verdict.allowed) {
      logger.warn('refused a call', { method: member, uid: caller.uid, reason: verdict.why, action: 'deny' });
      bus.replyError(call, verdict.interactive ? BusErrorName.interactiveAuthorizationRequired : ErrorName.NotAuthorized, `${member}: ${verdict.why}`);
      return null;
    }
    logger.info('authorised a call', { method: member, uid: caller.uid, via: verdict.via });
    return caller.uid;
  };

  const runMethod = async (call: Message, member: MethodName) => {
    const spec: MethodSpec = METHODS[member];
    let actor: number | null = null;
    if (spec.mutating) {
      const uid = await authorize(call, member, { interactive: true });
      if (uid === null) return;
      actor = uid;
    }
    const result = await handlers[member](call.body ?? [], actor, call);
    // A handler that authorised by itself and refused has already answered.
    if (result === null) return;
    if (Buffer.isBuffer(result)) bus.reply(call, outputSignature(spec), [], result);
    else bus.reply(call, outputSignature(spec), result);
  };

  const properties = (): Map<string, Variant> => {
    const values = api.properties();
    return new Map((Object.keys(PROPERTIES) as PropertyName[]).map((name) => [name, new Variant(PROPERTIES[name].signature, values[name])]));
  };

  const onCall = (call: Message) => {
    const member = call.member ?? '';
    const signature = call.signature ?? '';
    if (call.path !== OBJECT_PATH) {
      const xml = member === 'Introspect' && (call.interface ?? INTROSPECTABLE) === INTROSPECTABLE ? ancestorXml(call.path ?? '') : null;
      if (xml !== null) bus.reply(call, 's', [xml]);
      else bus.replyError(call, BusErrorName.unknownObject, `no object at ${call.path}`);
      return;
    }
    const iface = call.interface ?? (member in METHODS ? INTERFACE : '');
    if (iface === INTROSPECTABLE && member === 'Introspect' && signature === '') {
      bus.reply(call, 's', [introspectionXml()]);
    } else if (iface === PEER && member === 'Ping' && signature === '') {
      bus.reply(call);
    } else if (iface === PEER && member === 'GetMachineId' && signature === '') {
      let id = '';
      try {
        id = readFileSync('/etc/machine-id', 'utf8').trim();
      } catch {
        // No machine id: an empty answer rather than an error.
      }
      bus.reply(call, 's', [id]);
    } else if (iface === PROPERTIES_INTERFACE) {
      const [target, name] = call.body ?? [];
      if (member === 'Get' && signature === 'ss') {
        const value = target === INTERFACE ? properties().get(name as string) : undefined;
        if (value === undefined) bus.replyError(call, BusErrorName.unknownProperty, `no property ${String(name)} on ${String(target)}`);
        else bus.reply(call, 'v', [value]);
      } else if (member === 'GetAll' && signature === 's') {
        bus.reply(call, 'a{sv}', [target === INTERFACE ? properties() : new Map()]);
      } else if (member === 'Set' && signature === 'ssv') {
        bus.replyError(call, BusErrorName.propertyReadOnly, 'the properties of the helper are read-only');
      } else {
        bus.replyError(call, BusErrorName.unknownMethod, `no method ${member}(${signature}) on ${PROPERTIES_INTERFACE}`);
      }
    } else if (iface === INTERFACE && Object.hasOwn(METHODS, member)) {
      const spec: MethodSpec = METHODS[member as MethodName];
      const expected = inputSignature(spec);
      if (signature !== expected) {
        bus.replyError(call, BusErrorName.invalidArgs, `${member} takes (${expected}), got (${signature})`);
        return;
      }
      runMethod(call, member as MethodName).catch((error: unknown) => refuse(call, error, member));
    } else if (iface === INTERFACE) {
      bus.replyError(call, BusErrorName.unknownMethod, `no method ${member} on ${INTERFACE}`);
    } else {
      bus.replyError(call, BusErrorName.unknownInterface, `no interface ${iface} on ${OBJECT_PATH}`);
    }
  };

  const emit = <Name extends SignalName>(name: Name, ...args: SignalArguments[Name]) => {
    if (!bus.isOpen) return;
    const signature = SIGNALS[name].map(([, type]) => type).join('');
    try {
      bus.send({ type: MessageType.signal, path: OBJECT_PATH, interface: INTERFACE, member: name, signature, body: args });
    } catch (error) {
      logger.warn('could not send a signal', { signal: name, error: String(error) });
    }
  };

  // --- AttackDetected, limited ------------------------------------------------------------------
  const lastAttackSignal = new Map<string, number>();
  let attackSecond = 0;
  let attackSignalsThisSecond = 0;

  // --- PropertiesChanged, coalesced ---------------------------------------------------------------
  let announced = { ActiveBanCount: -1, EventsProcessed: -1 };
  const announceProperties = () => {
    const values = api.properties();
    const changed = new Map<string, Variant>();
    if (values.ActiveBanCount !== announced.ActiveBanCount) changed.set('ActiveBanCount', new Variant('t', values.ActiveBanCount));
    if (values.EventsProcessed !== announced.EventsProcessed) changed.set('EventsProcessed', new Variant('t', values.EventsProcessed));
    announced = { ActiveBanCount: values.ActiveBanCount, EventsProcessed: values.EventsProcessed };
    if (changed.size > 0 && bus.isOpen) {
      bus.send({ type: MessageType.signal, path: OBJECT_PATH, interface: PROPERTIES_INTERFACE, member: 'PropertiesChanged', signature: 'sa{sv}as', body: [INTERFACE, changed, []] });
    }
  };
  let propertyTimer: NodeJS.Timeout | null = null;

  const observer: PipelineObserver = {
    banAdded(ban) {
      generation++;
      emit('BanAdded', ban.address, ban.reason, ban.source, ban.seconds);
    },
    banRemoved(address, reason) {
      generation++;
      emit('BanRemoved', address, reason);
    },
    // Its own signal, not BanAdded: the same ban with a new end, which open views can patch in place.
    banExtended(ban) {
      generation++;
      emit('BanExtended', ban.address, ban.expiresAt === null ? 0 : Math.floor(ban.expiresAt / 1000));
    },
    attack(failure) {
      const current = Date.now();
      const key = `${failure.address} ${failure.service}`;
      if (current - (lastAttackSignal.get(key) ?? -Infinity) < ATTACK_SIGNAL_WINDOW_MS) return;
      const second = Math.floor(current / 1000);
      if (second !== attackSecond) {
        attackSecond = second;
        attackSignalsThisSecond = 0;
      }
      if (attackSignalsThisSecond >= ATTACK_SIGNALS_PER_SECOND) return;
      attackSignalsThisSecond++;
      if (lastAttackSignal.size >= 10_000) lastAttackSignal.clear();
      lastAttackSignal.set(key, current);
      emit('AttackDetected', failure.address, failure.service, failure.eventType);
    },
  };

  return {
    observer,
    async start() {
      bus.on('call', onCall);
      // DO_NOT_QUEUE: a second helper must fail to start, not wait in line.
      const reply = await bus.callBus('RequestName', 'su', [BUS_NAME, 4]);
      const outcome = reply.body![0] as number;
      if (outcome !== 1 && outcome !== 4) {
        bus.off('call', onCall);
        throw new BusError(BusErrorName.accessDenied, `another process owns ${BUS_NAME} on the bus`);
      }
      emit('DaemonStarted');
      announceProperties();
      propertyTimer = setInterval(announceProperties, PROPERTY_INTERVAL_MS);
      propertyTimer.unref();
    },
    async stop() {
      if (propertyTimer) clearInterval(propertyTimer);
      if (!bus.isOpen) return;
      emit('DaemonStopping');
      bus.send({
        type: MessageType.signal,
        path: OBJECT_PATH,
        interface: PROPERTIES_INTERFACE,
        member: 'PropertiesChanged',
        signature: 'sa{sv}as',
        body: [INTERFACE, new Map([['Running', new Variant('b', false)]]), []],
      });
      await bus.callBus('ReleaseName', 's', [BUS_NAME]).catch(() => undefined);
      bus.off('call', onCall);
    },
  };
}

