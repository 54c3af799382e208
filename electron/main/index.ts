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
import type { HelperEvent, Preferences, Result } from '../bridge.js';
import { channelOf, EVENT_CHANNEL } from '../bridge.js';
import { appFileOf, CONTENT_SECURITY_POLICY } from './app-files.js';
import { createAutostart } from './autostart.js';
import { createBanNotifier, type Notice } from './ban-notifications.js';
import { createHelperLink, type Scheduler } from './helper-link.js';
import { attackNotificationText, banNotificationText, type NotificationText } from './notification-text.js';
import { createOperations, OPERATION_NAMES } from './operations.js';
import { createPreferenceStore } from './preferences.js';
import { createRecentBans } from './recent-bans.js';
import { trayMenu, trayTooltip, type TrayAction, type TrayItem } from './tray-menu.js';
import { createTrayState } from './tray-state.js';
import { APP_ORIGIN, APP_SCHEME, isAppUrl, isTrustedSender } from './trusted-sender.js';

const here = dirname(fileURLToPath(import.meta.url));
const WINDOW_FILES = join(here, '..', '..', 'renderer-app');
const PRELOAD = join(here, '..', 'preload.cjs');
const ICONS = join(here, '..', 'icons');
const PAUSE_MS = 3_600_000;
/** A notification waits at most this long for the address's country and network. */
const INTEL_WAIT_MS = 1_500;

