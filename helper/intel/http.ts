// JSON over HTTPS for the remote intel sources (RDAP, Shodan, AbuseIPDB), with the limits a root
// daemon needs: a deadline, a cap on the body, redirects followed only to HTTPS, and errors that
// name the host and path but never the query string (where Shodan wants its API key).
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseAddress, isLoopback } from '../core/address.js';
import { lookup } from './resolve.js';

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
const LONGEST_RETRY_AFTER_MS = 24 * 3_600_000;

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

/** Retry-After in ms, at most a day: a service cannot park a source for months. */
function retryAfter(header: string | null, now: number): number | null {
  if (header === null) return null;
  const value = header.trim();
  const milliseconds = /^\d{1,9}$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isNaN(milliseconds) ? null : Math.min(Math.max(0, milliseconds), LONGEST_RETRY_AFTER_MS);
}

interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** One GET with node's http(s) and our c-ares lookup; the body is capped and the signal ends it. */
function request(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<RawResponse> {
  const where = describeUrl(url);
  const failure = (error: NodeJS.ErrnoException) =>
    signal.aborted ? new SourceError(`${where}: no answer in time`, 'timeout') : new SourceError(`${where}: ${error.code ?? error.message}`, 'network');
  return new Promise((resolve, reject) => {
    const fail = (error: SourceError) => {
      outgoing.destroy();
      reject(error);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(url, { method: 'GET', headers, lookup, signal }, (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) fail(new SourceError(`${where}: answer larger than ${MAX_BODY_BYTES} bytes`, 'malformed'));
        else chunks.push(chunk);
      });
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text: Buffer.concat(chunks).toString('utf8') }));
      // Cut off mid-body (deadline, reset): 'close' without 'end'.
      incoming.on('close', () => {
        if (!incoming.complete) reject(new SourceError(`${where}: ${signal.aborted ? 'no answer in time' : 'connection closed mid-answer'}`, signal.aborted ? 'timeout' : 'network'));
      });
      incoming.on('error', (error: NodeJS.ErrnoException) => reject(failure(error)));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => reject(failure(error)));
    outgoing.end();
  });
}

/**
 * GETs url and parses a JSON body. Redirects are followed (RDAP registries send each other's space
 * on) only when `followRedirects` is set, only to HTTPS, and without the caller's headers once the
 * origin changes; requests that carry an API key set no followRedirects. Rejects with a SourceError on
 * timeout (signal), network failure, oversize or malformed JSON; HTTP errors come back as statuses
 * for the caller to interpret (404 often means "nothing known").
 */
export async function getJson(
  url: URL,
  options: { readonly headers?: Record<string, string>; readonly signal: AbortSignal; readonly followRedirects?: boolean },
): Promise<JsonResponse> {
  let current = url;
  let headers: Record<string, string> = { accept: 'application/json, application/rdap+json', 'user-agent': 'croissant2ban', ...options.headers };
  for (let hop = 0; ; hop++) {
    checkEndpoint(current);
    if (options.signal.aborted) throw new SourceError(`${describeUrl(current)}: no answer in time`, 'timeout');
    const where = describeUrl(current);
    const response = await request(current, headers, options.signal);
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
      if (options.followRedirects !== true) throw new SourceError(`${where}: redirected (HTTP ${response.status}); not followed`, 'http');
      if (hop >= MAX_REDIRECTS) throw new SourceError(`${where}: more than ${MAX_REDIRECTS} redirects`, 'http');
      const next = new URL(location, current);
      if (next.protocol !== 'https:') throw new SourceError(`${where}: redirected to ${next.protocol}//${next.host}; only https is followed`, 'refused');
      if (next.origin !== current.origin) headers = { accept: headers.accept!, 'user-agent': headers['user-agent']! };
      current = next;
      continue;
    }
    let body: unknown;
    if (response.text.trim() !== '') {
      try {
        body = JSON.parse(response.text);
      } catch {
        // An error page in HTML is an HTTP error, not a malformed answer.
        if (response.status >= 200 && response.status < 300) throw new SourceError(`${where}: answer is not JSON`, 'malformed');
      }
    }
    const retry = response.headers['retry-after'];
    return { status: response.status, body, retryAfterMs: retryAfter(typeof retry === 'string' ? retry : null, Date.now()) };
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
