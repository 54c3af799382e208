// A D-Bus connection over a unix socket: EXTERNAL authentication, message framing, method calls
// with replies and time limits, signals and incoming calls. Small on purpose: the protocol this
// project speaks is a handful of methods, and owning the codec keeps big replies fast (wire.ts).
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { decodeMessage, encodeMessage, messageLength, MessageFlag, MessageType, WireError, type Message } from './wire.js';

/** An error reply, or a failure to get one (the connection closed, the time ran out). */
export class BusError extends Error {
  override readonly name = 'BusError';

  /** `name` is the D-Bus error name (org.freedesktop.DBus.Error.ServiceUnknown, ...). */
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

export const BusErrorName = {
  serviceUnknown: 'org.freedesktop.DBus.Error.ServiceUnknown',
  nameHasNoOwner: 'org.freedesktop.DBus.Error.NameHasNoOwner',
  noReply: 'org.freedesktop.DBus.Error.NoReply',
  accessDenied: 'org.freedesktop.DBus.Error.AccessDenied',
  unknownMethod: 'org.freedesktop.DBus.Error.UnknownMethod',
  unknownObject: 'org.freedesktop.DBus.Error.UnknownObject',
  unknownInterface: 'org.freedesktop.DBus.Error.UnknownInterface',
  unknownProperty: 'org.freedesktop.DBus.Error.UnknownProperty',
  propertyReadOnly: 'org.freedesktop.DBus.Error.PropertyReadOnly',
  invalidArgs: 'org.freedesktop.DBus.Error.InvalidArgs',
  disconnected: 'org.freedesktop.DBus.Error.Disconnected',
  noServer: 'org.freedesktop.DBus.Error.NoServer',
  interactiveAuthorizationRequired: 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired',
} as const;

/** The system bus address: DBUS_SYSTEM_BUS_ADDRESS, else the standard socket. */
export function systemBusAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DBUS_SYSTEM_BUS_ADDRESS || 'unix:path=/run/dbus/system_bus_socket';
}

/** The socket path of the first unix: entry of a D-Bus address ("\0name" for abstract sockets). */
export function socketPathOf(address: string): string {
  for (const entry of address.split(';')) {
    if (!entry.startsWith('unix:')) continue;
    const options = new Map(
      entry
        .slice(5)
        .split(',')
        .map((pair) => {
          const equals = pair.indexOf('=');
          return [pair.slice(0, equals), decodeURIComponent(pair.slice(equals + 1))] as const;
        }),
    );
    if (options.has('path')) return options.get('path')!;
    if (options.has('abstract')) return `\0${options.get('abstract')}`;
  }
  throw new BusError(BusErrorName.noServer, `no unix socket in the bus address ${JSON.stringify(address)}`);
}

export interface CallOptions {
  /** Milliseconds before the call fails with NoReply (default 25 s, as libdbus). */
  readonly timeoutMs?: number;
  /** Lets the service ask for a password (polkit) before it answers. */
  readonly allowInteractiveAuthorization?: boolean;
}

export interface CallRequest extends CallOptions {
  readonly destination: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  readonly signature?: string;
  readonly body?: readonly unknown[];
}

const DEFAULT_TIMEOUT_MS = 25_000;

/**
 * One connection to a bus. Emits 'call' (Message) for incoming method calls, 'signal' (Message),
 * and 'close' (Error | null) once, when the socket goes.
 */
