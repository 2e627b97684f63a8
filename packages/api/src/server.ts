import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { AppContext } from './context.js';
import { connectDb, type Db } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { ApiError, type ErrorCode, errorBody } from './errors.js';
import type { EventTransactionDeps } from './event-transaction.js';
import { lingerOnEnd } from './http/lingering-close.js';
import {
  checkJsonDepth,
  checkWellFormedUnicode,
  registerStrictInput,
  validationFailure,
} from './http/strict-input.js';
import { configureLogging, createLogger, type Logger } from './log.js';
import { type ApiMetrics, createMetrics } from './metrics.js';
import { type ApiOptions, type ResolvedApiOptions, resolveOptions } from './options.js';
import { PostBatcher } from './post-batcher.js';
import { OutboxPublisher } from './publish/outbox-publisher.js';
import { createReflektorPublisher } from './publish/reflektor.js';
import { schedulePurge } from './purge.js';
import type { AllowanceLimiter } from './rate-limit/allowance.js';
import { createMemoryAllowanceLimiter } from './rate-limit/allowance-memory.js';
import { createRedisAllowanceLimiter } from './rate-limit/allowance-redis.js';
import type { RateLimit, RateLimiter } from './rate-limit/limiter.js';
import { createMemoryRateLimiter } from './rate-limit/memory.js';
import { createRedisRateLimiter } from './rate-limit/redis.js';
import { registerEventRoutes } from './routes/events.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerModerationRoutes } from './routes/moderation.js';
import { type Readiness, registerOpsRoutes } from './routes/ops.js';
import { findPublicDir, registerPageRoutes } from './routes/pages.js';
import { registerParticipantCookies } from './routes/participant-cookie-hook.js';
import { registerParticipantModerationRoutes } from './routes/participant-moderation.js';
import { registerRoomRoutes } from './routes/rooms.js';
import { registerStatusRoutes } from './routes/status.js';
import { registerTranscriptRoutes } from './routes/transcript.js';
import { originAllowed } from './security/origin.js';
import { ParticipantCookies } from './security/participant.js';
import { participantKeys } from './security/participant-keys.js';
import { StatusRecording } from './status/status-recording.js';
import { resolveWebhookConfig, type WebhookConfig, webhookSettingsFromEnv } from './webhooks/config.js';
import { registerWebhookRoutes } from './webhooks/routes.js';

/** A running api. */
export interface ApiHandle {
  /** The bound TCP port. */
  port: number;
  /** `http://host:port` of the listener. */
  url: string;
  /** Stops taking requests (`/ready` turns 503 first), finishes in-flight ones, closes connections and the database. */
  close(): Promise<void>;
}

/** The port is taken: the message names it. */
export class PortInUseError extends Error {
  /** As node's listen error, so callers that check the code see it. */
  readonly code = 'EADDRINUSE';
  readonly port: number;
  constructor(port: number) {
    super(`port ${port} is already in use`);
    this.name = 'PortInUseError';
    this.port = port;
  }
}

/** Content-Security-Policy for every response: no inline script, nothing from elsewhere. */
export function contentSecurityPolicy(publicOrigin: string): string {
  const ws = publicOrigin.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function fastifyErrorCode(error: FastifyError): { code: ErrorCode; message: string; field?: string } {
  if (error.validation) return validationFailure(error);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'body_too_large', message: 'The request body is too large.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'unsupported_media_type', message: 'Send the body as application/json.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'invalid_json', message: 'The body is not valid JSON.' };
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return { code: 'invalid_json', message: 'The body is not valid JSON.' };
  }
  return { code: 'internal_error', message: 'Something went wrong on our side; try again.' };
}

