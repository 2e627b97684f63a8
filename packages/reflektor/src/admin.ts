import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { refuseAdminRequest } from './admin-guard.js';
import type { Delivery } from './delivery.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { ReflektorStatus } from './status.js';
import type { DeadFilter, DeadLetter, QueueStore } from './store/store.js';

export interface AdminOptions {
  store: QueueStore;
  delivery: Delivery;
  metrics: Metrics;
  log: Logger;
  /** Whether the service takes traffic (false before start and from the start of shutdown). */
  isReady: () => boolean;
  /** Serves `GET /status/ring` when status recording is on. */
  status?: ReflektorStatus;
  /** When set, every call but `/health` and `/ready` needs `Authorization: Bearer <token>`. */
  token?: string | null;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { error: { code, message } });
}

function deadView(letter: DeadLetter): Record<string, unknown> {
  const r = letter.record;
  return {
    id: r.id,
    lane: letter.laneId,
    target: r.target,
    method: r.method,
    url: r.url,
    orderingKey: r.orderingKey,
    acceptedAt: new Date(r.acceptedAt).toISOString(),
    deadAt: new Date(letter.deadAt).toISOString(),
    attempts: letter.attempts,
    status: letter.status,
    reason: letter.reason,
    headers: r.headers,
    bodyBytes: r.body.length,
    body: r.body.toString('utf8'),
  };
}

/**
 * The admin server: `/health`, `/ready`, `/metrics`, `/stats`, the dead-letter list
 * (`GET /dead`, `POST /dead/:id/replay`, `POST /dead/replay`, `DELETE /dead/:id`) and
 * `POST /pause` / `POST /resume` (`?host=URL`, all hosts without it).
 */
export class Admin {
  readonly server: Server;
  private readonly options: AdminOptions;

  constructor(options: AdminOptions) {
    this.options = options;
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: Error) => {
        options.log.error('admin request failed', { url: req.url, error: error.message });
        if (!res.headersSent) fail(res, 500, 'internal', error.message);
      });
    });
  }

  /** Dead-letter filters for `?lane=` or `?host=` (every lane delivering to that host). */
  private filters(params: URLSearchParams, id?: string): DeadFilter[] | null {
    const base: DeadFilter = {};
    if (id !== undefined) base.id = id;
    const limit = params.get('limit');
    if (limit !== null) base.limit = Math.max(1, Number(limit) || 100);
    const lane = params.get('lane');
    if (lane !== null) return [{ ...base, laneId: lane }];
    const host = params.get('host');
    if (host !== null) {
      let origin: string;
      try {
        origin = new URL(host).origin;
      } catch {
        return null;
      }
      return this.options.delivery
        .lanes()
        .filter((l) => l.hosts.includes(origin))
        .map((l) => ({ ...base, laneId: l.id }));
    }
    return [base];
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const o = this.options;
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    req.resume();
    const refusal = refuseAdminRequest(req, path, o.token ?? null);
    if (refusal !== undefined) return fail(res, refusal.status, refusal.code, refusal.message);
    if (method === 'GET' && path === '/health') return json(res, 200, { status: 'ok' });
    if (method === 'GET' && path === '/ready') {
      return o.isReady() ? json(res, 200, { status: 'ready' }) : json(res, 503, { status: 'not ready' });
    }
    if (method === 'GET' && path === '/metrics') {
      await this.refreshGauges();
      const body = await o.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': o.metrics.registry.contentType });
      res.end(body);
      return;
    }
    if (method === 'GET' && path === '/status/ring' && o.status) {
      return o.status.serveRing(req, res, url, o.isReady());
    }
    if (method === 'GET' && path === '/stats') {
      const lanes = o.delivery.stats();
      const withAge = await Promise.all(
        lanes.map(async (lane) => {
          const oldest = await o.store.oldest(lane.lane);
          return { ...lane, oldestAgeMs: oldest === 0 ? 0 : Date.now() - oldest };
        }),
      );
      const dead = await o.store.listDead({});
      return json(res, 200, { store: o.store.kind, ready: o.isReady(), lanes: withAge, dead: dead.length });
    }
    if (path === '/pause' || path === '/resume') {
      if (method !== 'POST') return fail(res, 405, 'method_not_allowed', `Use POST ${path}.`);
      const host = url.searchParams.get('host');
      let origin: string | null = null;
      if (host !== null) {
        try {
          origin = new URL(host).origin;
        } catch {
          return fail(res, 400, 'bad_host', 'host must be a URL such as http://127.0.0.1:8080');
        }
      }
      const paused = path === '/pause';
      if (!o.delivery.setPaused(origin, paused)) {
        return fail(res, 404, 'not_found', `No lane delivers to ${host}; see GET /stats for the hosts.`);
      }
      o.log.info(paused ? 'delivery paused' : 'delivery resumed', { host: origin ?? 'all' });
      return json(res, 200, { host: origin ?? 'all', paused });
    }
    if (path === '/dead' || path.startsWith('/dead/'))
      return this.dead(req, res, method, path, url.searchParams);
    fail(res, 404, 'not_found', `No admin endpoint ${method} ${path}.`);
  }

  private async dead(
    _req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    params: URLSearchParams,
  ): Promise<void> {
    const store = this.options.store;
    const parts = path.split('/').filter(Boolean);
    const id = parts.length >= 2 && parts[1] !== 'replay' ? decodeURIComponent(parts[1]) : undefined;
    const filters = this.filters(params, id);
    if (filters === null)
      return fail(res, 400, 'bad_host', 'host must be a URL such as http://127.0.0.1:8080');
    if (method === 'GET' && parts.length === 1) {
      const letters = (await Promise.all(filters.map((f) => store.listDead(f)))).flat();
      return json(res, 200, { dead: letters.map(deadView) });
    }
    const replay = method === 'POST' && (parts[1] === 'replay' || parts[2] === 'replay');
    if (replay) {
      const counts = await Promise.all(filters.map((f) => store.replayDead(f)));
      const replayed = counts.reduce((a, b) => a + b, 0);
      if (id !== undefined && replayed === 0) return fail(res, 404, 'not_found', `No dead letter ${id}.`);
      this.options.log.info('dead letters replayed', { count: replayed });
      return json(res, 200, { replayed });
    }
    if (method === 'DELETE' && id !== undefined && parts.length === 2) {
      const counts = await Promise.all(filters.map((f) => store.deleteDead(f)));
      const deleted = counts.reduce((a, b) => a + b, 0);
      if (deleted === 0) return fail(res, 404, 'not_found', `No dead letter ${id}.`);
      return json(res, 200, { deleted });
    }
    fail(res, 404, 'not_found', `No admin endpoint ${method} ${path}.`);
  }

  private async refreshGauges(): Promise<void> {
    const { metrics, delivery, store } = this.options;
    const now = Date.now();
    for (const lane of delivery.lanes()) {
      const depth = store.depth(lane.id);
      metrics.queueDepth.labels(lane.id).set(depth.entries);
      metrics.queueBytes.labels(lane.id).set(depth.bytes);
      const oldest = await store.oldest(lane.id);
      metrics.oldestAge.labels(lane.id).set(oldest === 0 ? 0 : (now - oldest) / 1000);
    }
  }
}
