import { HostPool } from '@backchannel/hostpool';
import type { Registry } from 'prom-client';

/**
 * Sends one room's committed events to reflektor; resolves only once reflektor answered 2xx
 * (durably queued), rejects with {@link RelayRefusedError} otherwise. `body` is one envelope, or
 * a JSON array of several of one room (ekg accepts both forms).
 */
export interface EventPublisher {
  publish(room: string, body: string): Promise<void>;
  close(): Promise<void>;
}

/** reflektor did not accept a request (refused, unreachable or too slow): it must be sent again. */
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
 * have reached the first one. Ordering per room is the caller's job (`OutboxPublisher`):
 * publish a room's next request only after the previous one resolved.
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
    async publish(room: string, body: string): Promise<void> {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'reflektor-ordering-key': room,
        'backchannel-published-at': String(Date.now()),
      };
      if (authorization) headers.authorization = authorization;
      let statusCode: number;
      try {
        const response = await pool.request({
          method: 'POST',
          path: '/publish',
          headers,
          body,
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
