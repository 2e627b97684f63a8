import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { Admission } from './admission.js';
import { bodyPrefetchBytes, prefetchBody } from './body-prefetch.js';
import { forwardHttp, type HttpRoute } from './http-forward.js';
import { busy, clientErrorAnswer, notFound, rawError, sendError, unavailable } from './origin-errors.js';
import { parseRequestTarget } from './request-target.js';
import { targetOf, UpstreamState } from './upstream-state.js';
import { tunnelWebSocket } from './websocket-tunnel.js';

export { bodyPrefetchBytes } from './body-prefetch.js';
export { originSecurityHeaders } from './origin-errors.js';

/** Where the origin sends each request. */
export interface OriginUpstreams {
  /** Base URL of the api (pages, `/api/*`, webhooks). */
  api: string;
  /** Base URL of ekg (`/rooms/:room/events`, `/rooms/:room/ws`). */
  ekg: string;
}

export type OriginUpstream = keyof OriginUpstreams;

export interface OriginServer {
  readonly server: http.Server;
  readonly port: number;
  /** What the origin is serving now: plain requests and live streams. */
  readonly load: { readonly requests: number; readonly streams: number };
  /**
   * Stops forwarding new requests to `upstream`: they wait at the origin (WebSocket upgrades
   * too) until {@link release}, or fail with 503 after the hold timeout. Resolves once every
   * plain request already sent to it has been answered (streams are not waited for), so the
   * service can then be stopped without cutting a request short.
   */
  hold(upstream: OriginUpstream): Promise<void>;
  /** Forwards what waited to the (restarted) upstream, over fresh connections. */
  release(upstream: OriginUpstream): void;
  close(): Promise<void>;
}

/** The origin's limits and timeouts; every one has a default, listed in docs/security.md. */
export interface OriginOptions {
  /** How long a request may wait for a held upstream before it gets 503, ms. Default 30000. */
  holdTimeoutMs?: number;
  /** Time to receive a request's headers before 408, ms. Default 10000. */
  headerTimeoutMs?: number;
  /** Time to receive a request's whole body before 408, ms. Default 30000. */
  bodyTimeoutMs?: number;
  /**
   * A plain request's connection may be silent this long, ms: a client that sends nothing is
   * closed, an upstream that answers nothing gets the client a 504. Streams are exempt. Default 60000.
   */
  idleTimeoutMs?: number;
  /** Plain requests in flight at once; more get 503 `origin_busy`. Default 4096. */
  maxRequests?: number;
  /** Plain requests in flight at once from one address; more get 503 `origin_busy`. Default 512. */
  maxRequestsPerAddress?: number;
  /** Live event streams (SSE and WebSocket) open at once; more get 503 `origin_busy`. Default 20000. */
  maxStreams?: number;
  /** Largest request head (request line and headers), bytes; larger gets 431. Default 16384. */
  maxHeaderBytes?: number;
}

export const originDefaults = {
  holdTimeoutMs: 30_000,
  headerTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxRequests: 4096,
  maxRequestsPerAddress: 512,
  maxStreams: 20_000,
  maxHeaderBytes: 16_384,
} as const satisfies Required<OriginOptions>;

/** Paths that are for the operator, on the services' own loopback ports, never the public. */
const internalPath = /^\/metrics(?:\/|$)/i;
const streamPath = /^\/rooms\/[^/]+\/(?:events|ws)$/;

/**
 * Serves the browser's single origin: streams go to ekg, everything else to the api.
 * Bodies are piped both ways without buffering (beyond the first {@link bodyPrefetchBytes}),
 * so Server-Sent Events flow through as they are written; WebSocket upgrades are tunnelled
 * to ekg. Every wait has a timeout and every pool a limit; at a limit the client is answered
 * 503 `origin_busy` with `Retry-After`, never left hanging. An upstream's answer, early or not
 * (a 413 before the body was sent), reaches the client unchanged.
 */
