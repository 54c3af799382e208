// A HelperClient for the Electron main-process tests: it records every call, answers with what the
// test asks (a value, or an error), and keeps its listeners so the test can fire signals, property
// changes, owner changes and the close of the connection itself.
import type { DaemonApi, PropertyValues, SignalArguments, SignalName } from '../../../helper/protocol/index.js';
import type { HelperClient } from '../../../electron/main/helper-link.js';

export type ApiMethod = keyof DaemonApi;

export interface RecordedCall {
  readonly method: ApiMethod;
  readonly args: readonly unknown[];
}

type Listener = (...args: never[]) => void;

export class FakeHelperClient implements HelperClient {
  readonly calls: RecordedCall[] = [];
  /** What each API method answers; by default `{ reply: method }`. Throw in it to fail the call. */
  answer: (method: ApiMethod, args: readonly unknown[]) => unknown = (method) => ({ reply: method });
  /** What available() answers (an Error is thrown). */
  availability: boolean | Error = true;
  /** Makes on()/onOwnerChanged()/... reject, as a subscription the bus refuses. */
  subscribeError: Error | null = null;
  closeCount = 0;
  availableCalls = 0;

  private readonly signalListeners = new Map<SignalName, Listener[]>();
  private readonly propertyListeners: ((changed: Partial<PropertyValues>) => void)[] = [];
  private readonly ownerListeners: ((running: boolean) => void)[] = [];
  private readonly closeListeners: ((error: Error | null) => void)[] = [];

  // --- what the test drives ------------------------------------------------------------------------

  signal<Name extends SignalName>(name: Name, ...args: SignalArguments[Name]): void {
    for (const listener of this.signalListeners.get(name) ?? []) (listener as (...values: SignalArguments[Name]) => void)(...args);
  }

  propertiesChanged(changed: Partial<PropertyValues>): void {
    for (const listener of this.propertyListeners) listener(changed);
  }

  ownerChanged(running: boolean): void {
    for (const listener of this.ownerListeners) listener(running);
  }

  /** The bus connection ends (null: closed without an error). */
  drop(error: Error | null): void {
    for (const listener of this.closeListeners) listener(error);
  }

  listenerCount(): number {
    let count = this.propertyListeners.length + this.ownerListeners.length + this.closeListeners.length;
    for (const listeners of this.signalListeners.values()) count += listeners.length;
    return count;
  }

  get closed(): boolean {
    return this.closeCount > 0;
  }

  // --- HelperClient ----------------------------------------------------------------------------------

  async on<Name extends SignalName>(name: Name, listener: (...args: SignalArguments[Name]) => void): Promise<void> {
    if (this.subscribeError) throw this.subscribeError;
    const listeners = this.signalListeners.get(name) ?? [];
    listeners.push(listener as Listener);
    this.signalListeners.set(name, listeners);
  }

  async onPropertiesChanged(listener: (changed: Partial<PropertyValues>) => void): Promise<void> {
    if (this.subscribeError) throw this.subscribeError;
    this.propertyListeners.push(listener);
  }

  async onOwnerChanged(listener: (running: boolean) => void): Promise<void> {
    if (this.subscribeError) throw this.subscribeError;
    this.ownerListeners.push(listener);
  }

  onClose(listener: (error: Error | null) => void): void {
    this.closeListeners.push(listener);
  }

  async available(): Promise<boolean> {
    this.availableCalls++;
    if (this.availability instanceof Error) throw this.availability;
    return this.availability;
  }

  close(): void {
    this.closeCount++;
  }

  private async call(method: ApiMethod, args: readonly unknown[]): Promise<never> {
    this.calls.push({ method, args });
    return (await this.answer(method, args)) as never;
  }

  status = () => this.call('status', []);
  ban = (ip: string, durationSecs: number, reason: string) => this.call('ban', [ip, durationSecs, reason]);
  unban = (ip: string) => this.call('unban', [ip]);
  extendBan = (ip: string, durationSecs: number) => this.call('extendBan', [ip, durationSecs]);
  getBans = () => this.call('getBans', []);
  isBanned = (ip: string) => this.call('isBanned', [ip]);
  whitelistAdd = (address: string, comment: string) => this.call('whitelistAdd', [address, comment]);
  whitelistRemove = (address: string) => this.call('whitelistRemove', [address]);
  getWhitelist = () => this.call('getWhitelist', []);
  getEvents = (limit: number, since: number) => this.call('getEvents', [limit, since]);
  getActivity = (limit: number) => this.call('getActivity', [limit]);
  getStats = () => this.call('getStats', []);
  getServices = () => this.call('getServices', []);
  getIntel = (ip: string, refresh: boolean) => this.call('getIntel', [ip, refresh]);
  flush = () => this.call('flush', []);
  reload = () => this.call('reload', []);
}
