import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { endWithLingeringClose } from '@backchannel/api/lingering-close';
import { Admission, type Refusal } from './admission.js';
import { parseRequestTarget } from './request-target.js';

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

/**
 * How much of a request body the origin reads before it takes an upstream connection. A slow
 * upload waits here, under the body timeout, instead of holding a connection to the api;
 * bodies up to this size reach the api in one piece.
 */
export const bodyPrefetchBytes = 64 * 1024;

/** Paths that are for the operator, on the services' own loopback ports, never the public. */
const internalPath = /^\/metrics(?:\/|$)/i;
const streamPath = /^\/rooms\/[^/]+\/(?:events|ws)$/;
/** The status page's live stream: served by the api, but open for as long as the page is. */
const liveStatusPath = /^\/status\/events$/;

// RFC 9110 §7.6.1: connection-specific fields are not forwarded.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

/** Carried by every response the origin writes itself, and added to proxied event streams. */
export const originSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

interface Target {
  host: string;
  port: number;
}

function targetOf(base: string): Target {
  const url = new URL(base);
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}

/** The client's X-Forwarded-For with the address this origin saw appended last. */
function forwardedFor(req: IncomingMessage): string {
  const remote = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  return prior ? `${prior}, ${remote}` : remote;
}

function forwardedHeaders(req: IncomingMessage): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
  }
  headers['x-forwarded-for'] = forwardedFor(req);
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-proto'] = 'http';
  return headers;
}

/** One error the origin answers itself, with its stable code. */
interface OriginError {
  status: number;
  code: string;
  message: string;
  retryAfter?: number;
  close?: boolean;
}

function errorBody(error: OriginError): string {
  return JSON.stringify({ error: { code: error.code, message: error.message } });
}

/** Writes an origin error on a response; once headers went out, the only honest answer is a cut. */
function sendError(res: ServerResponse, error: OriginError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(error);
  const headers: http.OutgoingHttpHeaders = {
    ...originSecurityHeaders,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  };
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  if (error.close) headers.connection = 'close';
  res.writeHead(error.status, headers);
  res.end(body);
}

