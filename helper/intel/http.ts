// JSON over HTTPS for the remote intel sources (RDAP, Shodan, AbuseIPDB), with the limits a root
// daemon needs: a deadline, a cap on the body, redirects followed only to HTTPS, and errors that
// name the host and path but never the query string (where Shodan wants its API key).
import { parseAddress, isLoopback } from '../core/address.js';

/** Why a source failed; retryAfterMs when the service said when to come back. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'network' | 'http' | 'malformed' | 'refused' | 'rate-limited',
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

export interface JsonResponse {
  readonly status: number;
  /** Parsed body, or undefined when the body was empty. */
  readonly body: unknown;
  readonly retryAfterMs: number | null;
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/** Plain HTTP only to loopback (test servers, a local proxy); anything else must be HTTPS. */
export function checkEndpoint(url: URL): void {
  if (url.protocol === 'https:') return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const address = parseAddress(host);
  if (url.protocol === 'http:' && ((address !== null && isLoopback(address)) || host === 'localhost')) return;
  throw new SourceError(`refusing ${url.protocol}//${url.host}: only https (or http to loopback) is allowed`, 'refused');
}

/** host and path, without the query string that may carry a key. */
export const describeUrl = (url: URL) => `${url.protocol}//${url.host}${url.pathname}`;

function retryAfter(header: string | null, now: number): number | null {
  if (header === null) return null;
  if (/^\d{1,7}$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

async function readCapped(response: Response, where: string): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new SourceError(`${where}: answer larger than ${MAX_BODY_BYTES} bytes`, 'malformed');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GETs url and parses a JSON body, following redirects under the same rules. Rejects with a
 * SourceError on timeout (signal), network failure, oversize or malformed JSON; HTTP errors are
 * returned as statuses for the caller to interpret (404 often means "nothing known").
 */
export async function getJson(url: URL, options: { readonly headers?: Record<string, string>; readonly signal: AbortSignal }): Promise<JsonResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    checkEndpoint(current);
    const where = describeUrl(current);
    let response: Response;
    try {
      response = await fetch(current, { headers: { accept: 'application/json, application/rdap+json', ...options.headers }, redirect: 'manual', signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) throw new SourceError(`${where}: no answer in time`, 'timeout');
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new SourceError(`${where}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, 'network');
    }
    if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new SourceError(`${where}: more than ${MAX_REDIRECTS} redirects`, 'http');
      current = new URL(response.headers.get('location')!, current);
      continue;
    }
    let text: string;
    try {
      text = await readCapped(response, where);
    } catch (error) {
      if (error instanceof SourceError) throw error;
      if (options.signal.aborted) throw new SourceError(`${where}: no answer in time`, 'timeout');
      throw new SourceError(`${where}: ${(error as Error).message}`, 'network');
    }
    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        // An error page in HTML is an HTTP error, not a malformed answer.
        if (response.ok) throw new SourceError(`${where}: answer is not JSON`, 'malformed');
      }
    }
    return { status: response.status, body, retryAfterMs: retryAfter(response.headers.get('retry-after'), Date.now()) };
  }
}

/** The usual meaning of an HTTP failure status, as a SourceError. */
export function statusError(url: URL, response: JsonResponse): SourceError {
  const where = describeUrl(url);
  if (response.status === 401 || response.status === 403) return new SourceError(`${where}: the API key was refused (HTTP ${response.status})`, 'refused');
  if (response.status === 429) return new SourceError(`${where}: rate limited (HTTP 429)`, 'rate-limited', response.retryAfterMs);
  return new SourceError(`${where}: HTTP ${response.status}`, 'http', response.retryAfterMs);
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
