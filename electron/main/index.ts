// Electron main process: arrives with the desktop app issue (tray-state.ts and ban-notifications.ts are its first parts).
export {};
