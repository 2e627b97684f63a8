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

export interface OriginServer {
  readonly server: http.Server;
  readonly port: number;
  close(): Promise<void>;
}

const streamPath = /^\/rooms\/[^/?#]+\/(?:events|ws)(?:[?#]|$)/;

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

function sendUnavailable(res: ServerResponse, service: string): void {
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
  res.writeHead(502, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
  res.end(body);
}

/**
 * Serves the browser's single origin: streams go to ekg, everything else to the api.
 * Bodies are piped both ways without buffering, so Server-Sent Events flow through
 * as they are written; WebSocket upgrades are tunnelled to ekg.
 */
export function startOrigin(upstreams: OriginUpstreams, port: number, host: string): Promise<OriginServer> {
  const api = targetOf(upstreams.api);
  const ekg = targetOf(upstreams.ekg);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const toEkg = streamPath.test(req.url ?? '/');
    const target = toEkg ? ekg : api;
    const upstream = http.request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req),
        agent,
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
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!streamPath.test(req.url ?? '/')) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
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
  });

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
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
            agent.destroy();
          }),
      });
    });
  });
}
