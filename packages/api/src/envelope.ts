/** Event types the api emits (DESIGN.md, "The event envelope"). */
export type EventType =
  | 'message.created'
  | 'message.deleted'
  | 'room.paused'
  | 'room.resumed'
  | 'room.closed'
  | 'room.updated';

/** One event as published to reflektor and returned by the catch-up route. */
export interface EventEnvelope {
  room: string;
  /** Per room, strictly increasing, assigned in the same transaction as the change. */
  seq: number;
  type: EventType;
  /** ISO 8601, UTC, milliseconds. */
  at: string;
  data: Record<string, unknown>;
}