export class BusConnection extends EventEmitter {
  private serial = 1;
  private readonly pending = new Map<number, { resolve: (message: Message) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closed: Error | null = null;
  /** The unique name the bus gave us (":1.42"). */
  uniqueName = '';

  private constructor(private readonly socket: Socket) {
    super();
  }

  /** Connects, authenticates and says Hello. Rejects with BusError(NoServer) when nothing listens. */
  static async connect(address: string, options: { timeoutMs?: number } = {}): Promise<BusConnection> {
    const path = socketPathOf(address);
    const socket = createConnection({ path });
    const timeoutMs = options.timeoutMs ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => fail(new BusError(BusErrorName.noServer, `the bus at ${address} did not answer in ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      socket.once('error', (error: NodeJS.ErrnoException) =>
        fail(new BusError(BusErrorName.noServer, `cannot connect to the bus at ${address}: ${error.code ?? error.message}`)),
      );
      socket.once('connect', () => {
        // EXTERNAL without a claimed uid: the bus takes the kernel's word for who we are, which also
        // works from inside a user namespace where our own idea of our uid differs.
        socket.write('\0AUTH EXTERNAL\r\n');
      });
      const onData = (chunk: Buffer) => {
        text += chunk.toString('latin1');
        let newline: number;
        while ((newline = text.indexOf('\r\n')) >= 0) {
          const line = text.slice(0, newline);
          text = text.slice(newline + 2);
          if (line === 'DATA') {
            socket.write('DATA\r\n');
          } else if (line.startsWith('OK ')) {
            clearTimeout(timer);
            socket.off('data', onData);
            socket.removeAllListeners('error');
            socket.write('BEGIN\r\n');
            resolve();
            return;
          } else {
            fail(new BusError(BusErrorName.accessDenied, `the bus refused authentication: ${line}`));
            return;
          }
        }
      };
      socket.on('data', onData);
    });
    const connection = new BusConnection(socket);
    connection.listen();
    const hello = await connection.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
    connection.uniqueName = hello.body![0] as string;
    return connection;
  }

  private listen() {
    this.socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      try {
        this.drain();
      } catch (error) {
        // A message we cannot frame leaves the stream out of step: the connection cannot go on.
        this.socket.destroy(error as Error);
      }
    });
    this.socket.on('error', (error) => this.finish(error));
    this.socket.on('close', () => this.finish(new BusError(BusErrorName.disconnected, 'the bus connection closed')));
  }

  private drain() {
    while (this.buffered >= 16) {
      const head = this.chunks[0]!.length >= 16 ? this.chunks[0]! : this.join();
      const length = messageLength(head)!;
      if (this.buffered < length) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : this.join();
      const bytes = all.subarray(0, length);
      const rest = all.subarray(length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      let message: Message;
      try {
        message = decodeMessage(bytes);
      } catch (error) {
        if (!(error instanceof WireError)) throw error;
        // Framed but not decodable (the bus validates, so this is rare): drop it, keep the stream.
        this.emit('malformed', error);
        continue;
      }
      this.dispatch(message);
    }
  }

  private join(): Buffer {
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }

  private dispatch(message: Message) {
    if (message.type === MessageType.methodReturn || message.type === MessageType.error) {
      const waiting = message.replySerial === undefined ? undefined : this.pending.get(message.replySerial);
      if (waiting === undefined) return;
      this.pending.delete(message.replySerial!);
      clearTimeout(waiting.timer);
      if (message.type === MessageType.error) {
        const text = typeof message.body?.[0] === 'string' ? (message.body[0] as string) : message.errorName ?? 'error';
        waiting.reject(new BusError(message.errorName ?? 'org.freedesktop.DBus.Error.Failed', text));
      } else {
        waiting.resolve(message);
      }
    } else if (message.type === MessageType.signal) {
      this.emit('signal', message);
    } else if (message.type === MessageType.methodCall) {
      this.emit('call', message);
    }
  }

  private finish(error: Error | null) {
    if (this.closed) return;
    this.closed = error ?? new BusError(BusErrorName.disconnected, 'the bus connection closed');
    for (const [, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new BusError(BusErrorName.disconnected, `the bus connection closed: ${this.closed.message}`));
    }
    this.pending.clear();
    this.emit('close', error);
  }

  get isOpen(): boolean {
    return this.closed === null;
  }

  /** Sends a message (a signal, a reply); assigns its serial. */
  send(message: Message): void {
    if (this.closed) throw new BusError(BusErrorName.disconnected, 'the bus connection is closed');
    message.serial = this.serial++;
    this.socket.write(encodeMessage(message));
  }

  /** Calls a method and resolves with the reply; rejects with BusError for an error reply. */
  call(request: CallRequest): Promise<Message> {
    return new Promise((resolve, reject) => {
      const message: Message = {
        type: MessageType.methodCall,
        flags: request.allowInteractiveAuthorization ? MessageFlag.allowInteractiveAuthorization : 0,
        destination: request.destination,
        path: request.path,
        interface: request.interface,
        member: request.member,
        signature: request.signature ?? '',
        body: request.body ?? [],
      };
      try {
        this.send(message);
      } catch (error) {
        reject(error);
        return;
      }
      const serial = message.serial!;
      const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const timer = setTimeout(() => {
        this.pending.delete(serial);
        reject(new BusError(BusErrorName.noReply, `${request.member} got no reply in ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(serial, { resolve, reject, timer });
    });
  }

  /** Replies to a method call (unless the caller asked for no reply). */
  reply(call: Message, signature = '', body: readonly unknown[] = [], encodedBody?: Buffer): void {
    if ((call.flags ?? 0) & MessageFlag.noReplyExpected) return;
    this.send({ type: MessageType.methodReturn, replySerial: call.serial, destination: call.sender, signature, body, ...(encodedBody ? { encodedBody } : {}) });
  }

  replyError(call: Message, errorName: string, text: string): void {
    if ((call.flags ?? 0) & MessageFlag.noReplyExpected) return;
    this.send({ type: MessageType.error, replySerial: call.serial, destination: call.sender, errorName, signature: 's', body: [text] });
  }

  /** A call to the bus itself (org.freedesktop.DBus). */
  callBus(member: string, signature = '', body: readonly unknown[] = []): Promise<Message> {
    return this.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member, signature, body });
  }

  async addMatch(rule: string): Promise<void> {
    await this.callBus('AddMatch', 's', [rule]);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
    this.finish(null);
  }
}
