import type { Duplex } from 'node:stream';

/** Time to receive a request's headers before 408, ms. */
export const HEADER_TIMEOUT_MS = 10_000;
/** Time to receive a whole request (headers and body) before 408, ms; streams are exempt once open. */
export const REQUEST_TIMEOUT_MS = 30_000;

function raw(status: number, reason: string, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * Answers a request node's parser refused before any handler saw it — 431 for headers over the
 * limit, 408 for headers or a body that did not arrive in time, 400 for anything that is not
 * HTTP/1.1 — then closes. A reset would leave the client guessing.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const answer =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? raw(431, 'Request Header Fields Too Large', 'headers_too_large', 'The request headers are too large.')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? raw(408, 'Request Timeout', 'request_timeout', 'The request did not arrive in time.')
        : raw(400, 'Bad Request', 'bad_request', 'The request is not valid HTTP/1.1.');
  socket.end(answer);
  setTimeout(() => socket.destroy(), 1000).unref();
}
