import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { eventsAfter } from '../store/events.js';
import { loadRoom, roomParamSchema } from './room-lookup.js';

export function registerEventRoutes(app: FastifyInstance, context: AppContext): void {
  app.get<{ Params: { room: string }; Querystring: { after?: number; limit?: number } }>(
    '/api/rooms/:room/events',
    {
      schema: {
        params: roomParamSchema,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'integer', minimum: 0, maximum: 2147483647 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
    },
    async (request) => {
      const room = await loadRoom(context, request.params.room);
      const page = await eventsAfter(
        context.db.reader,
        room.id,
        room.name,
        request.query.after ?? 0,
        request.query.limit ?? 100,
      );
      return { ...page, lastSeq: room.last_seq };
    },
  );
}
