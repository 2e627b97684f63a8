import type { EventEnvelope } from './envelope.js';
import { ApiError } from './errors.js';
import { commitWithEvents, type EventTransactionDeps } from './event-transaction.js';
import { insertMessages, type MessageView } from './store/messages.js';
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

interface PendingPost {
  author: string;
  text: string;
  resolve: (message: MessageView) => void;
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
 * Each post resolves with its own message, or rejects with its batch's error.
 */
export class PostBatcher {
  private readonly rooms = new Map<string, RoomQueue>();

  constructor(
    private readonly deps: EventTransactionDeps,
    private readonly waiting?: { inc(): void; dec(by: number): void },
  ) {}

  post(room: string, author: string, text: string): Promise<MessageView> {
    let queue = this.rooms.get(room);
    if (queue === undefined) {
      queue = { pending: [], flushing: false };
      this.rooms.set(room, queue);
    }
    const pending = queue.pending;
    const promise = new Promise<MessageView>((resolve, reject) => {
      pending.push({ author, text, resolve, reject });
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
        const messages = await this.commit(room, batch);
        for (let i = 0; i < batch.length; i++) batch[i].resolve(messages[i]);
      } catch (error) {
        for (const post of batch) post.reject(error);
      }
    }
    queue.flushing = false;
    this.rooms.delete(room);
  }

  private commit(roomName: string, batch: PendingPost[]): Promise<MessageView[]> {
    return commitWithEvents(this.deps, roomName, batch.length, async ({ trx, room, firstSeq, at, now }) => {
      requireOpen(room, now);
      const messages: MessageView[] = [];
      const envelopes: EventEnvelope[] = [];
      for (let i = 0; i < batch.length; i++) {
        const seq = firstSeq + i;
        const { author, text } = batch[i];
        const id = String(seq);
        messages.push({ id, seq, author, text, at });
        envelopes.push({ room: roomName, seq, type: 'message.created', at, data: { id, author, text } });
      }
      await insertMessages(trx, room.id, messages);
      return {
        envelopes,
        result: messages,
        compensation: (deletedSeq, deletedAt) =>
          messages.map((message, i) => ({
            room: roomName,
            seq: deletedSeq + i,
            type: 'message.deleted' as const,
            at: deletedAt,
            data: { id: message.id },
          })),
      };
    });
  }
}
