import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

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

export interface OriginOptions {
  /** How long a request may wait for a held upstream before it gets 503, ms. Default 30000. */
  holdTimeoutMs?: number;
}

const internalPath = /^\/metrics(?:[/?#]|$)/;
const streamPath = /^\/rooms\/[^/?#]+\/(?:events|ws)(?:[?#]|$)/;
/** The status page's live stream: served by the api, but open for as long as the page is. */
const liveStatusPath = /^\/status\/events(?:[?#]|$)/;

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

function sendUnavailable(res: ServerResponse, service: string, status = 502): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    error: {
      code: 'upstream_unavailable',
      message: `the ${service} service is not answering; try again in a moment`,
    },
  });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
  res.end(body);
}

/** One upstream's connections, the requests in flight to it, and what waits while it is held. */
class UpstreamState {
  agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
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
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
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

/**
 * Serves the browser's single origin: streams go to ekg, everything else to the api.
 * Bodies are piped both ways without buffering, so Server-Sent Events flow through
 * as they are written; WebSocket upgrades are tunnelled to ekg.
 */
export function startOrigin(
  upstreams: OriginUpstreams,
  port: number,
  host: string,
  options: OriginOptions = {},
): Promise<OriginServer> {
  const holdTimeoutMs = options.holdTimeoutMs ?? 30_000;
  const states: Record<OriginUpstream, UpstreamState> = {
    api: new UpstreamState(targetOf(upstreams.api)),
    ekg: new UpstreamState(targetOf(upstreams.ekg)),
  };
  const ekg = states.ekg.target;

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    if (internalPath.test(req.url ?? '/')) {
      // Metrics are for the operator, on the services' own (loopback) ports, not for the public.
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'no such page' } }));
      return;
    }
    const toEkg = streamPath.test(req.url ?? '/');
    const state = toEkg ? states.ekg : states.api;
    state.whenOpen((go) => {
      if (!go) sendUnavailable(res, toEkg ? 'ekg' : 'api', 503);
      else if (!res.destroyed) forward(req, res, toEkg, state);
    }, holdTimeoutMs);
  });

  const forward = (req: IncomingMessage, res: ServerResponse, toEkg: boolean, state: UpstreamState) => {
    const target = state.target;
    // Streams stay open for hours: only plain requests count as in flight.
    if (!toEkg && !liveStatusPath.test(req.url ?? '/')) {
      state.begin();
      res.once('close', () => state.end());
    }
    const upstream = http.request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req),
        agent: state.agent,
      },
      (upstreamRes) => {
        const headers: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(upstreamRes.headers)) {
          if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers);
        if (toEkg) res.flushHeaders();
        upstreamRes.pipe(res);
        upstreamRes.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => sendUnavailable(res, toEkg ? 'ekg' : 'api'));
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!streamPath.test(req.url ?? '/')) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    states.ekg.whenOpen((go) => {
      if (!go) {
        socket.end(
          'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n',
        );
      } else if (!socket.destroyed) {
        tunnel(req, socket, head);
      }
    }, holdTimeoutMs);
  });

  const tunnel = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const upstream = net.connect(ekg.port, ekg.host, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
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
      if (socket.writable)
        socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      closeBoth();
    });
    socket.on('error', closeBoth);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  };

  // Streams are long-lived: no request timeout on the origin.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 65_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as net.AddressInfo;
      resolve({
        server,
        port: address.port,
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
          }),
      });
    });
  });
}
