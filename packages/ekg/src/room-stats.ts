import type { Rooms } from './rooms.js';

/** What {@link EkgServer.roomStats} and `GET /rooms/:room` report. */
export interface RoomStats {
  room: string;
  subscribers: number;
  lastSeq: number;
  buffered: number;
}

/** The figures of room `name`, or undefined when this instance does not hold it. */
export function roomStatsOf(rooms: Rooms, name: string): RoomStats | undefined {
  const room = rooms.find(name);
  if (room === undefined) return undefined;
  return {
    room: name,
    subscribers: room.subscribers.size,
    lastSeq: room.lastSeq,
    buffered: room.bufferedCount,
  };
}
