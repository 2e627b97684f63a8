/**
 * The room paths: `/rooms/:room` (stats), `/rooms/:room/events` (SSE), `/rooms/:room/ws`
 * (WebSocket). Group 1 is the room, group 2 the suffix (undefined for stats).
 */
export const ROOM_PATH = /^\/rooms\/([^/]+)(\/events|\/ws)?$/;
