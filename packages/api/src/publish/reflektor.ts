import { Pool } from 'undici';
import type { EventEnvelope } from '../envelope.js';

/** Sends events to reflektor; resolves only once reflektor answered 2xx (durably queued). */
export interface EventPublisher {
  publish(envelope: EventEnvelope): Promise<void>;
  close(): Promise<void>;
}

/** reflektor did not accept an event: nothing was queued, the caller must not commit. */
export class RelayRefusedError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'RelayRefusedError';
    this.status = status;
  }
}

export interface ReflektorPublisherOptions {
  /** One or more reflektor ingest base URLs; requests go round-robin, failing over on connection errors. */
  urls: string[];
  token?: string;
  /** Per-request deadline in ms (headers and body). */
  timeoutMs: number;
}

interface Target {
  pool: Pool;
  path: string;
}

/**
 * Publishes each envelope as `POST <url>/publish` with `Reflektor-Ordering-Key: <room>`.
 * Ordering per room is the caller's job: publish the next event of a room only after
 * the previous one resolved.
 */
export function createReflektorPublisher(options: ReflektorPublisherOptions): EventPublisher {
  if (options.urls.length === 0) throw new Error('at least one reflektor URL is required');
  const targets: Target[] = options.urls.map((url) => {
    const parsed = new URL(url);
    const base = parsed.pathname.replace(/\/+$/, '');
    return {
      pool: new Pool(parsed.origin, {
        connections: 16,
        pipelining: 1,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        connectTimeout: options.timeoutMs,
      }),
      path: `${base}/publish`,
    };
  });
  const authorization = options.token ? `Bearer ${options.token}` : undefined;
  let next = 0;

  async function sendTo(target: Target, envelope: EventEnvelope, body: string): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'reflektor-ordering-key': envelope.room,
    };
    if (authorization) headers.authorization = authorization;
    const response = await target.pool.request({ method: 'POST', path: target.path, headers, body });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new RelayRefusedError(`reflektor answered ${response.statusCode}`, response.statusCode);
    }
  }

  return {
    async publish(envelope: EventEnvelope): Promise<void> {
      const body = JSON.stringify(envelope);
      const first = next;
      next = (next + 1) % targets.length;
      let lastError: unknown;
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(first + i) % targets.length];
        try {
          await sendTo(target, envelope, body);
          return;
        } catch (error) {
          // An answer (even a refusal) means that host decided; only an unreachable host fails over.
          if (error instanceof RelayRefusedError) throw error;
          lastError = error;
        }
      }
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new RelayRefusedError(`reflektor unreachable: ${reason}`);
    },
    async close(): Promise<void> {
      await Promise.all(targets.map((target) => target.pool.close()));
    },
  };
}
