import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { endWithLingeringClose } from '@backchannel/api/lingering-close';
import type { Prefetched } from './body-prefetch.js';
import { forwardedHeaders, returnedHeaders } from './forwarded-headers.js';
import { originSecurityHeaders, sendError, unavailable } from './origin-errors.js';
import type { UpstreamState } from './upstream-state.js';

/** The status page's live stream: served by the api, but open for as long as the page is. */
const liveStatusPath = /^\/status\/events$/;

/** Where and how one kind of HTTP request is forwarded; the origin makes one per kind, once. */
export interface HttpRoute {
  /** The upstream's name in messages (`api`, `ekg`). */
  readonly service: string;
  readonly upstream: UpstreamState;
  /**
   * A Server-Sent Events stream: its own connection (`agent`), no idle timeout, security headers
   * added, headers flushed at once, not counted as in flight. Plain requests use the
   * upstream's keep-alive pool.
   */
  readonly stream: boolean;
  /** The connection pool for streams; unused for plain requests. */
  readonly streamAgent: http.Agent;
  readonly idleTimeoutMs: number;
}

/**
 * Sends `req` (whose first bytes are in `body`) to the route's upstream at `path` and pipes the
 * answer back unchanged but for hop-by-hop headers. An early answer (a 413 before the body was
 * read) reaches the client and the connection closes after a lingering close; an upstream that
 * fails before answering gets the client 502 `upstream_unavailable`, one silent for the idle
 * timeout 504 `upstream_timeout`.
 */
export function forwardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: Prefetched,
  route: HttpRoute,
): void {
  const { upstream: state, stream: isStream, idleTimeoutMs } = route;
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
    agent: isStream ? route.streamAgent : state.agent,
    timeout: isStream ? 0 : idleTimeoutMs,
  });
  // While the upstream thinks, its own idle timeout (504) applies, not the client's.
  if (!isStream) req.socket.setTimeout(0);
  upstream.on('response', (upstreamRes) => {
    responded = true;
    if (!isStream) req.socket.setTimeout(idleTimeoutMs);
    const out = returnedHeaders(upstreamRes.headers);
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
    if (!responded) sendError(res, unavailable(route.service));
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
}