function buildApp(
  context: AppContext,
  readiness: Readiness,
  publicDir: string | undefined,
  webhookConfig: WebhookConfig,
  status?: StatusRecording,
): FastifyInstance {
  const { options, log, metrics } = context;
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  // An empty body with `content-type: application/json` (a bodiless POST or DELETE from a
  // client that sets the header on every call) is no body, not invalid JSON.
  registerStrictInput(app);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') {
      done(null, undefined);
      return;
    }
    try {
      checkJsonDepth(text);
    } catch (error) {
      done(error as ApiError, undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error) done(error, undefined);
      else {
        try {
          done(null, checkWellFormedUnicode(value));
        } catch (refused) {
          done(refused as ApiError, undefined);
        }
      }
    });
  });
  // An answer written before the body was read (413) closes the connection: read the rest of
  // the body first, or the client is reset before it reads the answer.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete && reply.getHeader('connection') === 'close')
      lingerOnEnd(request.raw, reply.raw);
    done(null, payload);
  });
  const csp = contentSecurityPolicy(context.publicOrigin);
  const debugging = options.logLevel === 'debug';

  // The hooks take callbacks rather than returning promises: they run on every request,
  // and an async hook costs fastify a promise and a microtask turn each time.
  app.addHook('onRequest', (request, _reply, done) => {
    if (
      STATE_CHANGING.has(request.method) &&
      request.url.startsWith('/api/') &&
      !originAllowed(request, context.publicOrigin)
    ) {
      done(new ApiError('origin_forbidden', `Requests from ${request.headers.origin} are not allowed.`));
      return;
    }
    done();
  });

  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('content-security-policy', csp);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (debugging) {
      log.debug('request', {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      });
    }
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      return reply.code(error.status).send(errorBody(error.code, error.message, error.field));
    }
    const { code, message, field } = fastifyErrorCode(error);
    const status = code === 'internal_error' ? 500 : (ApiErrorStatus[code] ?? 400);
    if (status >= 500) {
      log.error('request failed', {
        method: request.method,
        url: request.url,
        error: error.stack ?? error.message,
      });
    }
    return reply.code(status).send(errorBody(code, message, field));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody('not_found', `Nothing at ${request.method} ${request.url}.`));
  });

  registerParticipantCookies(app, context);
  registerOpsRoutes(app, context, readiness);
  registerRoomRoutes(app, context);
  registerMessageRoutes(app, context);
  registerEventRoutes(app, context);
  registerModerationRoutes(app, context);
  registerParticipantModerationRoutes(app, context);
  registerTranscriptRoutes(app, context);
  if (status) registerStatusRoutes(app, context, { recording: status, readiness, publicDir });
  registerPageRoutes(app, context, publicDir);
  registerWebhookRoutes(app, {
    db: context.db,
    changes: context.changes,
    log: context.log,
    registry: metrics.registry,
    config: webhookConfig,
  });
  return app;
}

const ApiErrorStatus: Partial<Record<ErrorCode, number>> = {
  body_too_large: 413,
  unsupported_media_type: 415,
  invalid_json: 400,
  invalid_request: 400,
};

function createLimiters(
  options: ResolvedApiOptions,
  log: Logger,
  metrics: ApiMetrics,
): {
  allowances: AllowanceLimiter;
  roomLimiter: RateLimiter;
  redis?: Redis;
} {
  if (options.redisUrl) {
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2 });
    // While Redis does not answer, each api host counts on its own: posting keeps working.
    // Warnings are kept to one per 10 s however many requests or reconnects fail.
    let warnedAt = 0;
    const warn = (message: string, error: unknown) => {
      if (Date.now() - warnedAt < 10_000) return;
      warnedAt = Date.now();
      log.warn(message, { error: error instanceof Error ? error.message : String(error) });
    };
    redis.on('error', (error: unknown) => warn('Redis connection failed; ioredis reconnects', error));
    const onUnavailable = (error: unknown) => {
      metrics.rateLimitFallbacks.inc();
      warn('Redis did not answer the rate limiter; counting in this process until it does', error);
    };
    const shared = (rate: RateLimit, prefix: string) =>
      createRedisRateLimiter(redis, rate, `${options.redisPrefix}${prefix}`, {
        fallback: createMemoryRateLimiter(rate),
        onUnavailable,
      });
    return {
      redis,
      allowances: createRedisAllowanceLimiter(redis, `${options.redisPrefix}allow:`, {
        fallback: createMemoryAllowanceLimiter(),
        onUnavailable,
      }),
      roomLimiter: shared(options.roomRateLimit, 'rate:room:'),
    };
  }
  return {
    allowances: createMemoryAllowanceLimiter(),
    roomLimiter: createMemoryRateLimiter(options.roomRateLimit),
  };
}

