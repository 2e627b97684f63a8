import type http from 'node:http';
import type { IncomingMessage } from 'node:http';

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

/** The client's X-Forwarded-For with the address this origin saw appended last. */
export function forwardedFor(req: IncomingMessage): string {
  const remote = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  return prior ? `${prior}, ${remote}` : remote;
}

/** A request's headers as the upstream gets them: hop-by-hop fields dropped, X-Forwarded-* set. */
export function forwardedHeaders(req: IncomingMessage): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
  }
  headers['x-forwarded-for'] = forwardedFor(req);
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-proto'] = 'http';
  return headers;
}

/** An upstream answer's headers as the client gets them: hop-by-hop fields dropped. */
export function returnedHeaders(upstreamHeaders: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstreamHeaders)) {
    if (value !== undefined && !hopByHop.has(name)) out[name] = value;
  }
  return out;
}
