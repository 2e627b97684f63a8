/**
 * ekg: the streaming service. Holds browsers' SSE and WebSocket connections per room, takes events
 * in on `POST /publish` (signed by the relay), and pushes each one to every subscriber of its room,
 * once and in seq order, with resume from a ring buffer and a `gap` notice past it.
 */
export { type EventEnvelope, isRoomName, parseEnvelopes, ROOM_NAME } from './envelope.js';
export { EkgError } from './errors.js';
export type { GapNotice } from './frame.js';
export type { PublishResult } from './publish.js';
export type { RoomStats } from './room-stats.js';
export { type EkgServer, startEkg } from './server.js';
export type { EkgOptions } from './settings.js';
