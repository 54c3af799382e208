// Electron main process: arrives with the desktop app issue.
export {};
