import type { EventEnvelope as Envelope, EventType } from '@backchannel/envelope';

export type { EventType } from '@backchannel/envelope';

/** One event as the api publishes it to reflektor and returns it from the catch-up route. */
export type EventEnvelope = Envelope<EventType, Record<string, unknown>>;