export function startOrigin(
  upstreams: OriginUpstreams,
  port: number,
  host: string,
  options: OriginOptions = {},
): Promise<OriginServer> {
  const settings = { ...originDefaults, ...definedOnly(options) };
  const admission = new Admission({
    maxRequests: settings.maxRequests,
    maxRequestsPerAddress: settings.maxRequestsPerAddress,
    maxStreams: settings.maxStreams,
  });
  const states: Record<OriginUpstream, UpstreamState> = {
    api: new UpstreamState(targetOf(upstreams.api)),
    ekg: new UpstreamState(targetOf(upstreams.ekg)),
  };
  // Streams hold their connection for hours; they are never reused, so no keep-alive pool.
  const streamAgent = new http.Agent({ keepAlive: false });
  const plainRoute: HttpRoute = {
    service: 'api',
    upstream: states.api,
    stream: false,
    streamAgent,
    idleTimeoutMs: settings.idleTimeoutMs,
  };
  const eventStreamRoute: HttpRoute = { ...plainRoute, service: 'ekg', upstream: states.ekg, stream: true };

  const server = http.createServer(
    {
      maxHeaderSize: settings.maxHeaderBytes,
      // How often header timeouts are checked: often enough that a 10 s limit is 10 s, not 40.
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(settings.headerTimeoutMs / 4))),
      requestTimeout: 0,
      headersTimeout: settings.headerTimeoutMs,
      keepAliveTimeout: Math.min(65_000, settings.idleTimeoutMs),
    },
    (req: IncomingMessage, res: ServerResponse) => {
      const target = parseRequestTarget(req.url ?? '/', req.headers.host);
      if (target.kind === 'misdirected') {
        sendError(res, {
          status: 421,
          code: 'misdirected_request',
          message: 'this server only answers for its own host; send a path, not a full URL',
        });
        return;
      }
      if (target.kind === 'invalid') {
        sendError(res, { status: 400, code: 'bad_request_target', message: target.reason, close: true });
        return;
      }
      if (internalPath.test(target.path)) {
        sendError(res, notFound);
        return;
      }
      const isStream = streamPath.test(target.path) && (req.method === 'GET' || req.method === 'HEAD');
      const admitted = admission.admit(isStream ? 'stream' : 'request', req.socket.remoteAddress ?? '');
      if (typeof admitted === 'string') {
        sendError(res, { ...busy(admitted), close: !req.complete });
        if (!req.complete) req.resume();
        return;
      }
      res.once('close', admitted);
      if (isStream) {
        // A stream is silent between heartbeats: the idle timeout is for plain requests.
        req.socket.setTimeout(0);
        states.ekg.whenOpen((go) => {
          if (!go) sendError(res, unavailable('ekg', 503));
          else if (!res.destroyed)
            forwardHttp(req, res, target.forward, { chunks: [], complete: true }, eventStreamRoute);
        }, settings.holdTimeoutMs);
        return;
      }
      // The body must arrive within the body timeout, whether it waits here or streams upstream.
      const bodyTimer = setTimeout(() => {
        if (req.complete) return;
        sendError(res, {
          status: 408,
          code: 'body_timeout',
          message: `the request body did not arrive within ${settings.bodyTimeoutMs / 1000} s`,
          close: true,
        });
        res.once('finish', () => req.socket.destroy());
      }, settings.bodyTimeoutMs);
      bodyTimer.unref();
      req.once('end', () => clearTimeout(bodyTimer));
      res.once('close', () => clearTimeout(bodyTimer));
      prefetchBody(req, (body) => {
        if (res.writableEnded || res.destroyed) return;
        states.api.whenOpen((go) => {
          if (!go) sendError(res, unavailable('api', 503));
          else if (!res.destroyed && !res.writableEnded)
            forwardHttp(req, res, target.forward, body, plainRoute);
        }, settings.holdTimeoutMs);
      });
    },
  );
  server.timeout = settings.idleTimeoutMs;

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(rawError(clientErrorAnswer(error)));
    setTimeout(() => socket.destroy(), 1000).unref();
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = parseRequestTarget(req.url ?? '/', req.headers.host);
    if (target.kind !== 'ok' || !streamPath.test(target.path)) {
      socket.end(
        rawError(
          target.kind === 'misdirected'
            ? {
                status: 421,
                code: 'misdirected_request',
                message: 'this server only answers for its own host',
              }
            : notFound,
        ),
      );
      return;
    }
    const admitted = admission.admit('stream', req.socket.remoteAddress ?? '');
    if (typeof admitted === 'string') {
      socket.end(rawError(busy(admitted)));
      return;
    }
    socket.once('close', admitted);
    if (socket instanceof net.Socket) socket.setTimeout(0);
    states.ekg.whenOpen((go) => {
      if (!go) socket.end(rawError(unavailable('ekg', 503)));
      else if (!socket.destroyed) tunnelWebSocket(req, target.forward, socket, head, states.ekg.target);
    }, settings.holdTimeoutMs);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as net.AddressInfo;
      resolve({
        server,
        port: address.port,
        load: {
          get requests() {
            return admission.requests;
          },
          get streams() {
            return admission.streams;
          },
        },
        hold(upstream) {
          states[upstream].held = true;
          return states[upstream].drained();
        },
        release(upstream) {
          states[upstream].open();
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
            states.api.close();
            states.ekg.close();
            streamAgent.destroy();
          }),
      });
    });
  });
}

function definedOnly(options: OriginOptions): Partial<Required<OriginOptions>> {
  const out: Partial<Required<OriginOptions>> = {};
  for (const [name, value] of Object.entries(options) as [keyof OriginOptions, number | undefined][]) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}
