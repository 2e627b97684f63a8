import type { FastifyError, FastifyInstance } from 'fastify';
import { DEFAULT_BODY_LIMIT_BYTES } from '../raw-body.js';
import { type ReceiveOptions, receiveWebhook } from '../receive.js';

/** Options of {@link replayguardFastify}. */
export interface ReplayguardFastifyOptions extends ReceiveOptions {
  /** Route path, e.g. `/webhooks/stripe`. */
  path: string;
  /** Methods to answer (GET also answers HEAD). Default `['POST']`. */
  methods?: ('GET' | 'POST' | 'PUT')[];
  /** Largest accepted body in bytes; larger answers 413 `payload_too_large`. Default 1 MiB. */
  bodyLimit?: number;
}

/**
 * A fastify plugin serving one webhook endpoint. Register it (encapsulated, so its raw-body
 * parser applies only to its own route): `app.register(replayguardFastify, { path, intake, recorder, onEvent })`.
 * Every content type is read as raw bytes up to `bodyLimit`.
 */
export async function replayguardFastify(
  app: FastifyInstance,
  options: ReplayguardFastifyOptions,
): Promise<void> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT_BYTES;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    const code = status === 413 ? 'payload_too_large' : status < 500 ? 'bad_request' : 'internal_error';
    const message = status === 413 ? `The request body is larger than ${bodyLimit} bytes.` : error.message;
    return reply.status(status).send({ error: { code, message } });
  });
  app.route({
    method: options.methods ?? ['POST'],
    url: options.path,
    bodyLimit,
    handler: async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await receiveWebhook(
        { method: request.method, url: request.url, headers: request.headers, body },
        options,
      );
      return reply.status(result.status).send(result.body);
    },
  });
}
