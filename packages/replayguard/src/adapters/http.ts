import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_BODY_LIMIT_BYTES, PayloadTooLargeError, readRawBody } from '../raw-body.js';
import { type ReceiveOptions, receiveWebhook, type WebhookResponse } from '../receive.js';

/** Options of {@link createWebhookHandler}. */
export interface WebhookHandlerOptions extends ReceiveOptions {
  /** Largest accepted body in bytes; larger answers 413. Default 1 MiB. */
  bodyLimit?: number;
}

function send(response: ServerResponse, reply: WebhookResponse): void {
  const body = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/**
 * A `node:http` request listener for one webhook endpoint: reads the raw body (413 past
 * `bodyLimit`), then verifies, claims and hands on events as {@link receiveWebhook} does.
 */
export function createWebhookHandler(
  options: WebhookHandlerOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT_BYTES;
  return async (request, response) => {
    let body: Buffer;
    try {
      body = await readRawBody(request, bodyLimit);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        response.setHeader('connection', 'close');
        send(response, { status: 413, body: { error: { code: error.code, message: error.message } } });
      } else {
        response.destroy();
      }
      return;
    }
    const reply = await receiveWebhook(
      { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body },
      options,
    );
    send(response, reply);
  };
}
