// The app's window in real Chromium, wired to a real helper: the built renderer is served on
// loopback, the page gets the bridge that the preload builds (electron/preload/create-bridge.ts,
// bundled here), and its transport goes to a desktop host process (desktop-host.ts) that runs the
// main process's link and operations over the real typed client. Only the Electron shell is left
// out: it cannot run here.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import type { HelperEvent } from '../../electron/bridge.js';
import { desktopHostScript } from './desktop-host.js';
import { repositoryRoot } from './paths.js';
import { waitFor } from './wait.js';
import { launchChromium, RENDERER_APP, serveDirectory } from './renderer-browser.js';

/** Where the end-to-end tests save what the user sees (named in the README). */
export const SCREENSHOTS = join(repositoryRoot, 'artifacts', 'screenshots');

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
  /** Errors the page reported: console errors (CSP violations among them) and uncaught exceptions. */
  readonly problems: string[];
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

  const server = await serveDirectory(RENDERER_APP);
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
  const problems: string[] = [];
  opened.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  opened.on('pageerror', (error) => problems.push(`exception: ${error.message}`));
  page = opened;
  await opened.goto(`${server.url}/${options.path ?? ''}`);
  mkdirSync(SCREENSHOTS, { recursive: true });

  return {
    page: opened,
    events,
    problems,
    hostOutput: () => stderr,
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${name}-${options.colorScheme}.png`);
      // What the user sees once it has settled: nothing loading, no panel half-way in.
      await waitFor(async () => !/Loading|Locating/.test(await opened.locator('body').innerText()), { what: 'the page to finish loading', timeoutMs: 10_000 }).catch(() => undefined);
      await opened.screenshot({ path, animations: 'disabled' });
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
