// The app's window in real Chromium, wired to a real helper: the built renderer is served on
// loopback, the page gets the bridge that the preload builds (electron/preload/create-bridge.ts,
// bundled here), and its transport goes to a desktop host process (desktop-host.ts) that runs the
// main process's link and operations over the real typed client. Only the Electron shell is left
// out: it cannot run here.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { createInterface } from 'node:readline';
import * as esbuild from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { HelperEvent } from '../../electron/bridge.js';
import { CONTENT_SECURITY_POLICY, CONTENT_TYPES } from '../../electron/main/app-files.js';
import { desktopHostScript } from './desktop-host.js';
import { repositoryRoot, temporaryDirectory } from './paths.js';

export const WINDOW_FILES = join(repositoryRoot, 'dist', 'renderer-app');
/** Where the end-to-end tests save what the user sees (named in the README). */
export const SCREENSHOTS = join(repositoryRoot, 'artifacts', 'screenshots');

export const CHROMIUM_ARGUMENTS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Serves the built window on 127.0.0.1 with the app's CSP, as the app:// handler does. */
export async function serveWindow(root = WINDOW_FILES): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = normalize(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).replace(/^\/$/, '/index.html')));
    const contentType = CONTENT_TYPES[extname(path)];
    if (!path.startsWith(root + sep) || contentType === undefined) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(path);
      response.writeHead(200, { 'content-type': contentType, 'content-security-policy': CONTENT_SECURITY_POLICY }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Chromium with a fresh profile in a temp folder. */
export async function launchChromium(options: { colorScheme: 'light' | 'dark'; viewport?: { width: number; height: number } }): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = temporaryDirectory('c2b-chromium-');
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGUMENTS,
    colorScheme: options.colorScheme,
    viewport: options.viewport ?? { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      profile.dispose();
    },
  };
}

/** The preload's bridge, bundled for the page, with a transport to the test process. */
async function bridgeScript(): Promise<string> {
  const glue = `
    import { createBridge } from './create-bridge.ts';
    import { BRIDGE_NAME } from '../bridge.ts';
    const listeners = new Set();
    Object.defineProperty(window, '__croissant2banDeliver', { value: (channel, message) => { for (const entry of listeners) if (entry.channel === channel) entry.listener(message); } });
    const bridge = createBridge({
      invoke: (channel, args) => window.__croissant2banInvoke(channel, args),
      subscribe(channel, listener) { const entry = { channel, listener }; listeners.add(entry); return () => listeners.delete(entry); },
    });
    Object.defineProperty(window, BRIDGE_NAME, { value: Object.freeze(bridge) });`;
  const result = await esbuild.build({
    stdin: { contents: glue, resolveDir: join(repositoryRoot, 'electron', 'preload'), loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    target: 'chrome120',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export interface DesktopUser {
  readonly uid: number;
  readonly gid: number;
}

export interface DesktopPage {
  readonly page: Page;
  /** Every event the host pushed so far. */
  readonly events: HelperEvent[];
  /** What the host wrote to stderr. */
  hostOutput(): string;
  /** Saves a full-page PNG as SCREENSHOTS/<name>-<scheme>.png. */
  screenshot(name: string): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * Opens the window against the helper on `busEnv`'s bus. `user`: run the host (the "main process")
 * as that user instead of root, as a desktop session would.
 */
export async function openDesktopPage(options: { busEnv: NodeJS.ProcessEnv; colorScheme: 'light' | 'dark'; user?: DesktopUser; path?: string }): Promise<DesktopPage> {
  const node = [process.execPath, ...process.execArgv.filter((argument) => !argument.startsWith('--test')), desktopHostScript];
  const argv = options.user ? ['setpriv', `--reuid=${options.user.uid}`, `--regid=${options.user.gid}`, '--clear-groups', '--', ...node] : node;
  const host: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...options.busEnv, HOME: '/nonexistent' }, cwd: repositoryRoot });
  let stderr = '';
  host.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const waiting = new Map<number, (result: unknown) => void>();
  const events: HelperEvent[] = [];
  let page: Page | null = null;
  let serial = 0;
  createInterface({ input: host.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { id?: number; result?: unknown; event?: HelperEvent };
    if (message.event) {
      events.push(message.event);
      page?.evaluate(([channel, event]) => (globalThis as unknown as { __croissant2banDeliver: (channel: string, event: unknown) => void }).__croissant2banDeliver(channel, event), ['croissant2ban:event', message.event] as const).catch(() => undefined);
    } else if (message.id !== undefined) {
      waiting.get(message.id)?.(message.result);
      waiting.delete(message.id);
    }
  });

  const server = await serveWindow();
  const browser = await launchChromium({ colorScheme: options.colorScheme });
  const opened = browser.context.pages()[0] ?? (await browser.context.newPage());
  await opened.exposeFunction('__croissant2banInvoke', (channel: string, args: unknown[]) => {
    const id = ++serial;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      host.stdin!.write(`${JSON.stringify({ id, channel, args })}\n`);
    });
  });
  await opened.addInitScript({ content: await bridgeScript() });
  page = opened;
  await opened.goto(`${server.url}${options.path ?? ''}`);
  mkdirSync(SCREENSHOTS, { recursive: true });

  return {
    page: opened,
    events,
    hostOutput: () => stderr,
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${name}-${options.colorScheme}.png`);
      await opened.screenshot({ path, fullPage: false });
      return path;
    },
    async dispose() {
      page = null;
      await browser.close().catch(() => undefined);
      await server.close();
      host.stdin!.end();
      const exited = new Promise<void>((resolve) => (host.exitCode !== null ? resolve() : host.once('exit', () => resolve())));
      const timer = setTimeout(() => host.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
