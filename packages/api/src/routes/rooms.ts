import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import {
  newOwnerToken,
  ownerCookie,
  ownsRoom,
  presentedOwnerToken,
  requireOwner,
} from '../security/owner-token.js';
import { insertRoom, type RoomRow, type RoomStatus, roomStatus, setOwnerTokenHash } from '../store/rooms.js';
import { expiryFor, type Lifetime, lifetimes } from '../validate/lifetime.js';
import { cleanText, TITLE_MAX_LENGTH } from '../validate/message.js';
import { checkRoomName } from '../validate/room-name.js';
import { enforceRateLimit } from './rate-limit-hook.js';
import { loadRoom, roomParamSchema } from './room-lookup.js';

/** A room as the api shows it. */
export interface RoomView {
  name: string;
  title: string;
  status: RoomStatus;
  lifetime: string;
  createdAt: string;
  expiresAt: string;
  lastSeq: number;
  /** Slow mode: one post per participant per this many seconds; 0 is off. */
  slowModeSeconds: number;
  url: string;
  /** Whether this request carries the room's owner token. */
  owner: boolean;
}

export function roomView(context: AppContext, room: RoomRow, owner: boolean): RoomView {
  return {
    name: room.name,
    title: room.title,
    status: roomStatus(room, new Date()),
    lifetime: room.lifetime,
    createdAt: room.created_at,
    expiresAt: room.expires_at,
    lastSeq: room.last_seq,
    slowModeSeconds: room.slow_mode_seconds,
    // A room named `status` (made before the name was reserved) has its page at /status/room.
    url: `${context.publicOrigin}/${room.name === 'status' ? 'status/room' : room.name}`,
    owner,
  };
}

interface CreateRoomBody {
  name: string;
  title?: string;
  lifetime?: Lifetime;
}

function setOwnerCookie(context: AppContext, reply: FastifyReply, room: RoomRow, token: string): void {
  const maxAge = (Date.parse(room.expires_at) - Date.now()) / 1000 + context.options.purgeGraceMs / 1000;
  reply.header(
    'set-cookie',
    ownerCookie(room.name, token, context.publicOrigin.startsWith('https:'), maxAge),
  );
}

export function registerRoomRoutes(app: FastifyInstance, context: AppContext): void {
  app.post<{ Body: CreateRoomBody }>(
    '/api/rooms',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', maxLength: 200 },
            title: { type: 'string', maxLength: 1000 },
            lifetime: { type: 'string', enum: [...lifetimes] },
          },
        },
      },
    },
    async (request, reply) => {
      await enforceRateLimit(context, context.roomLimiter, request, reply, 'room');
      const name = request.body.name.trim().toLowerCase();
      checkRoomName(name);
      const rawTitle = request.body.title?.trim() ?? '';
      const title = rawTitle === '' ? name : cleanText('title', rawTitle, TITLE_MAX_LENGTH);
      const lifetime = request.body.lifetime ?? 'day';
      const now = new Date();
      const { token, hash } = newOwnerToken();
      const room = await insertRoom(context.db.writer, {
        name,
        title,
        lifetime,
        ownerTokenHash: hash,
        createdAt: now.toISOString(),
        expiresAt: expiryFor(lifetime, now).toISOString(),
      });
      if (room === undefined) {
        throw new ApiError('room_taken', `The room name "${name}" is taken: choose another.`);
      }
      context.metrics.roomsCreated.inc();
      context.log.info('room created', { room: name, lifetime });
      setOwnerCookie(context, reply, room, token);
      reply.code(201);
      return { room: roomView(context, room, true), ownerToken: token };
    },
  );

  app.get<{ Params: { room: string } }>(
    '/api/rooms/:room',
    { schema: { params: roomParamSchema } },
    async (request: FastifyRequest<{ Params: { room: string } }>) => {
      const room = await loadRoom(context, request.params.room);
      const owner = ownsRoom(presentedOwnerToken(request, room.name), room.owner_token_hash);
      return { room: roomView(context, room, owner) };
    },
  );

  app.post<{ Params: { room: string } }>(
    '/api/rooms/:room/owner-token',
    { schema: { params: roomParamSchema } },
    async (request, reply) => {
      const room = await loadRoom(context, request.params.room);
      requireOwner(presentedOwnerToken(request, room.name), room.owner_token_hash);
      const { token, hash } = newOwnerToken();
      await setOwnerTokenHash(context.db.writer, room.id, hash);
      context.log.info('owner token rotated', { room: room.name });
      setOwnerCookie(context, reply, room, token);
      return { ownerToken: token };
    },
  );
}