/**
 * Opens the database (running every pending migration), then listens. Resolves once
 * the api is ready for traffic. Throws `PortInUseError` when the port is taken and
 * the migration's error when the schema cannot be brought up to date.
 */
export async function startApi(input: ApiOptions = {}): Promise<ApiHandle> {
  const options = resolveOptions(input);
  configureLogging(options.logLevel, options.logFormat);
  const log: Logger = createLogger('api', options.logFormat);
  const publicOrigin = new URL(options.publicUrl).origin;
  const db: Db = await connectDb(options);
  let migrated: string[];
  try {
    migrated = await migrateToLatest(db.writer, db.engine, options.databaseSchema);
  } catch (error) {
    await db.close();
    throw error;
  }
  if (migrated.length > 0) log.info('database migrated', { engine: db.engine, applied: migrated });
  let participants: ParticipantCookies;
  try {
    participants = new ParticipantCookies(
      await participantKeys(db.writer, options.participantSecrets),
      publicOrigin.startsWith('https:'),
    );
  } catch (error) {
    await db.close();
    throw error;
  }

  const metrics = createMetrics();
  const publisher = createReflektorPublisher({
    urls: options.reflektorUrls,
    token: options.reflektorToken,
    timeoutMs: options.reflektorTimeoutMs,
    registry: metrics.registry,
  });
  const { allowances, roomLimiter, redis } = createLimiters(options, log, metrics);
  const outbox = new OutboxPublisher({
    db,
    publisher,
    log,
    retryMinMs: options.outboxRetryMinMs,
    retryMaxMs: options.outboxRetryMaxMs,
    sweepIntervalMs: options.outboxSweepIntervalMs,
    staleAfterMs: options.outboxStaleAfterMs,
    onPublished: (row, ms) => {
      metrics.eventsPublished.inc(row.last_seq - row.first_seq + 1);
      metrics.publishDuration.observe(ms / 1000);
    },
    onRefused: () => metrics.relayRefused.inc(),
    onDrainingChanged: (rooms) => metrics.outboxRoomsDraining.set(rooms),
  });
  const changes: EventTransactionDeps = { db, outbox, log };
  const context: AppContext = {
    options,
    db,
    publisher,
    log,
    metrics,
    roomLimiter,
    allowances,
    participants,
    publicOrigin,
    changes,
    posts: new PostBatcher(changes, metrics.postsWaiting),
    roomIds: new Map(),
  };
  const readiness: Readiness = { ready: false };
  const status = new StatusRecording({
    recording: options.statusRecording,
    token: options.statusToken,
    reflektorUrls: options.statusReflektorUrls,
    ekgUrls: options.statusEkgUrls,
  });
  const releaseAll = async () => {
    await status.stop();
    await outbox.close(Math.min(options.reflektorTimeoutMs, 2000));
    await publisher.close();
    await allowances.close();
    await roomLimiter.close();
    if (redis) await redis.quit().catch(() => redis.disconnect());
    await db.close();
  };

  let app: FastifyInstance;
  try {
    // Throws, naming the variable, on a malformed webhook secret.
    const webhookConfig = resolveWebhookConfig({
      publicUrl: options.publicUrl,
      env: webhookSettingsFromEnv(process.env),
    });
    app = buildApp(context, readiness, await findPublicDir(options.publicDir), webhookConfig, status);
  } catch (error) {
    await releaseAll();
    throw error;
  }

  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    await app.close().catch(() => {});
    await releaseAll();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(options.port);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const stopPurge =
    options.purgeIntervalMs > 0
      ? schedulePurge(
          {
            db,
            log,
            metrics,
            graceMs: options.purgeGraceMs,
            onPurged: (room) => context.roomIds.delete(room),
          },
          options.purgeIntervalMs,
        )
      : async () => {};
  outbox.start();
  status.start();
  readiness.ready = true;
  log.info('api listening', { port, engine: db.engine, publicUrl: options.publicUrl });

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close(): Promise<void> {
      closing ??= (async () => {
        readiness.ready = false;
        await stopPurge();
        await app.close();
        await releaseAll();
        log.info('api stopped');
      })();
      return closing;
    },
  };
}
