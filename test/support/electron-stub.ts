// A recording stand-in for the 'electron' module, so the main process (electron/main/index.ts,
// compiled) can run under plain Node: every API it calls is here, does nothing real, and is noted
// in `recorded`. electron-hook.ts maps `import ... from 'electron'` to this file for the app's own
// modules only; electron-main-run.ts drives it. Only what index.ts uses is stubbed.
import { EventEmitter } from 'node:events';

/** This module's URL, for the resolution hook (the same instance the driver imports). */
export const STUB_URL = import.meta.url;

type Handler = (...args: unknown[]) => unknown;

export interface Call {
  /** e.g. "protocol.registerSchemesAsPrivileged". */
  readonly api: string;
  readonly args: readonly unknown[];
  /** Whether app.whenReady() had resolved when the call was made. */
  readonly ready: boolean;
}

let markReady: () => void = () => undefined;
const readyPromise = new Promise<void>((resolve) => (markReady = resolve));

/** What the test decides. */
export const control = {
  /** What app.getPath('userData') answers. */
  userData: '',
  ready: false,
  /** Resolves app.whenReady(). */
  makeReady(): void {
    control.ready = true;
    markReady();
  },
};

export const recorded = {
  /** Every call, in order. */
  calls: [] as Call[],
  protocolHandlers: new Map<string, Handler>(),
  ipcHandlers: new Map<string, Handler>(),
  permissionRequestHandlers: [] as Handler[],
  permissionCheckHandlers: [] as Handler[],
  windows: [] as BrowserWindow[],
  trays: [] as Tray[],
  notifications: [] as Notification[],
};

function note(api: string, ...args: unknown[]): void {
  recorded.calls.push({ api, args, ready: control.ready });
}

let nextWebContentsId = 1;

export class WebContents extends EventEmitter {
  readonly id = nextWebContentsId++;
  windowOpenHandler: Handler | null = null;
  send(channel: string, ...args: unknown[]): void {
    note('webContents.send', channel, ...args);
  }
  isLoading(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return false;
  }
  setWindowOpenHandler(handler: Handler): void {
    note('webContents.setWindowOpenHandler', this.id);
    this.windowOpenHandler = handler;
  }
}

class StubApp extends EventEmitter {
  readonly isPackaged = false;
  requestSingleInstanceLock(): boolean {
    note('app.requestSingleInstanceLock');
    return true;
  }
  whenReady(): Promise<void> {
    note('app.whenReady');
    return readyPromise;
  }
  isReady(): boolean {
    return control.ready;
  }
  getPath(name: string): string {
    note('app.getPath', name);
    if (name !== 'userData' || control.userData === '') throw new Error(`the stub has no path for ${name}`);
    return control.userData;
  }
  getAppPath(): string {
    return process.cwd();
  }
  /** As Electron does: before-quit first (the stub closes no windows and ends nothing itself). */
  quit(): void {
    note('app.quit');
    this.emit('before-quit', { defaultPrevented: false, preventDefault() {} });
  }
}

export const app = new StubApp();

export class BrowserWindow extends EventEmitter {
  readonly webContents = new WebContents();
  readonly loaded: string[] = [];
  constructor(readonly options: Record<string, unknown> = {}) {
    super();
    note('new BrowserWindow', options);
    recorded.windows.push(this);
    // Electron announces every new page, the window's own included.
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string): Promise<void> {
    note('BrowserWindow.loadURL', url);
    this.loaded.push(url);
    return Promise.resolve();
  }
  isDestroyed(): boolean {
    return false;
  }
  show(): void {
    note('BrowserWindow.show');
  }
  hide(): void {
    note('BrowserWindow.hide');
  }
  focus(): void {
    note('BrowserWindow.focus');
  }
}

export const ipcMain = {
  handle(channel: string, handler: Handler): void {
    note('ipcMain.handle', channel);
    // Electron refuses a second handler for a channel.
    if (recorded.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    recorded.ipcHandlers.set(channel, handler);
  },
  on(channel: string): void {
    note('ipcMain.on', channel);
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown): void {
    note('protocol.registerSchemesAsPrivileged', schemes);
  },
  handle(scheme: string, handler: Handler): void {
    note('protocol.handle', scheme);
    recorded.protocolHandlers.set(scheme, handler);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(handler: Handler): void {
      note('session.setPermissionRequestHandler');
      recorded.permissionRequestHandlers.push(handler);
    },
    setPermissionCheckHandler(handler: Handler): void {
      note('session.setPermissionCheckHandler');
      recorded.permissionCheckHandlers.push(handler);
    },
  },
};

export const nativeImage = {
  createFromPath(path: string): { readonly path: string } {
    note('nativeImage.createFromPath', path);
    return { path };
  },
};

export interface MenuItem {
  readonly label?: string;
  readonly type?: string;
  readonly click?: () => void;
  readonly submenu?: readonly MenuItem[];
}

export const Menu = {
  buildFromTemplate(template: readonly MenuItem[]): { readonly template: readonly MenuItem[] } {
    note('Menu.buildFromTemplate', template);
    return { template };
  },
};

export class Tray extends EventEmitter {
  images: unknown[] = [];
  toolTip = '';
  contextMenu: { readonly template: readonly MenuItem[] } | null = null;
  constructor(image: unknown) {
    super();
    note('new Tray', image);
    this.images.push(image);
    recorded.trays.push(this);
  }
  setImage(image: unknown): void {
    note('Tray.setImage', image);
    this.images.push(image);
  }
  setToolTip(text: string): void {
    note('Tray.setToolTip', text);
    this.toolTip = text;
  }
  setContextMenu(menu: { readonly template: readonly MenuItem[] }): void {
    note('Tray.setContextMenu', menu);
    this.contextMenu = menu;
  }
}

export class Notification extends EventEmitter {
  static isSupported(): boolean {
    return true;
  }
  constructor(readonly options: Record<string, unknown>) {
    super();
    note('new Notification', options);
    recorded.notifications.push(this);
  }
  show(): void {
    note('Notification.show');
  }
}
