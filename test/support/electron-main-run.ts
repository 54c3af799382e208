// Runs the real, compiled main process (dist/electron/main/index.js) under plain Node against the
// recording Electron stub, pokes what it wired the way Electron would, and prints what came back as
// JSON (a WiringReport) on file descriptor 3. It judges nothing: test/unit/electron/main-wiring.test.ts
// spawns it and asserts. Runs compiled only (node dist/test/support/electron-main-run.js --show PLAN),
// in a process of its own, since index.js starts the app when imported.
// Last step: Quit from the tray menu; after that the process must end by itself.
import { writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { register } from 'node:module';
import { channelOf } from '../../electron/bridge.js';
import type { ElectronHookData } from './electron-hook.js';
import { control, recorded, STUB_URL, type MenuItem } from './electron-stub.js';

/** Who sends an IPC message: the app's window or another page, from which frame on which URL. */
export interface SenderSpec {
  readonly contents: 'window' | 'other';
  /** null: the frame is gone. */
  readonly frameUrl: string | null;
  readonly subframe: boolean;
}

export interface WiringPlan {
  /** Tried as will-navigate and as will-redirect on the window's page. */
  readonly navigations: readonly string[];
  /** Requested through the handler of the app: scheme. */
  readonly files: readonly string[];
  readonly permissions: readonly string[];
  /** Run after the helper link has left "connecting". */
  readonly invocations: readonly { readonly channel: string; readonly sender: SenderSpec; readonly args: readonly unknown[] }[];
}

export interface WiringReport {
  readonly callsBeforeReady: readonly { readonly api: string; readonly args: readonly unknown[] }[];
  readonly schemeRegistrations: readonly { readonly schemes: unknown; readonly ready: boolean }[];
  readonly protocolSchemes: readonly string[];
  readonly windows: readonly { readonly options: Record<string, unknown>; readonly loaded: readonly string[] }[];
  readonly navigation: readonly { readonly url: string; readonly navigatePrevented: boolean; readonly redirectPrevented: boolean }[];
  readonly webviewPrevented: boolean;
  readonly windowOpen: unknown;
  readonly permissionRequestHandlers: number;
  readonly permissionCheckHandlers: number;
  readonly permissions: readonly { readonly permission: string; readonly requestAnswers: readonly unknown[]; readonly checkAnswer: unknown }[];
  readonly handledChannels: readonly string[];
  readonly ipcListeners: readonly string[];
  /** What 'connection' answered the window once the link had tried the bus. */
  readonly connection: unknown;
  readonly invocations: readonly { readonly channel: string; readonly sender: SenderSpec; readonly args: readonly unknown[]; readonly answer: unknown }[];
  readonly files: readonly { readonly url: string; readonly status: number; readonly headers: Record<string, string>; readonly body: string }[];
  readonly trays: readonly { readonly images: readonly unknown[]; readonly toolTip: string; readonly menu: readonly string[] | null }[];
  /** Closing the window before Quit (it should only hide). */
  readonly closePreventedBeforeQuit: boolean | null;
  readonly quitClicked: boolean;
  readonly closePreventedAfterQuit: boolean | null;
}

const plan = JSON.parse(process.argv[3] ?? '') as WiringPlan;
const root = new URL('../../../', import.meta.url);
const indexUrl = new URL('dist/electron/main/index.js', root);

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** An Electron event (the navigation ones carry the URL too). */
const electronEvent = (extra: Record<string, unknown> = {}) => ({
  ...extra,
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
  },
});

control.userData = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'Croissant2Ban');
register<ElectronHookData>(new URL('./electron-hook.js', import.meta.url), {
  data: { stub: STUB_URL, scopes: [new URL('dist/electron/', root).href, new URL('electron/', root).href] },
});

await import(indexUrl.href);
const callsBeforeReady = recorded.calls.map(({ api, args }) => ({ api, args }));
control.makeReady();
await tick();

const window = recorded.windows[0];
const contents = window?.webContents;

const navigation = plan.navigations.map((url) => {
  const navigate = electronEvent({ url });
  const redirect = electronEvent({ url });
  contents?.emit('will-navigate', navigate, url);
  contents?.emit('will-redirect', redirect, url);
  return { url, navigatePrevented: navigate.defaultPrevented, redirectPrevented: redirect.defaultPrevented };
});
const webview = electronEvent();
contents?.emit('will-attach-webview', webview, {}, { src: 'https://example.com/' });
const windowOpen = contents?.windowOpenHandler?.({ url: 'https://example.com/', frameName: '', features: '', disposition: 'new-window' }) ?? null;

