import type { EventEnvelope } from './envelope.js';
import { ApiError } from './errors.js';
import { commitChange, type EventTransactionDeps } from './event-transaction.js';
import { hostRefusals } from './post-moderation.js';
import { ownsRoom } from './security/owner-token.js';
import {
  insertMessages,
  type MessageRow,
  type MessageView,
  messagesByPostKey,
  messageView,
  type NewMessage,
} from './store/messages.js';
import { type RoomRow, roomStatus } from './store/rooms.js';

/** Throws the error a post to a room in this state gets: 410 closed or expired, 409 paused. */
export function requireOpen(room: RoomRow, now: Date): void {
  const status = roomStatus(room, now);
  if (status === 'closed')
    throw new ApiError('room_closed', 'This room is closed: it takes no new messages.');
  if (status === 'expired')
    throw new ApiError('room_expired', 'This room has expired: it takes no new messages.');
  if (status === 'paused') {
    throw new ApiError('room_paused', 'The owner has paused this room: try again when it resumes.');
  }
}

/** One post as the route hands it over. */
export interface PostRequest {
  author: string;
  text: string;
  /** The client's Idempotency-Key: a post with a key the room has seen returns that message. */
  key?: string;
  /** Who posts it: a participant id (see `ParticipantCookies`). */
  participant: string;
  /** The room's owner token the request carried, if any: the owner is exempt from slow mode and mutes. */
  ownerToken?: string;
}

/** The outcome of a post: its message, and whether it was created earlier by a post with the same key. */
export interface PostResult {
  message: MessageView;
  replayed: boolean;
}

interface PendingPost extends PostRequest {
  resolve: (result: PostResult) => void;
  reject: (error: unknown) => void;
}

interface RoomQueue {
  pending: PendingPost[];
  flushing: boolean;
}

const MAX_BATCH = 64;

/**
 * Posts messages room by room. A post to a room with no post in flight goes out at
 * once; posts that arrive while one is in flight wait and then go out together: one
 * transaction, consecutive seqs in arrival order, one reflektor request (a JSON array).
 * Each post resolves with its own message, or rejects with its batch's error. A post whose
 * Idempotency-Key the room already has (stored, or earlier in the same batch) creates nothing
 * and resolves with that message; the same key with other content is refused with 422.
 */
export class PostBatcher {
  private readonly rooms = new Map<string, RoomQueue>();

  constructor(
    private readonly deps: EventTransactionDeps,
    private readonly waiting?: { inc(): void; dec(by: number): void },
  ) {}

  post(room: string, request: PostRequest): Promise<PostResult> {
    let queue = this.rooms.get(room);
    if (queue === undefined) {
      queue = { pending: [], flushing: false };
      this.rooms.set(room, queue);
    }
    const pending = queue.pending;
    const promise = new Promise<PostResult>((resolve, reject) => {
      pending.push({ ...request, resolve, reject });
    });
    if (queue.flushing) this.waiting?.inc();
    else void this.flush(room, queue);
    return promise;
  }

  private async flush(room: string, queue: RoomQueue): Promise<void> {
    queue.flushing = true;
    let first = true;
    while (queue.pending.length > 0) {
      const batch = queue.pending.splice(0, MAX_BATCH);
      // The post that started this flush never waited; every later one did.
      this.waiting?.dec(first ? batch.length - 1 : batch.length);
      first = false;
      try {
        const outcomes = await this.commit(room, batch);
        for (let i = 0; i < batch.length; i++) {
          const outcome = outcomes[i];
          if (outcome instanceof ApiError) batch[i].reject(outcome);
          else batch[i].resolve(outcome);
        }
      } catch (error) {
        for (const post of batch) post.reject(error);
      }
    }
    queue.flushing = false;
    this.rooms.delete(room);
  }

  private commit(roomName: string, batch: PendingPost[]): Promise<(PostResult | ApiError)[]> {
    return commitChange(this.deps, roomName, async ({ trx, room, at, now, takeSeqs }) => {
      const keys = batch.flatMap((post) => (post.key === undefined ? [] : [post.key]));
      const stored = new Map<string, MessageRow>();
      for (const row of await messagesByPostKey(trx, room.id, keys)) stored.set(row.post_key!, row);

      const outcomes: (PostResult | ApiError | undefined)[] = new Array(batch.length);
      const fresh: number[] = [];
      const firstWithKey = new Map<string, number>();
      for (let i = 0; i < batch.length; i++) {
        const { key, author, text } = batch[i];
        const earlier = key === undefined ? undefined : stored.get(key);
        if (earlier !== undefined) {
          outcomes[i] = sameContent(earlier, author, text)
            ? { message: messageView(earlier), replayed: true }
            : keyReused();
        } else if (key !== undefined && firstWithKey.has(key)) {
          // Filled in below, once the first post with this key has its message.
        } else {
          if (key !== undefined) firstWithKey.set(key, i);
          fresh.push(i);
        }
      }

      const messages: NewMessage[] = [];
      const envelopes: EventEnvelope[] = [];
      if (fresh.length > 0) requireOpen(room, now);
      if (fresh.length > 0 && (room.muted_count > 0 || room.slow_mode_seconds > 0)) {
        const refusals = await hostRefusals(
          trx,
          room,
          now,
          fresh.map((i) => ({
            participant: batch[i].participant,
            owner: batch[i].ownerToken !== undefined && ownsRoom(batch[i].ownerToken, room.owner_token_hash),
          })),
        );
        const admitted: number[] = [];
        for (let n = 0; n < fresh.length; n++) {
          const refusal = refusals[n];
          if (refusal === undefined) admitted.push(fresh[n]);
          else outcomes[fresh[n]] = refusal;
        }
        fresh.splice(0, fresh.length, ...admitted);
      }
      if (fresh.length > 0) {
        const firstSeq = await takeSeqs(fresh.length);
        for (let n = 0; n < fresh.length; n++) {
          const post = batch[fresh[n]];
          const seq = firstSeq + n;
          const id = String(seq);
          const message: NewMessage = {
            id,
            seq,
            author: post.author,
            text: post.text,
            at,
            postKey: post.key ?? null,
            participantId: post.participant,
          };
          messages.push(message);
          outcomes[fresh[n]] = { message: publicView(message), replayed: false };
          envelopes.push({
            room: roomName,
            seq,
            type: 'message.created',
            at,
            data: { id, author: post.author, text: post.text },
          });
        }
        await insertMessages(trx, room.id, messages);
      }
      for (let i = 0; i < batch.length; i++) {
        if (outcomes[i] !== undefined) continue;
        const { key, author, text } = batch[i];
        const original = outcomes[firstWithKey.get(key!)!]!;
        outcomes[i] =
          original instanceof ApiError
            ? original
            : original.message.author === author && original.message.text === text
              ? { message: original.message, replayed: true }
              : keyReused();
      }
      return { envelopes, result: outcomes as (PostResult | ApiError)[] };
    });
  }
}

function publicView(message: NewMessage): MessageView {
  return { id: message.id, seq: message.seq, author: message.author, text: message.text, at: message.at };
}

/** A deleted message keeps its key but not its content: any retry of it counts as the same post. */
function sameContent(row: MessageRow, author: string, text: string): boolean {
  return row.deleted_at !== null || (row.author === author && row.text === text);
}

function keyReused(): ApiError {
  return new ApiError(
    'idempotency_key_reused',
    'This Idempotency-Key was already used for a different message; send a new key with each new message.',
  );
}