const now = () => Date.now();
const scheduler: Scheduler = {
  after(ms, callback) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

// The window's scheme must be known before the app is ready: standard (relative URLs work) and
// secure (a secure context), nothing more.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);

if (!app.requestSingleInstanceLock()) app.quit();
else void app.whenReady().then(start);

function start() {
  let window: BrowserWindow | null = null;
  let quitting = false;
  const trayState = createTrayState({ now });
  const recentBans = createRecentBans();
  const autostart = createAutostart({ configHome: process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), command: autostartCommand() });

  const send = (event: HelperEvent) => {
    if (window && !window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
  };

  const preferences = createPreferenceStore({
    file: join(app.getPath('userData'), 'preferences.json'),
    autostart,
    now,
    warn: (message) => console.warn(message),
    changed(next) {
      applyPause(next);
      send({ type: 'preferences', preferences: next });
      refreshTray();
    },
  });

  const link = createHelperLink({ connect: () => DaemonClient.connect({ interactive: true }), scheduler, now, onEvent: onHelperEvent });
  const operations = createOperations({ link, startHelper: () => startHelperUnit({ interactive: true }), preferences, now });

  // --- notifications -----------------------------------------------------------------------------
  const notify = (text: NotificationText, onClick: () => void) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: text.title, body: text.body, icon: join(ICONS, 'app-64.png') });
    notification.on('click', onClick);
    notification.show();
  };
  const banNotifier = createBanNotifier({ now, scheduler, show: (notice) => void showBan(notice) });
  const attackNotifier = createBanNotifier({ now, scheduler, show: (notice) => notify(attackNotificationText(notice), () => openWindow()) });

  async function showBan(notice: Notice) {
    if (notice.kind === 'burst') {
      notify(banNotificationText(notice), () => openWindow());
      return;
    }
    const ip = notice.ban.address;
    const intel = await Promise.race([
      link.client()?.getIntel(ip, false).catch(() => undefined),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), INTEL_WAIT_MS)),
    ]);
    notify(banNotificationText(notice, { service: recentBans.serviceOf(ip), intel }), () => showAddress(ip));
  }

  function applyPause(current: Preferences) {
    for (const notifier of [banNotifier, attackNotifier]) {
      if (current.notificationsPausedUntil > now()) notifier.pauseUntil(current.notificationsPausedUntil);
      else notifier.resume();
    }
  }

  // --- events from the helper ----------------------------------------------------------------------
  function onHelperEvent(event: HelperEvent) {
    switch (event.type) {
      case 'connection':
        trayState.helperReachable(event.connection.state === 'running');
        if (event.connection.state === 'running') void loadRecentBans();
        break;
      case 'attack':
        recentBans.attack(event.ip, event.service);
        if (preferences.get().attackNotifications) attackNotifier.banAdded({ address: event.ip, reason: `${event.service}: ${event.eventType}`, seconds: 0 });
        break;
      case 'ban-added':
        trayState.banAdded(event.at);
        recentBans.banAdded(event.ip, event.at);
        banNotifier.banAdded({ address: event.ip, reason: event.reason, seconds: event.durationSecs });
        break;
      case 'ban-removed':
        recentBans.banRemoved(event.ip);
        break;
      default:
        break;
    }
    send(event);
    refreshTray();
  }

  /** After a (re)connection, the menu lists the newest bans the helper has. */
  async function loadRecentBans() {
    const bans = await link.client()?.getBans().catch(() => null);
    if (!bans) return;
    bans.sort((left, right) => right.banned_at - left.banned_at);
    recentBans.reset(bans.slice(0, 20).map((ban) => ({ ip: ban.ip, at: ban.banned_at * 1000, service: ban.service || undefined })));
    refreshTray();
  }

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

  function showAddress(ip: string) {
    const shown = openWindow();
    const deliver = () => shown.webContents.send(EVENT_CHANNEL, { type: 'show-address', ip } satisfies HelperEvent);
    if (shown.webContents.isLoading()) shown.webContents.once('did-finish-load', deliver);
    else deliver();
  }

  // --- the tray -----------------------------------------------------------------------------------
  const tray = new Tray(trayIcon('unreachable'));
  tray.on('click', () => openWindow());
  let cancelTrayTimer: (() => void) | null = null;

  function trayIcon(state: string) {
    return nativeImage.createFromPath(join(ICONS, `tray-${state}.png`));
  }

  function refreshTray() {
    const state = trayState.state();
    const current = preferences.get();
    const model = {
      state,
      helperStopped: link.connection().state === 'stopped',
      recentBans: recentBans.list(),
      pausedUntil: current.notificationsPausedUntil || null,
      startAtLogin: current.startAtLogin,
      attackNotifications: current.attackNotifications,
      now: now(),
    };
    tray.setImage(trayIcon(state));
    tray.setToolTip(trayTooltip(model));
    tray.setContextMenu(Menu.buildFromTemplate(trayMenu(model).map(toElectron)));
    // The icon leaves "under attack" by itself when the window after the newest ban ends.
    cancelTrayTimer?.();
    const next = trayState.nextChange();
    cancelTrayTimer = next === null ? null : scheduler.after(next - now() + 50, refreshTray);
  }

  function toElectron(item: TrayItem): MenuItemConstructorOptions {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'submenu':
        return { label: item.label, submenu: item.items.map(toElectron) };
      case 'checkbox':
        return { type: 'checkbox', label: item.label, checked: item.checked, click: () => void run(item.action) };
      default: {
        const action = item.action;
        return { label: item.label, enabled: item.enabled ?? true, ...(action ? { click: () => void run(action) } : {}) };
      }
    }
  }

  async function run(action: TrayAction) {
    const report = (result: unknown, done: string) => {
      const outcome = result as Result<unknown>;
      notify(outcome.ok ? { title: done, body: '' } : { title: 'Croissant2Ban could not do that', body: outcome.error.message }, () => openWindow());
    };
    switch (action.kind) {
      case 'open-window':
        openWindow();
        return;
      case 'show-address':
        showAddress(action.ip);
        return;
      case 'unban':
        report(await operations.invoke('unban', [action.ip]), `${action.ip} unbanned`);
        return;
      case 'whitelist':
        report(await operations.invoke('whitelistAdd', [action.ip, 'whitelisted from the tray']), `${action.ip} whitelisted`);
        return;
      case 'pause-notifications':
        await preferences.update({ notificationsPausedUntil: now() + PAUSE_MS });
        return;
      case 'resume-notifications':
        await preferences.update({ notificationsPausedUntil: 0 });
        return;
      case 'start-at-login':
        await preferences.update({ startAtLogin: action.enabled });
        return;
      case 'attack-notifications':
        await preferences.update({ attackNotifications: action.enabled });
        return;
      case 'start-helper': {
        const result = (await operations.invoke('startHelper', [])) as Result<void>;
        if (!result.ok) report(result, '');
        return;
      }
      case 'quit':
        quitting = true;
        app.quit();
        return;
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
    banNotifier.dispose();
    attackNotifier.dispose();
  });

  applyPause(preferences.get());
  link.start();
  refreshTray();
  if (process.argv.includes('--show')) openWindow();
}

/** What the autostart entry runs: the packaged binary, or Electron with this app in development. */
function autostartCommand(): string[] {
  return app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()];
}
