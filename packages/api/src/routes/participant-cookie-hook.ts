import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { allowance } from '../rate-limit/allowance.js';

/** Where a browser's visit starts: the pages, and the room lookup every room page makes first. */
const ENTRY_ROUTES = new Set(['/', '/:room', '/:room/transcript', '/api/rooms/:room']);

/**
 * Gives a browser without a valid participant cookie a new participant id when it opens a page
 * (or looks a room up), as long as its address has not been given `addressNewParticipants` ids
 * already; past that cap the request is served without one, and its posts count against the
 * address's cookieless budget, so clearing cookies is no way around the limits.
 */
export function registerParticipantCookies(app: FastifyInstance, context: AppContext): void {
  const rate = context.options.addressNewParticipants;
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'GET' || !ENTRY_ROUTES.has(request.routeOptions.url ?? '')) {
      done();
      return;
    }
    if (context.participants.read(request.headers.cookie) !== undefined) {
      done();
      return;
    }
    context.allowances.take([allowance(`m:${request.ip}`, rate)]).then(
      (decision) => {
        if (decision.allowed) {
          reply.header('set-cookie', context.participants.mint().setCookie);
          context.metrics.participantsMinted.inc();
        } else {
          context.metrics.participantMintRefused.inc();
        }
        done();
      },
      // The limiter's store is down: serve the page anyway, without an id.
      () => done(),
    );
  });
}
