import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseEnvelopes } from './envelope.js';
import { EkgError, errorBody } from './errors.js';
import { frameEvent } from './frame.js';
import type { EkgMetrics } from './metrics.js';
import { authenticatePublisher, type PublisherCredentials } from './publisher-auth.js';
import type { Rooms } from './rooms.js';

/** What `POST /publish` needs from the server around it. */
export interface PublishContext {
  readonly rooms: Rooms;
  readonly metrics: EkgMetrics;
  readonly credentials: PublisherCredentials;
  readonly maxBodyBytes: number;
  /** True once shutdown began: publishes are refused with 503 so the sender retries elsewhere. */
  isDraining(): boolean;
}

/** The JSON answer to an accepted publish. */
export interface PublishResult {
  /** Events delivered to their rooms. */
  accepted: number;
  /** Events dropped because their room had already seen the seq. */
  duplicates: number;
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        reject(tooLarge(limit));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)));
    request.on('error', reject);
  });
}

function tooLarge(limit: number): EkgError {
  return new EkgError(
    'body_too_large',
    413,
    `The publish body is over ${limit} bytes: send fewer envelopes per request or raise --max-body.`,
  );
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: string,
  headers?: Record<string, string>,
): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(body);
}

/**
 * `POST /publish`: authenticates, validates every envelope, then delivers them in body order. All or
 * nothing on validation: one bad envelope rejects the request (400) and publishes none. Answers 200
 * with a {@link PublishResult}; 401 unsigned or badly signed; 413 too large; 503 while draining.
 */
export async function handlePublish(
  request: IncomingMessage,
  response: ServerResponse,
  context: PublishContext,
): Promise<void> {
  const receivedAt = performance.now();
  try {
    if (context.isDraining()) {
      throw new EkgError(
        'shutting_down',
        503,
        'ekg is shutting down: retry against another instance or in a moment.',
      );
    }
    const body = await readBody(request, context.maxBodyBytes);
    authenticatePublisher(request.headers, body, context.credentials);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new EkgError(
        'invalid_json',
        400,
        'The publish body is not JSON: send one envelope or an array of them.',
      );
    }
    const envelopes = parseEnvelopes(parsed);
    const { rooms, metrics } = context;
    let accepted = 0;
    for (const envelope of envelopes) {
      const room = rooms.get(envelope.room);
      if (envelope.seq <= room.lastSeq) continue;
      room.publish(frameEvent(envelope, receivedAt));
      accepted++;
    }
    const duplicates = envelopes.length - accepted;
    metrics.published.inc(accepted);
    if (duplicates > 0) metrics.duplicates.inc(duplicates);
    const result: PublishResult = { accepted, duplicates };
    sendJson(response, 200, JSON.stringify(result));
  } catch (error) {
    if (!(error instanceof EkgError)) throw error;
    context.metrics.rejectedPublishes.inc({ code: error.code });
    const headers: Record<string, string> = error.status === 503 ? { 'Retry-After': '1' } : {};
    if (error.status === 413) headers.Connection = 'close';
    sendJson(response, error.status, errorBody(error), headers);
  }
}