/** The same error as raw bytes, for a socket that has no ServerResponse (client errors, upgrades). */
function rawError(error: OriginError): string {
  const body = errorBody(error);
  const lines = [
    `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'Connection: close',
    ...Object.entries(originSecurityHeaders).map(([name, value]) => `${name}: ${value}`),
  ];
  if (error.retryAfter !== undefined) lines.push(`Retry-After: ${error.retryAfter}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

const notFound: OriginError = { status: 404, code: 'not_found', message: 'no such page' };

function busy(refusal: Refusal): OriginError {
  const what =
    refusal === 'streams'
      ? 'too many live streams are open'
      : refusal === 'requests_per_address'
        ? 'too many requests from your address are in progress'
        : 'too many requests are in progress';
  return {
    status: 503,
    code: 'origin_busy',
    message: `${what}; try again in a moment`,
    retryAfter: 1,
  };
}

function unavailable(service: string, status = 502): OriginError {
  return {
    status,
    code: 'upstream_unavailable',
    message: `the ${service} service is not answering; try again in a moment`,
    retryAfter: 1,
  };
}

/** One upstream's connections, the requests in flight to it, and what waits while it is held. */
class UpstreamState {
  // No fixed pool size: the origin's admission limits bound what is in flight.
  agent = new http.Agent({ keepAlive: true });
  inFlight = 0;
  held = false;
  readonly waiting = new Set<(go: boolean) => void>();
  #drained: (() => void)[] = [];

  constructor(readonly target: Target) {}

  /** Runs `forward` now, or once the upstream is released (`go` false: the wait timed out). */
  whenOpen(forward: (go: boolean) => void, timeoutMs: number): void {
    if (!this.held) {
      forward(true);
      return;
    }
    const timer = setTimeout(() => {
      this.waiting.delete(waiter);
      forward(false);
    }, timeoutMs);
    const waiter = (go: boolean) => {
      clearTimeout(timer);
      forward(go);
    };
    this.waiting.add(waiter);
  }

  begin(): void {
    this.inFlight++;
  }

  end(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const done of this.#drained.splice(0)) done();
  }

  drained(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((done) => this.#drained.push(done));
  }

  open(): void {
    this.held = false;
    // Keep-alive sockets to the stopped process are stale: start over with a fresh pool.
    const old = this.agent;
    this.agent = new http.Agent({ keepAlive: true });
    old.destroy();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const go of waiting) go(true);
  }

  close(): void {
    this.agent.destroy();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const go of waiting) go(false);
  }
}

/** How a request's body arrived before the upstream was chosen. */
interface Prefetched {
  chunks: Buffer[];
  /** The whole body is in `chunks`. */
  complete: boolean;
}

/**
 * Reads up to {@link bodyPrefetchBytes} of `req`'s body (all of it when smaller), then pauses it.
 * Calls `done` with what arrived, or never when the client goes away first.
 */
function prefetchBody(req: IncomingMessage, done: (body: Prefetched) => void): void {
  const noBody =
    req.headers['content-length'] === undefined || req.headers['content-length'] === '0'
      ? req.headers['transfer-encoding'] === undefined
      : false;
  if (noBody || req.complete) {
    req.resume();
    done({ chunks: [], complete: true });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const finish = (complete: boolean) => {
    req.off('data', onData);
    req.off('end', onEnd);
    if (!complete) req.pause();
    done({ chunks, complete });
  };
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= bodyPrefetchBytes) finish(false);
  };
  const onEnd = () => finish(true);
  req.on('data', onData);
  req.on('end', onEnd);
}

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
          else if (!res.destroyed) forward(req, res, target.forward, { chunks: [], complete: true }, true);
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
          else if (!res.destroyed && !res.writableEnded) forward(req, res, target.forward, body, false);
        }, settings.holdTimeoutMs);
      });
    },
  );
  server.timeout = settings.idleTimeoutMs;

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: Prefetched,
    isStream: boolean,
  ) => {
    const state = isStream ? states.ekg : states.api;
    const target = state.target;
    // Streams stay open for hours: only plain requests count as in flight.
    if (!isStream && !liveStatusPath.test(path)) {
      state.begin();
      res.once('close', () => state.end());
    }
    const headers = forwardedHeaders(req);
    if (body.complete && !isStream) {
      const length = body.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      if (length > 0 || req.headers['transfer-encoding'] !== undefined) {
        // The whole body is here: send it with its length rather than chunked.
        headers['content-length'] = String(length);
      }
    }
    let responded = false;
    const upstream = http.request({
      host: target.host,
      port: target.port,
      method: req.method,
      path,
      headers,
      agent: isStream ? streamAgent : state.agent,
      timeout: isStream ? 0 : settings.idleTimeoutMs,
    });
    // While the upstream thinks, its own idle timeout (504) applies, not the client's.
    if (!isStream) req.socket.setTimeout(0);
    upstream.on('response', (upstreamRes) => {
      responded = true;
      if (!isStream) req.socket.setTimeout(settings.idleTimeoutMs);
      const out: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (value !== undefined && !hopByHop.has(name)) out[name] = value;
      }
      if (isStream) {
        for (const [name, value] of Object.entries(originSecurityHeaders)) out[name] ??= value;
      }
      const early = !req.complete;
      if (early) {
        // An early answer (a 413 before the body was read): stop sending the body upstream,
        // and close the connection once the client has read the answer (lingering close).
        req.unpipe(upstream);
        out.connection = 'close';
      }
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, out);
      if (isStream) res.flushHeaders();
      upstreamRes.pipe(res, { end: !early });
      if (early) upstreamRes.once('end', () => endWithLingeringClose(req, res));
      upstreamRes.on('error', () => res.destroy());
    });
    upstream.on('timeout', () => {
      if (!responded)
        sendError(res, {
          status: 504,
          code: 'upstream_timeout',
          message: 'the api took too long to answer; try again',
        });
      upstream.destroy();
    });
    upstream.on('error', () => {
      // After the answer started, a write error (the upstream stopped reading an unwanted body) is not a failure.
      if (!responded) sendError(res, unavailable(isStream ? 'ekg' : 'api'));
    });
    res.on('close', () => {
      // A cut answer, or a body that never fully arrived (timeout, early answer): that
      // upstream connection cannot be reused.
      if (!res.writableFinished || !req.complete) upstream.destroy();
    });
    for (const chunk of body.chunks) upstream.write(chunk);
    if (body.complete) upstream.end();
    else {
      req.pipe(upstream);
      req.resume();
    }
  };

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const answer: OriginError =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? { status: 431, code: 'headers_too_large', message: 'the request headers are too large' }
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? { status: 408, code: 'header_timeout', message: 'the request headers did not arrive in time' }
          : { status: 400, code: 'bad_request', message: 'the request is not valid HTTP/1.1' };
    socket.end(rawError(answer));
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
      else if (!socket.destroyed) tunnel(req, target.forward, socket, head);
    }, settings.holdTimeoutMs);
  });

  const tunnel = (req: IncomingMessage, path: string, socket: Duplex, head: Buffer) => {
    const ekg = states.ekg.target;
    const upstream = net.connect(ekg.port, ekg.host, () => {
      const lines = [`${req.method} ${path} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i]?.toLowerCase() === 'x-forwarded-for') continue;
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      lines.push(`X-Forwarded-For: ${forwardedFor(req)}`, '', '');
      upstream.write(lines.join('\r\n'));
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const closeBoth = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', () => {
      if (socket.writable) socket.end(rawError(unavailable('ekg')));
      closeBoth();
    });
    socket.on('error', closeBoth);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  };

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
