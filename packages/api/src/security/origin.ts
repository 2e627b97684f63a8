import type { FastifyRequest } from 'fastify';

/**
 * Whether a state-changing request may proceed: requests without `Origin` (curl,
 * servers) pass; a browser's `Origin` must be the public URL's origin or this
 * request's own host (as forwarded by a trusted proxy).
 */
export function originAllowed(request: FastifyRequest, publicOrigin: string | undefined): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (origin === publicOrigin) return true;
  const host = request.host;
  if (!host) return false;
  return origin === `${request.protocol}://${host}`;
}
