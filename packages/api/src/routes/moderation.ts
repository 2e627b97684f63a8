import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { StoredRoomStatus } from '../db/schema.js';
import type { EventEnvelope } from '../envelope.js';
import { ApiError } from '../errors.js';
import { commitChange, commitWithEvent } from '../event-transaction.js';
import { presentedOwnerToken, requireOwner } from '../security/owner-token.js';
import { findMessage, tombstoneMessage } from '../store/messages.js';
import { type RoomRow, roomStatus, setRoomStatus } from '../store/rooms.js';
import { loadRoom, roomParamSchema } from './room-lookup.js';
import { roomView } from './rooms.js';

const transitions = {
  pause: { from: ['open'], to: 'paused', type: 'room.paused' },
  resume: { from: ['paused'], to: 'open', type: 'room.resumed' },
  close: { from: ['open', 'paused'], to: 'closed', type: 'room.closed' },
} as const satisfies Record<
  string,
  { from: readonly StoredRoomStatus[]; to: StoredRoomStatus; type: EventEnvelope['type'] }
>;

type Action = keyof typeof transitions;

export function registerModerationRoutes(app: FastifyInstance, context: AppContext): void {
  app.delete<{ Params: { room: string; id: string } }>(
    '/api/rooms/:room/messages/:id',
    {
      schema: {
        params: {
          type: 'object',
          required: ['room', 'id'],
          properties: { ...roomParamSchema.properties, id: { type: 'string', pattern: '^[0-9]{1,10}$' } },
        },
      },
    },
    async (request, reply) => {
      const seq = Number(request.params.id);
      const current = await loadRoom(context, request.params.room);
      requireOwner(presentedOwnerToken(request, current.name), current.owner_token_hash);
      const message = await findMessage(context.db.reader, current.id, seq);
      if (message === undefined) {
        throw new ApiError(
          'message_not_found',
          `Room "${current.name}" has no message ${request.params.id}.`,
        );
      }
      // Deleting twice is a no-op: no second event.
      if (message.deleted_at !== null) return reply.code(204).send();
      try {
        await commitChange(context.changes, current.name, async ({ trx, room, at, takeSeqs }) => {
          const fresh = await findMessage(trx, room.id, seq);
          if (fresh === undefined || fresh.deleted_at !== null) throw new AlreadyDeleted();
          await tombstoneMessage(trx, room.id, seq, at);
          const eventSeq = await takeSeqs(1);
          const envelope: EventEnvelope = {
            room: room.name,
            seq: eventSeq,
            type: 'message.deleted',
            at,
            data: { id: String(seq) },
          };
          return { envelopes: [envelope], result: undefined };
        });
      } catch (error) {
        if (!(error instanceof AlreadyDeleted)) throw error;
      }
      return reply.code(204).send();
    },
  );

  for (const action of Object.keys(transitions) as Action[]) {
    const transition = transitions[action];
    app.post<{ Params: { room: string } }>(
      `/api/rooms/:room/${action}`,
      { schema: { params: roomParamSchema } },
      async (request) => {
        const current = await loadRoom(context, request.params.room);
        requireOwner(presentedOwnerToken(request, current.name), current.owner_token_hash);
        const updated = await commitWithEvent(
          context.changes,
          current.name,
          async ({ trx, room, seq, at, now }) => {
            const status = roomStatus(room, now);
            if (status === 'expired')
              throw new ApiError('room_expired', 'This room has expired: it cannot change.');
            if (!(transition.from as readonly string[]).includes(status)) {
              throw new ApiError(
                status === 'closed' ? 'room_closed' : 'room_state_conflict',
                `A ${status} room cannot ${action}.`,
              );
            }
            await setRoomStatus(trx, room.id, transition.to);
            const envelope: EventEnvelope = {
              room: room.name,
              seq,
              type: transition.type,
              at,
              data: { status: transition.to },
            };
            const after: RoomRow = { ...room, status: transition.to, last_seq: seq };
            return { envelope, result: after };
          },
        );
        context.log.info(`room ${action}`, { room: current.name });
        return { room: roomView(context, updated, true) };
      },
    );
  }
}

class AlreadyDeleted extends Error {}
