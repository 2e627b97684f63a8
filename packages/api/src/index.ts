/**
 * @backchannel/api: rooms, messages, moderation, transcripts and the web UI's pages,
 * over SQLite (default) or PostgreSQL, publishing every change through reflektor.
 */

export { migrations } from './db/migrations/index.js';
export type { EventEnvelope, EventType } from './envelope.js';
export { ApiError, type ErrorCode, errorStatus } from './errors.js';
export { endWithLingeringClose, type LingeringCloseOptions } from './http/lingering-close.js';
export type { ApiOptions } from './options.js';
export { defaultOptions } from './options.js';
export { type ApiHandle, PortInUseError, startApi } from './server.js';
export { reservedRoomNames } from './validate/room-name.js';
