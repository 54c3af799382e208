// A loopback HTTP server whose answers come from a route handler, for RDAP and reputation-API clients.
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface HttpRequestSeen {
  method: string;
  /** The path without the query string, as sent (not percent-decoded). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** 'hang' holds the request open without a response, to exercise the caller's timeout. */
export type HttpAnswer = { status: number; body?: string | object; headers?: Record<string, string> } | 'hang';

export interface FakeHttp {
  /** 'http://127.0.0.1:PORT', no trailing slash. */
  readonly url: string;
  requests: HttpRequestSeen[];
  close(): Promise<void>;
}

export async function startFakeHttp(answer: (request: HttpRequestSeen) => HttpAnswer): Promise<FakeHttp> {
  const requests: HttpRequestSeen[] = [];
  const server = createServer((request, response) => {
    request.resume(); // bodies are not part of what the fakes check; drain so the socket stays usable
    const target = new URL(request.url ?? '/', 'http://127.0.0.1');
    const seen: HttpRequestSeen = { method: request.method ?? 'GET', path: target.pathname, query: target.searchParams, headers: request.headers };
    requests.push(seen);
    let reply: HttpAnswer;
    try {
      reply = answer(seen);
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`fake handler failed: ${String(error)}`);
      return;
    }
    if (reply === 'hang') return;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = value;
    let body = '';
    if (typeof reply.body === 'string') {
      body = reply.body;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else if (reply.body !== undefined) {
      body = JSON.stringify(reply.body);
      // RDAP answers say application/rdap+json; handlers pass that in headers and it wins.
      headers['content-type'] ??= 'application/json';
    }
    response.writeHead(reply.status, headers).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging requests and idle keep-alive sockets (fetch keeps them) would hold close() open forever.
        server.closeAllConnections();
      }),
  };
}
