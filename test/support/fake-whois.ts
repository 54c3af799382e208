// A port-43 WHOIS server (RFC 3912) on 127.0.0.1: one query line in, the handler's text out, then close.
import { createServer, type Socket } from 'node:net';

export interface FakeWhois {
  readonly port: number;
  /** '127.0.0.1:PORT'. */
  readonly host: string;
  /** Every query line received, without its CRLF. */
  queries: string[];
  close(): Promise<void>;
}

/** Longer lines are refused by closing the connection, as a server protecting itself would. */
const MAXIMUM_QUERY_BYTES = 1024;

/** answer returns the response text, or 'hang' to keep the connection open and say nothing. */
export async function startFakeWhois(answer: (query: string) => string | 'hang'): Promise<FakeWhois> {
  const open = new Set<Socket>();
  const queries: string[] = [];
  // allowHalfOpen: a client that writes its query and then shuts its side down still gets the answer.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    let received = Buffer.alloc(0);
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      if (answered) return; // whois is one query per connection; anything after it is ignored
      received = Buffer.concat([received, chunk]);
      const newline = received.indexOf(0x0a);
      if (newline < 0) {
        if (received.length > MAXIMUM_QUERY_BYTES) socket.destroy();
        return;
      }
      if (newline > MAXIMUM_QUERY_BYTES) {
        socket.destroy();
        return;
      }
      answered = true;
      const query = received.toString('utf8', 0, newline).replace(/\r$/, '');
      queries.push(query);
      let text: string;
      try {
        text = answer(query);
      } catch {
        socket.destroy(); // a broken handler looks like a server that dropped the line
        return;
      }
      if (text !== 'hang') socket.end(text);
    });
    // The client closed its side without finishing a line: nothing to answer.
    socket.on('end', () => {
      if (!answered) socket.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    host: `127.0.0.1:${port}`,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
