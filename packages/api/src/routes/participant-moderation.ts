import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { EventEnvelope } from '../envelope.js';
import { ApiError } from '../errors.js';
import { commitChange, commitWithEvent } from '../event-transaction.js';
import { presentedOwnerToken, requireOwner } from '../security/owner-token.js';
import { tombstoneMessages } from '../store/messages.js';
import {
  liveMessagesOf,
  muteParticipant,
  participantOfMessage,
  unmuteParticipant,
} from '../store/participants.js';
import { type RoomRow, roomStatus, setSlowMode } from '../store/rooms.js';
import { loadRoom, roomParamSchema } from './room-lookup.js';
import { roomView } from './rooms.js';

/** Longest slow mode a host may set: one hour. */
export const SLOW_MODE_MAX_SECONDS = 3600;
/** Messages removed per change by "remove all from this participant"; a larger set takes several. */
const REMOVE_CHUNK = 200;

const messageParams = {
  type: 'object',
  required: ['room', 'id'],
  properties: { ...roomParamSchema.properties, id: { type: 'string', pattern: '^[0-9]{1,10}$' } },
} as const;

type MessageParams = { Params: { room: string; id: string } };

/**
 * The host's controls over people rather than single messages: slow mode, mute and "remove all
 * messages from this participant". The host picks a participant by one of their messages, so the
 * participant id itself never leaves the api.
 */
export function registerParticipantModerationRoutes(app: FastifyInstance, context: AppContext): void {
  /** The room (owner checked) and the participant who posted message `id`. */
  async function authorOf(room: string, id: string, token: string | undefined) {
    const current = await loadRoom(context, room);
    requireOwner(token, current.owner_token_hash);
    const participant = await participantOfMessage(context.db.reader, current.id, Number(id));
    if (participant === undefined) {
      throw new ApiError('message_not_found', `Room "${current.name}" has no message ${id}.`);
    }
    if (participant === null) {
      throw new ApiError(
        'participant_unknown',
        'This message was posted before participants were recorded: it cannot be traced to anyone.',
      );
    }
    return { current, participant };
  }

  app.post<{ Params: { room: string }; Body: { seconds: number } }>(
    '/api/rooms/:room/slow-mode',
    {
      schema: {
        params: roomParamSchema,
        body: {
          type: 'object',
          required: ['seconds'],
          additionalProperties: false,
          properties: { seconds: { type: 'integer', minimum: 0, maximum: SLOW_MODE_MAX_SECONDS } },
        },
      },
    },
    async (request) => {
      const current = await loadRoom(context, request.params.room);
      requireOwner(presentedOwnerToken(request, current.name), current.owner_token_hash);
      const seconds = request.body.seconds;
      const updated = await commitWithEvent(
        context.changes,
        current.name,
        async ({ trx, room, seq, at, now }) => {
          const status = roomStatus(room, now);
          if (status === 'closed')
            throw new ApiError('room_closed', 'This room is closed: it cannot change.');
          if (status === 'expired')
            throw new ApiError('room_expired', 'This room has expired: it cannot change.');
          await setSlowMode(trx, room.id, seconds);
          const envelope: EventEnvelope = {
            room: room.name,
            seq,
            type: 'room.updated',
            at,
            data: { status, slowModeSeconds: seconds },
          };
          const after: RoomRow = { ...room, slow_mode_seconds: seconds, last_seq: seq };
          return { envelope, result: after };
        },
      );
      context.log.info('room slow mode', { room: current.name, seconds });
      return { room: roomView(context, updated, true) };
    },
  );

  for (const [action, muted] of [
    ['mute-author', true],
    ['unmute-author', false],
  ] as const) {
    app.post<MessageParams>(
      `/api/rooms/:room/messages/:id/${action}`,
      { schema: { params: messageParams } },
      async (request) => {
        const { room, id } = request.params;
        const { current, participant } = await authorOf(room, id, presentedOwnerToken(request, room));
        const changed = await commitChange(
          context.changes,
          current.name,
          async ({ trx, room: locked, at }) => ({
            envelopes: [],
            result: muted
              ? await muteParticipant(trx, locked.id, participant, at)
              : await unmuteParticipant(trx, locked.id, participant),
          }),
        );
        if (changed)
          context.log.info(muted ? 'participant muted' : 'participant unmuted', { room: current.name });
        return { muted };
      },
    );
  }

  app.post<MessageParams>(
    '/api/rooms/:room/messages/:id/remove-author-messages',
    { schema: { params: messageParams } },
    async (request) => {
      const { room, id } = request.params;
      const { current, participant } = await authorOf(room, id, presentedOwnerToken(request, room));
      let removed = 0;
      for (;;) {
        // Each chunk is one change: its messages are tombstoned and their `message.deleted`
        // events committed together, then published like any single delete.
        const count = await commitChange(
          context.changes,
          current.name,
          async ({ trx, room: locked, at, takeSeqs }) => {
            const seqs = await liveMessagesOf(trx, locked.id, participant, REMOVE_CHUNK);
            if (seqs.length === 0) return { envelopes: [], result: 0 };
            await tombstoneMessages(trx, locked.id, seqs, at);
            const first = await takeSeqs(seqs.length);
            const envelopes: EventEnvelope[] = seqs.map((seq, n) => ({
              room: locked.name,
              seq: first + n,
              type: 'message.deleted',
              at,
              data: { id: String(seq) },
            }));
            return { envelopes, result: seqs.length };
          },
        );
        removed += count;
        if (count < REMOVE_CHUNK) break;
      }
      context.log.info('participant messages removed', { room: current.name, removed });
      return { removed };
    },
  );
}
