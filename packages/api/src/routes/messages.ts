import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { presentedOwnerToken } from '../security/owner-token.js';
import { messagePage, type PageDirection } from '../store/messages.js';
import { AUTHOR_MAX_LENGTH, cleanText } from '../validate/message.js';
import { enforcePostLimits, participantOf } from './post-limits.js';
import { loadRoomId, roomParamSchema } from './room-lookup.js';

const messageSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    seq: { type: 'integer' },
    author: { type: 'string' },
    text: { type: 'string' },
    at: { type: 'string' },
  },
} as const;

const cursor = { type: 'string', pattern: '^[0-9]{1,10}$' } as const;

interface PageQuery {
  before?: string;
  after?: string;
  limit?: number;
}

/** Printable ASCII without spaces, as a UUID or any other random token a client makes. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,128}$/;

/**
 * The post's `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header), if any:
 * 8 to 128 printable ASCII characters, chosen by the client once per message and sent again
 * with every retry of it.
 */
function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
    throw new ApiError(
      'invalid_idempotency_key',
      'Idempotency-Key must be 8 to 128 printable ASCII characters without spaces (a UUID works), sent once.',
    );
  }
  return header;
}

export function registerMessageRoutes(app: FastifyInstance, context: AppContext): void {
  const maxLength = context.options.messageMaxLength;

  app.post<{ Params: { room: string }; Body: { author: string; text: string } }>(
    '/api/rooms/:room/messages',
    {
      schema: {
        params: roomParamSchema,
        body: {
          type: 'object',
          required: ['author', 'text'],
          additionalProperties: false,
          properties: {
            author: { type: 'string', maxLength: 400 },
            text: { type: 'string', maxLength: maxLength * 8 },
          },
        },
        response: { 201: { type: 'object', properties: { message: messageSchema } } },
      },
    },
    async (request, reply) => {
      const author = cleanText('author', request.body.author, AUTHOR_MAX_LENGTH);
      const text = cleanText('text', request.body.text, maxLength);
      const key = idempotencyKey(request.headers['idempotency-key']);
      const room = request.params.room;
      const participant = participantOf(context, request);
      await enforcePostLimits(context, request, room, participant);
      const { message, replayed } = await context.posts.post(room, {
        author,
        text,
        key,
        participant: participant.id,
        ownerToken: presentedOwnerToken(request, room),
      });
      if (replayed) reply.header('idempotent-replayed', 'true');
      else context.metrics.messagesPosted.inc();
      reply.code(201);
      return { message };
    },
  );

  app.get<{ Params: { room: string }; Querystring: PageQuery }>(
    '/api/rooms/:room/messages',
    {
      schema: {
        params: roomParamSchema,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            before: cursor,
            after: cursor,
            limit: { type: 'integer', minimum: 1, maximum: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              messages: { type: 'array', items: messageSchema },
              next: { type: ['string', 'null'] },
            },
          },
        },
      },
    },
    async (request) => {
      const { before, after } = request.query;
      if (before !== undefined && after !== undefined) {
        throw new ApiError('invalid_request', 'Give at most one of before and after.');
      }
      const direction: PageDirection =
        before !== undefined ? 'before' : after !== undefined ? 'after' : 'newest';
      const position = Number(before ?? after ?? 0);
      const roomId = await loadRoomId(context, request.params.room);
      return messagePage(context.db.reader, roomId, direction, position, request.query.limit ?? 50);
    },
  );
}
