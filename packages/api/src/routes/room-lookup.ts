import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { findRoom, type RoomRow } from '../store/rooms.js';

export const roomParamSchema = {
  type: 'object',
  required: ['room'],
  properties: { room: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/** The room by name from the read connection, or `room_not_found` (404). */
export async function loadRoom(context: AppContext, name: string): Promise<RoomRow> {
  const room = await findRoom(context.db.reader, name);
  if (room === undefined) throw new ApiError('room_not_found', `There is no room "${name}". Check the link.`);
  return room;
}

const ROOM_ID_TTL_MS = 5000;
const MAX_CACHED_ROOM_IDS = 10_000;

/**
 * The room's id for read-only routes that need nothing else (history pages). A room's
 * id never changes, so it is remembered for a few seconds (the purge forgets the
 * rooms it deletes).
 */
export async function loadRoomId(context: AppContext, name: string): Promise<number> {
  const roomIds = context.roomIds;
  const now = Date.now();
  const cached = roomIds.get(name);
  if (cached !== undefined && cached.until > now) return cached.id;
  const room = await loadRoom(context, name);
  if (roomIds.size >= MAX_CACHED_ROOM_IDS) roomIds.clear();
  roomIds.set(name, { id: room.id, until: now + ROOM_ID_TTL_MS });
  return room.id;
}
