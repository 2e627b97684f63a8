export type { EventEnvelope, EventType } from './envelope.js';
export { EVENT_TYPE, eventTypes, isRoomName, ROOM_NAME } from './envelope.js';
export { InvalidEnvelope, parseEnvelopes } from './parse-envelopes.js';
