import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { RateLimiter } from '../rate-limit/limiter.js';

/** Counts this request against `limiter` for its client; throws `rate_limited` (429) past the limit. */
export async function enforceRateLimit(
  context: AppContext,
  limiter: RateLimiter,
  request: FastifyRequest,
  reply: FastifyReply,
  bucket: string,
): Promise<void> {
  const decision = await limiter.hit(`${bucket}:${request.ip}`);
  if (decision.allowed) return;
  context.metrics.rateLimited.inc();
  reply.header('retry-after', String(decision.retryAfterSeconds));
  throw new ApiError(
    'rate_limited',
    `Too many requests: wait ${decision.retryAfterSeconds} s and try again.`,
    {
      'retry-after': String(decision.retryAfterSeconds),
    },
  );
}
