// The preload of the app's window (sandboxed, context-isolated; bundled into one CommonJS file at
// build time because a sandboxed preload cannot load other files). It exposes the typed bridge and
// nothing else: no ipcRenderer, no generic send.
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_NAME } from '../bridge.js';
import { createBridge } from './create-bridge.js';

contextBridge.exposeInMainWorld(
  BRIDGE_NAME,
  createBridge({
    invoke: (channel, args) => ipcRenderer.invoke(channel, ...args),
    subscribe(channel, listener) {
      // The event object is dropped: it carries `sender`, which must not reach the page.
      const handler = (_event: Electron.IpcRendererEvent, message: unknown) => listener(message);
      ipcRenderer.on(channel, handler);
      return () => ipcRenderer.removeListener(channel, handler);
    },
  }),
);
