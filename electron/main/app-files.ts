// Which file an app:// request may read: only files inside the built window folder, by a plain
// path (no "..", no encoded slashes, no hidden files), with a type the window needs. Anything else
// is 404, so a compromised page cannot read the user's files through the app's own scheme.
import { extname, join, normalize, sep } from 'node:path';
import { APP_HOST, APP_SCHEME } from './trusted-sender.js';

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** The CSP of every page of the window, sent as a header; index.html repeats it as a meta tag, without frame-ancestors (which a meta tag cannot carry). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function appFileOf(root: string, url: string): { readonly path: string; readonly contentType: string } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  // An encoded slash is not a plain path, whatever it would decode to.
  if (/%2f/i.test(parsed.pathname)) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (relative === '/' || relative === '') relative = '/index.html';
  if (relative.includes('\0') || relative.includes('\\') || relative.split('/').some((part) => part === '..' || part.startsWith('.'))) return null;
  const path = normalize(join(root, relative));
  if (!path.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  const contentType = CONTENT_TYPES[extname(path)];
  return contentType === undefined ? null : { path, contentType };
}
