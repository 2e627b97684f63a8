import type { Kysely } from 'kysely';
import type { Database } from './db/schema.js';
import { ApiError } from './errors.js';
import { lastPostTimes, mutedAmong } from './store/participants.js';
import type { RoomRow } from './store/rooms.js';

/** One post as the host's controls see it: who sent it, and whether they own the room. */
export interface ModeratedPost {
  participant: string;
  owner: boolean;
}

/**
 * The host's refusals for posts about to be stored, read inside the change's transaction (the
 * room is locked, so they hold across api processes): a muted participant's posts get
 * `participant_muted` (403); in slow mode, a participant's post within N seconds of their last
 * one (or of an earlier post in the same batch) gets `slow_mode` (429) with `Retry-After`.
 * The room's owner is never refused. Returns one entry per post, undefined for those admitted.
 */
export async function hostRefusals(
  trx: Kysely<Database>,
  room: RoomRow,
  now: Date,
  posts: readonly ModeratedPost[],
): Promise<(ApiError | undefined)[]> {
  const refusals: (ApiError | undefined)[] = new Array(posts.length);
  const slowMs = room.slow_mode_seconds * 1000;
  if (room.muted_count === 0 && slowMs === 0) return refusals;
  const participants = [...new Set(posts.filter((post) => !post.owner).map((post) => post.participant))];
  const muted = room.muted_count > 0 ? await mutedAmong(trx, room.id, participants) : new Set<string>();
  const last = new Map<string, number>();
  if (slowMs > 0) {
    for (const [participant, at] of await lastPostTimes(trx, room.id, participants)) {
      last.set(participant, Date.parse(at));
    }
  }
  const nowMs = now.getTime();
  for (let i = 0; i < posts.length; i++) {
    const { participant, owner } = posts[i];
    if (owner) continue;
    if (muted.has(participant)) {
      refusals[i] = new ApiError(
        'participant_muted',
        'The host has muted you in this room: your message was not posted.',
      );
      continue;
    }
    if (slowMs === 0) continue;
    const previous = last.get(participant);
    if (previous !== undefined && nowMs - previous < slowMs) {
      const seconds = Math.max(1, Math.ceil((previous + slowMs - nowMs) / 1000));
      refusals[i] = new ApiError(
        'slow_mode',
        `Slow mode is on: one message every ${room.slow_mode_seconds} s. Wait ${seconds} s and send it again.`,
        { 'retry-after': String(seconds) },
      );
      continue;
    }
    last.set(participant, nowMs);
  }
  return refusals;
}
