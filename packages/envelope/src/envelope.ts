// The event envelope every service agrees on (docs/architecture.md, "The event envelope"): the
// api makes one for each committed change, reflektor carries it, ekg checks it and sends it,
// browsers show it. `seq` is per room, strictly increasing, assigned by the api in the
// transaction that commits the change; nothing downstream invents or renumbers one.

/** The event types the api emits. */
export const eventTypes = [
  'message.created',
  'message.deleted',
  'room.paused',
  'room.resumed',
  'room.closed',
  'room.updated',
] as const;

export type EventType = (typeof eventTypes)[number];

/** One event. `Type` and `Data` narrow it where the producer knows more (the api does). */
export interface EventEnvelope<Type extends string = string, Data = unknown> {
  room: string;
  /** Per room, strictly increasing, assigned in the same transaction as the change. */
  seq: number;
  type: Type;
  /** ISO 8601, UTC. */
  at: string;
  data: Data;
}

/** Room names on the wire: 1–64 letters, digits, `-`, `_` and `.`, starting with a letter or digit. */
export const ROOM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Event types go on an SSE `event:` line, so they must be short and single-line. */
export const EVENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** Whether `room` is a valid room name (see {@link ROOM_NAME}). */
export function isRoomName(room: string): boolean {
  return ROOM_NAME.test(room);
}
