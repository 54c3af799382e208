// Which IPC messages the main process answers: only those from the top frame of the app's own
// window showing the app's own pages. A frame that navigated elsewhere (which the window forbids
// anyway), a subframe, or another window gets nothing.

/** The origin the app's pages are served from (a privileged custom scheme, see index.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'croissant2ban';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export interface IpcSender {
  /** URL of the frame that sent the message (null when the frame is gone). */
  readonly frameUrl: string | null;
  /** Whether that frame is the top frame of its page. */
  readonly isMainFrame: boolean;
  /** webContents id of the page that sent it. */
  readonly webContentsId: number;
}

export function isTrustedSender(sender: IpcSender, appWebContentsId: number | null): boolean {
  if (appWebContentsId === null || sender.webContentsId !== appWebContentsId || !sender.isMainFrame || sender.frameUrl === null) return false;
  try {
    const url = new URL(sender.frameUrl);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Whether the app's window may go to `url` (it may only reload its own pages). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}
