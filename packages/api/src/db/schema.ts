import type { Generated } from 'kysely';

/** A room's stored status; `expired` is derived from `expires_at`, never stored. */
export type StoredRoomStatus = 'open' | 'paused' | 'closed';

export interface RoomsTable {
  id: Generated<number>;
  name: string;
  title: string;
  lifetime: string;
  status: StoredRoomStatus;
  owner_token_hash: string;
  created_at: string;
  expires_at: string;
  last_seq: number;
  /** Slow mode: one post per participant per this many seconds; 0 is off. */
  slow_mode_seconds: Generated<number>;
  /** How many participants are muted in this room (rows in `muted_participants`). */
  muted_count: Generated<number>;
}

/** One row per posted message; its primary key is (room_id, seq), the seq of its `message.created`. */
export interface MessagesTable {
  room_id: number;
  seq: number;
  author: string;
  text: string;
  created_at: string;
  deleted_at: string | null;
  /** The poster's Idempotency-Key, unique per room; null for posts sent without one. */
  post_key: string | null;
  /** Who posted it: a participant id (signed cookie) or `a_…` (a keyed hash of a cookieless client's address); null before participants existed. Never shown publicly. */
  participant_id: string | null;
}

/** Every event except `message.created` (those are the messages table). */
export interface EventsTable {
  room_id: number;
  seq: number;
  type: string;
  at: string;
  data: string;
}

/**
 * Committed events not yet accepted by reflektor: one row per change (one request body), removed
 * once reflektor answered 2xx. `body` is exactly what is sent, so a retry repeats it byte for byte.
 */
export interface OutboxTable {
  room_id: number;
  first_seq: number;
  last_seq: number;
  /** The room's name: the request's ordering key. */
  room: string;
  /** The JSON request body: one envelope, or an array of several. */
  body: string;
  /** ISO 8601 time of the commit. */
  queued_at: string;
}

/** A participant the host muted in a room: their posts there are refused. */
export interface MutedParticipantsTable {
  room_id: number;
  participant_id: string;
  muted_at: string;
}

/** Secrets the api generated for itself (the participant cookie's signing key), shared by every process on the database. */
export interface ApiSecretsTable {
  name: string;
  value: string;
  created_at: string;
}

export interface Database {
  rooms: RoomsTable;
  messages: MessagesTable;
  events: EventsTable;
  outbox: OutboxTable;
  muted_participants: MutedParticipantsTable;
  api_secrets: ApiSecretsTable;
}
