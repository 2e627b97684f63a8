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
