import { HostPool } from '@backchannel/hostpool';
import type { Registry } from 'prom-client';
import type { EventEnvelope } from '../envelope.js';

/**
 * Sends events to reflektor; resolves only once reflektor answered 2xx (durably queued).
 * Several events of one room go in one request, as a JSON array (ekg accepts both forms).
 */
export interface EventPublisher {
  publish(envelopes: EventEnvelope[]): Promise<void>;
  close(): Promise<void>;
}

/** reflektor did not accept an event (refused, unreachable or too slow): the caller must not commit. */
export class RelayRefusedError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'RelayRefusedError';
    this.status = status;
  }
}

export interface ReflektorPublisherOptions {
  /** One or more reflektor ingest base URLs, balanced; a host that cannot be reached is skipped. */
  urls: string[];
  token?: string;
  /** Deadline for connecting and for reflektor's answer, ms. */
  timeoutMs: number;
  /** Where the pool's per-host metrics go. */
  registry?: Registry;
}

/**
 * Publishes one room's envelopes (an object for one, an array for several) as `POST <url>/publish` with `Reflektor-Ordering-Key: <room>`
 * through a balanced `HostPool`. A request is tried on another host only when it cannot
 * have reached the first one. Ordering per room is the caller's job: publish a room's
 * next event only after the previous one resolved.
 */
export function createReflektorPublisher(options: ReflektorPublisherOptions): EventPublisher {
  if (options.urls.length === 0) throw new Error('at least one reflektor URL is required');
  const pool = new HostPool({
    hosts: options.urls,
    mode: 'balance',
    name: 'reflektor',
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    retries: options.urls.length - 1,
    ...(options.registry ? { registry: options.registry } : {}),
  });
  const authorization = options.token ? `Bearer ${options.token}` : undefined;

  return {
    async publish(envelopes: EventEnvelope[]): Promise<void> {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'reflektor-ordering-key': envelopes[0].room,
      };
      if (authorization) headers.authorization = authorization;
      let statusCode: number;
      try {
        const response = await pool.request({
          method: 'POST',
          path: '/publish',
          headers,
          body: JSON.stringify(envelopes.length === 1 ? envelopes[0] : envelopes),
        });
        statusCode = response.statusCode;
      } catch (error) {
        throw new RelayRefusedError(
          `reflektor unreachable: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (statusCode < 200 || statusCode >= 300) {
        throw new RelayRefusedError(`reflektor answered ${statusCode}`, statusCode);
      }
    },
    async close(): Promise<void> {
      await pool.close();
    },
  };
}
