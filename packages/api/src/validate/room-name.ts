import { ApiError } from '../errors.js';

/** Names a room can't take because a path of the site already uses them. */
export const reservedRoomNames: ReadonlySet<string> = new Set([
  'api',
  'assets',
  'rooms',
  'webhooks',
  'health',
  'ready',
  'metrics',
  'admin',
  'static',
  'new',
  'index',
  'favicon',
  'robots',
  'transcript',
  'status',
]);

const ROOM_NAME = /^[a-z0-9-]{3,64}$/;

export function isValidRoomName(name: string): boolean {
  return ROOM_NAME.test(name) && !reservedRoomNames.has(name);
}

/** Throws `invalid_room_name` or `reserved_room_name` unless `name` can name a room. */
export function checkRoomName(name: string): void {
  if (!ROOM_NAME.test(name)) {
    throw new ApiError(
      'invalid_room_name',
      'A room name is 3 to 64 characters of lower-case letters a-z, digits 0-9 and -.',
    );
  }
  if (reservedRoomNames.has(name)) {
    throw new ApiError('reserved_room_name', `"${name}" is reserved: choose another room name.`);
  }
}
