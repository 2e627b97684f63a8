import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** Name of the cookie `POST /status/login` sets. */
export const STATUS_COOKIE = 'backchannel_status';

/** The outcome of {@link checkStatusAccess}. */
export type StatusAccess =
  | { allowed: true; by: 'loopback' | 'token' | 'cookie' }
  | {
      allowed: false;
      code: 'status_token_required' | 'status_token_wrong' | 'status_token_not_set';
      message: string;
    };

/** What a request shows of itself to {@link checkStatusAccess}. */
export interface StatusRequest {
  /** The client's address: the peer's, or the one a trusted proxy vouched for in X-Forwarded-For. */
  clientAddress: string | undefined;
  authorization?: string | undefined;
  cookie?: string | undefined;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/** Constant-time comparison of two strings (lengths are not hidden). */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The cookie value that stands for `token`: an HMAC of it, so the cookie never holds the token itself. */
export function statusCookieValue(token: string): string {
  return createHmac('sha256', token).update('backchannel status cookie v1').digest('base64url');
}

function cookieNamed(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Whether a request may read the status page and data: always from loopback; from anywhere else
 * only with `Authorization: Bearer <token>` or the cookie `POST /status/login` sets, both compared
 * in constant time. Without a configured token only loopback gets in.
 */
export function checkStatusAccess(request: StatusRequest, token: string | undefined): StatusAccess {
  if (isLoopbackAddress(request.clientAddress)) return { allowed: true, by: 'loopback' };
  if (token === undefined || token === '') {
    return {
      allowed: false,
      code: 'status_token_not_set',
      message: 'The status page is open only from this machine: no status token is set (--status-token).',
    };
  }
  const authorization = request.authorization;
  if (authorization !== undefined && authorization !== '') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    if (match !== null && sameSecret(match[1].trim(), token)) return { allowed: true, by: 'token' };
    return {
      allowed: false,
      code: 'status_token_wrong',
      message: 'The status token is wrong: send Authorization: Bearer <the token backchannel start printed>.',
    };
  }
  const cookie = request.cookie === undefined ? undefined : cookieNamed(request.cookie, STATUS_COOKIE);
  if (cookie !== undefined && sameSecret(cookie, statusCookieValue(token)))
    return { allowed: true, by: 'cookie' };
  return {
    allowed: false,
    code: 'status_token_required',
    message:
      'The status page needs the status token: sign in at /status/login or send Authorization: Bearer <token>.',
  };
}
