import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Why an admin request was refused: its HTTP status, a stable code and what to do. */
export interface AdminRefusal {
  status: number;
  code: string;
  message: string;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Answered to anyone: a load balancer's probes carry no token. */
const OPEN_PATHS = new Set(['/health', '/ready']);

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

/**
 * Decides whether an admin request may proceed. The admin port is loopback-only by default,
 * but the operator's browser is on that loopback too: a web page they open could send it
 * simple cross-site requests (`POST /pause` as `text/plain`). So:
 *
 * - a request whose `Origin` is not the admin's own host, or that the browser marks
 *   `Sec-Fetch-Site: cross-site`, is refused (403 `foreign_origin`);
 * - with an admin token, every call but `/health` and `/ready` needs
 *   `Authorization: Bearer <token>` (401 `unauthorized`);
 * - without one, a state-changing call must say `Content-Type: application/json`, which no
 *   page can send cross-site without a preflight the admin never approves (415 `json_required`).
 */
export function refuseAdminRequest(
  req: IncomingMessage,
  path: string,
  token: string | null,
): AdminRefusal | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || originHost !== req.headers.host) {
      return {
        status: 403,
        code: 'foreign_origin',
        message: 'The admin API does not answer requests from web pages.',
      };
    }
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') {
    return {
      status: 403,
      code: 'foreign_origin',
      message: 'The admin API does not answer requests from web pages.',
    };
  }
  if (OPEN_PATHS.has(path)) return undefined;
  if (token !== null) {
    const given = bearerOf(req);
    if (given === undefined || !sameToken(given, token)) {
      return { status: 401, code: 'unauthorized', message: 'Send "Authorization: Bearer <admin token>".' };
    }
    return undefined;
  }
  if (STATE_CHANGING.has(req.method ?? 'GET')) {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return {
        status: 415,
        code: 'json_required',
        message: 'Send state-changing admin calls with "Content-Type: application/json".',
      };
    }
  }
  return undefined;
}
