import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface UpstreamAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering, ms. */
  delayMs?: number;
}

/**
 * An HTTP server on a free loopback port that records every request and answers what
 * `respond` says (default 200 with an empty body). Set `respond` at any time.
 */
export class RecordingUpstream {
  readonly requests: RecordedRequest[] = [];
  respond: (request: RecordedRequest) => UpstreamAnswer = () => ({ status: 200 });
  #server: Server | undefined;
  #url = '';

  get url(): string {
    return this.#url;
  }

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
          at: Date.now(),
        };
        this.requests.push(recorded);
        const answer = this.respond(recorded);
        const send = () => {
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
