import http, { type ServerResponse } from 'node:http';
import type { Refusal } from './admission.js';

/** Carried by every response the origin writes itself, and added to proxied event streams. */
export const originSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/** One error the origin answers itself, with its stable code. */
export interface OriginError {
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
export function sendError(res: ServerResponse, error: OriginError): void {
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
export function rawError(error: OriginError): string {
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

export const notFound: OriginError = { status: 404, code: 'not_found', message: 'no such page' };

/** 503 `origin_busy` for a request over one of the admission limits. */
export function busy(refusal: Refusal): OriginError {
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

/** `upstream_unavailable`: 502 when the service failed to answer, 503 when its hold timed out. */
export function unavailable(service: string, status = 502): OriginError {
  return {
    status,
    code: 'upstream_unavailable',
    message: `the ${service} service is not answering; try again in a moment`,
    retryAfter: 1,
  };
}

/** The answer to a request Node's HTTP parser refused before the origin saw it. */
export function clientErrorAnswer(error: NodeJS.ErrnoException): OriginError {
  return error.code === 'HPE_HEADER_OVERFLOW'
    ? { status: 431, code: 'headers_too_large', message: 'the request headers are too large' }
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? { status: 408, code: 'header_timeout', message: 'the request headers did not arrive in time' }
      : { status: 400, code: 'bad_request', message: 'the request is not valid HTTP/1.1' };
}
