/** What went wrong with a request that got no complete response. */
export type FailureKind = 'connection' | 'timeout' | 'aborted' | 'other';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** Sorts an undici or socket error by its `code` (undici's codes are stable across v6 and v7). */
export function failureKind(error: Error): FailureKind {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (CONNECTION_CODES.has(code)) return 'connection';
    if (code === 'UND_ERR_ABORTED') return 'aborted';
  }
  if (error.name === 'AbortError') return 'aborted';
  return 'other';
}
