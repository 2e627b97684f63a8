import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DEFAULT_MAX_JSON_DEPTH, jsonTooDeep } from '@backchannel/replayguard';
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
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    ...headers,
  });
  response.end(body);
}

/**
 * `POST /publish`: authenticates, validates every envelope, then delivers them in body order. All or
 * nothing on validation: one bad envelope rejects the request (400) and publishes none. Answers 200
 * with a {@link PublishResult}; 401 unsigned or badly signed; 413 too large; 503 while draining.
 *
 * The body is taken from the request's events directly and everything up to the rooms' queues runs
 * in the turn that read it, without promise hops. The 200 is written after the rooms' flush of this
 * turn (see {@link Room.publish}): the subscribers' writes come first, and an answered publish has
 * been written to every subscriber. The promise settles once the request is handled; it rejects
 * only on an unexpected error (never on an {@link EkgError}, which is answered).
 */
export function handlePublish(
  request: IncomingMessage,
  response: ServerResponse,
  context: PublishContext,
): Promise<void> {
  const receivedAt = performance.now();
  return new Promise((resolve, reject) => {
    const refuse = (error: unknown) => {
      if (!(error instanceof EkgError)) {
        reject(error);
        return;
      }
      context.metrics.rejectedPublishes.inc({ code: error.code });
      const headers: Record<string, string> = error.status === 503 ? { 'Retry-After': '1' } : {};
      if (error.status === 413) headers.Connection = 'close';
      sendJson(response, error.status, errorBody(error), headers);
      resolve();
    };
    if (context.isDraining()) {
      refuse(
        new EkgError(
          'shutting_down',
          503,
          'ekg is shutting down: retry against another instance or in a moment.',
        ),
      );
      return;
    }
    const limit = context.maxBodyBytes;
    if (Number(request.headers['content-length']) > limit) {
      refuse(tooLarge(limit));
      return;
    }
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let length = 0;
    let settled = false;
    request.on('data', (chunk: Buffer) => {
      if (settled) return;
      length += chunk.length;
      if (length > limit) {
        settled = true;
        request.destroy();
        refuse(tooLarge(limit));
        return;
      }
      if (first === undefined) {
        first = chunk;
      } else {
        more ??= [first];
        more.push(chunk);
      }
    });
    request.on('end', () => {
      if (settled) return;
      settled = true;
      const body = more !== undefined ? Buffer.concat(more, length) : (first ?? Buffer.alloc(0));
      try {
        accept(request, response, body, context, receivedAt);
        resolve();
      } catch (error) {
        refuse(error);
      }
    });
    request.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
  });
}

/** Authenticates and validates `body`, queues its events in their rooms and schedules the 200. */
function accept(
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  context: PublishContext,
  receivedAt: number,
): void {
  authenticatePublisher(request.headers, body, context.credentials);
  let parsed: unknown;
  const text = body.toString('utf8');
  if (jsonTooDeep(text)) {
    throw new EkgError(
      'json_too_deep',
      400,
      `The publish body nests deeper than ${DEFAULT_MAX_JSON_DEPTH} levels.`,
    );
  }
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EkgError(
      'invalid_json',
      400,
      'The publish body is not JSON: send one envelope or an array of them.',
    );
  }
  const envelopes = parseEnvelopes(parsed);
  const { rooms, metrics } = context;
  const publishedAt = publishedAtOf(request.headers['backchannel-published-at']);
  let accepted = 0;
  for (const envelope of envelopes) {
    const room = rooms.get(envelope.room);
    if (envelope.seq <= room.lastSeq) continue;
    if (room.publish(frameEvent(envelope, receivedAt, publishedAt))) accepted++;
  }
  const duplicates = envelopes.length - accepted;
  const result: PublishResult = { accepted, duplicates };
  const answer = JSON.stringify(result);
  if (accepted === 0) {
    metrics.duplicates.inc(duplicates);
    sendJson(response, 200, answer);
    return;
  }
  // Room.publish queued a flush with setImmediate before this one: the answer follows the writes.
  setImmediate(answerAfterFlush, response, answer, metrics, accepted, duplicates);
}

/** The `Backchannel-Published-At` stamp (ms since the epoch) the api puts on a publish, else 0. */
function publishedAtOf(header: string | string[] | undefined): number {
  if (typeof header !== 'string') return 0;
  const stamp = Number(header);
  return Number.isSafeInteger(stamp) && stamp > 0 ? stamp : 0;
}

function answerAfterFlush(
  response: ServerResponse,
  answer: string,
  metrics: EkgMetrics,
  accepted: number,
  duplicates: number,
): void {
  metrics.published.inc(accepted);
  if (duplicates > 0) metrics.duplicates.inc(duplicates);
  sendJson(response, 200, answer);
}
