import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError, type ErrorCode } from '../errors.js';
import { type Allowance, allowance } from '../rate-limit/allowance.js';
import type { Participant } from '../security/participant.js';

/** The participant a request speaks for: its verified cookie's id, else its address's stand-in id. */
export function participantOf(context: AppContext, request: FastifyRequest): Participant {
  const id = context.participants.read(request.headers.cookie);
  if (id !== undefined) return { id, fromCookie: true };
  return { id: context.participants.forAddress(request.ip), fromCookie: false };
}

const refusals: readonly { code: ErrorCode; message: (seconds: number) => string }[] = [
  {
    code: 'participant_rate_limited',
    message: (s) => `You are posting faster than this room allows: wait ${s} s and send it again.`,
  },
  {
    code: 'room_rate_limited',
    message: (s) => `This room is taking too many messages right now: wait ${s} s and send it again.`,
  },
  {
    code: 'address_rate_limited',
    message: (s) =>
      `Too many messages are coming from your network right now: wait ${s} s and send it again.`,
  },
  {
    code: 'cookieless_rate_limited',
    message: (s) =>
      `Too many messages from clients without the participant cookie at your address: wait ${s} s, or allow cookies for this site.`,
  },
];

/**
 * Counts a post against the limits that count people (README, "Limits"): the participant's own
 * rate (or, without a cookie, the address's stricter cookieless budget), the room's total rate
 * and the address's ceiling, all taken or none. Throws a 429 with `Retry-After` and the code of
 * the limit that needs the longest wait.
 */
export async function enforcePostLimits(
  context: AppContext,
  request: FastifyRequest,
  room: string,
  participant: Participant,
): Promise<void> {
  const { options } = context;
  const address = request.ip;
  const allowances: Allowance[] = [
    participant.fromCookie
      ? allowance(`p:${participant.id}`, options.participantRate)
      : allowance(`c:${address}`, options.cookielessRate),
    allowance(`r:${room}`, options.roomMessageRate),
    allowance(`a:${address}`, options.addressMessageRate),
  ];
  const decision = await context.allowances.take(allowances);
  if (decision.allowed) return;
  context.metrics.rateLimited.inc();
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  const which = decision.refusedBy === 0 && !participant.fromCookie ? 3 : decision.refusedBy;
  const refusal = refusals[which] ?? refusals[0];
  throw new ApiError(refusal.code, refusal.message(seconds), { 'retry-after': String(seconds) });
}
