// The desktop app's main process, wired in one place: one link to the helper over the system bus,
// the bridge operations answered over IPC (sender and arguments checked), the tray icon and its
// menu, notifications, and the window. It runs as the desktop user, never as root; everything
// that changes bans is authorised by the helper (polkit or its group), not trusted from here.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, nativeImage, Notification, protocol, session, Tray, type MenuItemConstructorOptions, type WebContents } from 'electron';
import { DaemonClient } from '../../helper/client/index.js';
import { startHelperUnit } from '../../helper/client/systemd.js';
import type { HelperEvent, Result } from '../bridge.js';
import { channelOf, EVENT_CHANNEL } from '../bridge.js';
import { appFileOf, CONTENT_SECURITY_POLICY } from './app-files.js';
import { createAutostart } from './autostart.js';
import { createDesktop, type Desktop } from './desktop.js';
import { createHelperLink } from './helper-link.js';
import { escapeMarkup } from './notification-text.js';
import { createOperations, OPERATION_NAMES } from './operations.js';
import { createPreferenceStore } from './preferences.js';
import { timerScheduler } from './scheduler.js';
import type { TrayAction, TrayItem } from './tray-menu.js';
import { APP_ORIGIN, APP_SCHEME, isAppUrl, isTrustedSender } from './trusted-sender.js';

const here = dirname(fileURLToPath(import.meta.url));
const WINDOW_FILES = join(here, '..', '..', 'renderer-app');
const PRELOAD = join(here, '..', 'preload.cjs');
const ICONS = join(here, '..', 'icons');

const now = () => Date.now();

// The window's scheme must be known before the app is ready: standard (relative URLs work) and
// secure (a secure context), nothing more.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);

if (!app.requestSingleInstanceLock()) app.quit();
else void app.whenReady().then(start);

function start() {
  let window: BrowserWindow | null = null;
  let quitting = false;
  // Late-bound: the link and the preferences report to the desktop logic, which needs them both.
  let desktop: Desktop | null = null;
  const autostart = createAutostart({ configHome: process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), command: autostartCommand() });
  const preferences = createPreferenceStore({
    file: join(app.getPath('userData'), 'preferences.json'),
    autostart,
    now,
    warn: (message) => console.warn(message),
    changed: (current) => desktop?.preferencesChanged(current),
  });
  const link = createHelperLink({ connect: () => DaemonClient.connect({ interactive: true }), scheduler: timerScheduler, now, onEvent: (event) => desktop?.onHelperEvent(event) });
  const operations = createOperations({ link, startHelper: () => startHelperUnit({ interactive: true }), preferences, now });

  // --- IPC: every message from the window, checked -----------------------------------------------
  const refuse = (): Result<never> => ({ ok: false, error: { kind: 'InvalidRequest', message: 'request from an unknown sender refused' } });
  for (const operation of OPERATION_NAMES) {
    ipcMain.handle(channelOf(operation), (event, ...args: unknown[]) => {
      const frame = event.senderFrame;
      const sender = { frameUrl: frame?.url ?? null, isMainFrame: frame !== null && frame.parent === null, webContentsId: event.sender.id };
      if (!isTrustedSender(sender, window && !window.isDestroyed() ? window.webContents.id : null)) return refuse();
      return operations.invoke(operation, args);
    });
  }

  // --- the window ---------------------------------------------------------------------------------
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileOf(WINDOW_FILES, request.url);
    if (!file) return new Response('not found', { status: 404 });
    try {
      return new Response(await readFile(file.path), { headers: { 'content-type': file.contentType, 'content-security-policy': CONTENT_SECURITY_POLICY } });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
  // The window needs no camera, no notifications API, no geolocation: every permission is refused.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  function openWindow(): BrowserWindow {
    if (window && !window.isDestroyed()) {
      window.show();
      window.focus();
      return window;
    }
    window = new BrowserWindow({
      width: 1200,
      height: 800,
      minWidth: 720,
      minHeight: 480,
      title: 'Croissant2Ban',
      icon: join(ICONS, 'app-256.png'),
      show: false,
      autoHideMenuBar: true,
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false, preload: PRELOAD },
    });
    window.once('ready-to-show', () => window?.show());
    // Closing the window keeps the tray; Quit in the tray menu ends the app.
    window.on('close', (event) => {
      if (!quitting) {
        event.preventDefault();
        window?.hide();
      }
    });
    void window.loadURL(`${APP_ORIGIN}/index.html`);
    return window;
  }

  // --- the tray and notifications -----------------------------------------------------------------
  const tray = new Tray(nativeImage.createFromPath(join(ICONS, 'tray-unreachable.png')));
  tray.on('click', () => openWindow());
  const icons = new Map<string, Electron.NativeImage>();
  const icon = (state: string) => {
    let image = icons.get(state);
    if (!image) icons.set(state, (image = nativeImage.createFromPath(join(ICONS, `tray-${state}.png`))));
    return image;
  };
  // Shown notifications are kept until clicked or closed: one that is garbage-collected loses its click.
  // Bounded, since a desktop that keeps notifications in a tray may never say they closed.
  const shown = new Set<Notification>();
  const KEPT_NOTIFICATIONS = 50;
  const linux = process.platform === 'linux';

  desktop = createDesktop({
    shell: {
      notify(text, onClick) {
        if (!Notification.isSupported()) return;
        // libnotify reads the body as markup, and it carries names the attacker chose (WHOIS, PTR).
        const notification = new Notification({ title: text.title, body: linux ? escapeMarkup(text.body) : text.body, icon: join(ICONS, 'app-64.png') });
        shown.add(notification);
        if (shown.size > KEPT_NOTIFICATIONS) shown.delete(shown.values().next().value!);
        notification.on('click', () => {
          shown.delete(notification);
          onClick();
        });
        notification.on('close', () => shown.delete(notification));
        notification.show();
      },
      showTray(view) {
        tray.setImage(icon(view.icon));
        tray.setToolTip(view.tooltip);
        tray.setContextMenu(Menu.buildFromTemplate(view.menu.map(toElectron)));
      },
      sendToWindow(event) {
        if (window && !window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
      },
      openWindow: () => void openWindow(),
      showAddress(ip) {
        const target = openWindow();
        const deliver = () => target.webContents.send(EVENT_CHANNEL, { type: 'show-address', ip } satisfies HelperEvent);
        if (target.webContents.isLoading()) target.webContents.once('did-finish-load', deliver);
        else deliver();
      },
      quit() {
        quitting = true;
        app.quit();
      },
    },
    link,
    operations,
    preferences,
    now,
    scheduler: timerScheduler,
  });
  const run = (action: TrayAction) => void desktop?.run(action);

  function toElectron(item: TrayItem): MenuItemConstructorOptions {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'submenu':
        return { label: item.label, submenu: item.items.map(toElectron) };
      case 'checkbox':
        return { type: 'checkbox', label: item.label, checked: item.checked, click: () => run(item.action) };
      default: {
        const action = item.action;
        return { label: item.label, enabled: item.enabled ?? true, ...(action ? { click: () => run(action) } : {}) };
      }
    }
  }

  // Every page the app ever creates: no navigation away from the app, no new windows, no webviews.
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  app.on('second-instance', () => openWindow());
  // The tray app lives on with no window open.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', () => {
    quitting = true;
    link.stop();
    desktop?.dispose();
  });

  link.start();
  if (process.argv.includes('--show')) openWindow();
}

/** What the autostart entry runs: the packaged binary, or Electron with this app in development. */
function autostartCommand(): string[] {
  return app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()];
}
