import { signStandardWebhook } from '@backchannel/replayguard';
import { Pool } from 'undici';
import type { StoredRecord } from './record.js';

/** What one delivery attempt came to. */
export type AttemptResult =
  /** 2xx: done. */
  | 'delivered'
  /** 408, 429, 5xx: try the same request again later. */
  | 'retry'
  /** Connection refused or reset, timeout: the host looks down. */
  | 'unreachable'
  /** Any other status: the host will not take it; dead letter at once. */
  | 'rejected';

export interface AttemptOutcome {
  result: AttemptResult;
  status: number;
  /** From `Retry-After`, in milliseconds; 0 when absent. */
  retryAfterMs: number;
  reason: string;
}

export interface SenderOptions {
  /** Per-attempt limit for connect, response headers and body, in milliseconds. */
  timeoutMs: number;
  /** Standard Webhooks secret (`whsec_…`); replays are unsigned without it. */
  signSecret: string | null;
  /** Connections per host. */
  connections: number;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from now. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number {
  if (value === undefined) return 0;
  const text = Array.isArray(value) ? value[0] : value;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}

/** Classifies an HTTP status the way reflektor retries. */
export function classifyStatus(status: number): AttemptResult {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/**
 * Replays stored requests to hosts over pooled keep-alive connections: same method, path,
 * query, body bytes and end-to-end headers, `Host` set to the target, plus `Reflektor-Id`,
 * `Reflektor-Attempt` and, with a sign secret, Standard Webhooks headers.
 */
export class Sender {
  private readonly pools = new Map<string, Pool>();
  private readonly options: SenderOptions;

  constructor(options: SenderOptions) {
    this.options = options;
  }

  private poolOf(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.options.connections,
        connectTimeout: this.options.timeoutMs,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        keepAliveTimeout: 10_000,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Sends one attempt; never throws, every failure is an outcome. */
  async send(origin: string, record: StoredRecord, attempt: number): Promise<AttemptOutcome> {
    const headers = record.headers.slice();
    headers.push('reflektor-id', record.id, 'reflektor-attempt', String(attempt));
    if (this.options.signSecret !== null) {
      const signed = signStandardWebhook({
        id: record.id,
        body: record.body,
        secret: this.options.signSecret,
      });
      headers.push(
        'webhook-id',
        signed['webhook-id'],
        'webhook-timestamp',
        signed['webhook-timestamp'],
        'webhook-signature',
        signed['webhook-signature'],
      );
    }
    try {
      const response = await this.poolOf(origin).request({
        method: record.method,
        path: record.url,
        headers,
        body: record.body.length > 0 || !bodylessMethod(record.method) ? record.body : null,
      });
      await response.body.dump();
      const result = classifyStatus(response.statusCode);
      return {
        result,
        status: response.statusCode,
        retryAfterMs: result === 'retry' ? parseRetryAfter(response.headers['retry-after'], Date.now()) : 0,
        reason: result === 'delivered' ? '' : `HTTP ${response.statusCode}`,
      };
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      return {
        result: 'unreachable',
        status: 0,
        retryAfterMs: 0,
        reason: `${code}: ${(error as Error).message}`,
      };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy()));
    this.pools.clear();
  }
}

function bodylessMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS';
}
