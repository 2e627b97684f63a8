import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventEnvelope } from '../../src/envelope.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body's envelopes: one, or several when the api sent an array. */
  envelopes: EventEnvelope[];
  /** Whether the body was a JSON array. */
  batch: boolean;
}

/**
 * A real HTTP server standing in for reflektor's ingest: it records every request and
 * answers `status` (202 unless told otherwise), after `delayMs` if set.
 */
export class ReflektorRecorder {
  readonly received: RecordedRequest[] = [];
  status = 202;
  /** Requests that have arrived, answered or not. */
  arrivals = 0;
  delayMs = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.arrivals++;
        const status = this.status;
        const answer = () => {
          if (status >= 200 && status < 300) {
            this.received.push({
              method: request.method ?? '',
              url: request.url ?? '',
              headers: request.headers,
              ...parseBody(Buffer.concat(chunks).toString('utf8')),
            });
          }
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ id: String(this.received.length) }));
        };
        if (this.gate) void this.gate.then(answer);
        else if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Holds every answer until `release()`. */
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  envelopes(room?: string): EventEnvelope[] {
    return this.received.flatMap((r) => r.envelopes).filter((e) => room === undefined || e.room === room);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

function parseBody(body: string): { envelopes: EventEnvelope[]; batch: boolean } {
  const parsed = JSON.parse(body) as EventEnvelope | EventEnvelope[];
  return Array.isArray(parsed) ? { envelopes: parsed, batch: true } : { envelopes: [parsed], batch: false };
}