const permissions = plan.permissions.map((permission) => {
  const requestAnswers: unknown[] = [];
  for (const handler of recorded.permissionRequestHandlers) handler(contents, permission, (granted: unknown) => requestAnswers.push(granted), {});
  const check = recorded.permissionCheckHandlers.at(-1);
  return { permission, requestAnswers, checkAnswer: check ? check(contents, permission, 'app://croissant2ban', {}) : null };
});

const invoke = async (channel: string, sender: SenderSpec, args: readonly unknown[]) => {
  const handler = recorded.ipcHandlers.get(channel);
  if (!handler || !contents) return 'no handler or no window';
  const frame = sender.frameUrl === null ? null : { url: sender.frameUrl, parent: sender.subframe ? { url: sender.frameUrl, parent: null } : null };
  const event = { sender: { id: sender.contents === 'window' ? contents.id : contents.id + 100 }, senderFrame: frame, processId: 1, frameId: 1 };
  return await handler(event, ...args);
};

// The link tries the (absent) bus at start; wait until it has given up once.
const appSender: SenderSpec = { contents: 'window', frameUrl: 'app://croissant2ban/index.html', subframe: false };
let connection: unknown = null;
for (let waited = 0; waited < 5_000; waited += 20) {
  connection = await invoke(channelOf('connection'), appSender, []);
  if ((connection as { state?: unknown } | null)?.state !== 'connecting') break;
  await pause(20);
}

const invocations = [];
for (const { channel, sender, args } of plan.invocations) invocations.push({ channel, sender, args, answer: await invoke(channel, sender, args) });

const files = [];
const serve = recorded.protocolHandlers.get('app');
for (const url of plan.files) {
  if (!serve) break;
  const response = (await serve(new Request(url))) as Response;
  files.push({ url, status: response.status, headers: Object.fromEntries(response.headers), body: Buffer.from(await response.arrayBuffer()).toString('base64') });
}

const labels = (items: readonly MenuItem[]): string[] => items.map((item) => item.label ?? `(${item.type ?? 'normal'})`);
const trays = recorded.trays.map((tray) => ({ images: tray.images, toolTip: tray.toolTip, menu: tray.contextMenu ? labels(tray.contextMenu.template) : null }));

const close = () => {
  if (!window) return null;
  const event = electronEvent();
  window.emit('close', event);
  return event.defaultPrevented;
};
const closePreventedBeforeQuit = close();
const quit = recorded.trays[0]?.contextMenu?.template.find((item) => item.label === 'Quit');
quit?.click?.();
await tick();
const quitClicked = recorded.calls.some((call) => call.api === 'app.quit');

const report: WiringReport = {
  callsBeforeReady,
  schemeRegistrations: recorded.calls.filter((call) => call.api === 'protocol.registerSchemesAsPrivileged').map((call) => ({ schemes: call.args[0], ready: call.ready })),
  protocolSchemes: [...recorded.protocolHandlers.keys()],
  windows: recorded.windows.map((each) => ({ options: each.options, loaded: each.loaded })),
  navigation,
  webviewPrevented: webview.defaultPrevented,
  windowOpen,
  permissionRequestHandlers: recorded.permissionRequestHandlers.length,
  permissionCheckHandlers: recorded.permissionCheckHandlers.length,
  permissions,
  handledChannels: recorded.calls.filter((call) => call.api === 'ipcMain.handle').map((call) => String(call.args[0])),
  ipcListeners: recorded.calls.filter((call) => call.api === 'ipcMain.on').map((call) => String(call.args[0])),
  connection,
  invocations,
  files,
  trays,
  closePreventedBeforeQuit,
  quitClicked,
  closePreventedAfterQuit: close(),
};
// stdout and stderr stay the app's own (warnings); the report has a pipe of its own.
const bytes = Buffer.from(`${JSON.stringify(report)}\n`);
for (let offset = 0; offset < bytes.length; ) {
  try {
    offset += writeSync(3, bytes, offset);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  }
}
// Nothing more here: whatever keeps the process alive now is the app's.
