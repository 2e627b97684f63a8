import type { Db } from './db/connect.js';
import type { Logger } from './log.js';
import type { ApiMetrics } from './metrics.js';
import { deleteEventsUpTo } from './store/events.js';
import { deleteMessagesUpTo } from './store/messages.js';
import { expiredRooms } from './store/rooms.js';

const ROOMS_PER_RUN = 20;
// Deleting in slices keeps each write short, so posts to other rooms are not held up.
const SEQS_PER_SLICE = 5000;

export interface PurgeOptions {
  db: Db;
  log: Logger;
  metrics: ApiMetrics;
  graceMs: number;
  /** Called with each purged room's name (to drop anything remembered about it). */
  onPurged?: (room: string) => void;
}

/** Deletes rooms that expired more than `graceMs` ago, with their messages and events. Returns how many. */
export async function purgeExpiredRooms(options: PurgeOptions, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - options.graceMs).toISOString();
  const rooms = await expiredRooms(options.db.reader, cutoff, ROOMS_PER_RUN);
  const writer = options.db.writer;
  for (const room of rooms) {
    for (let upto = SEQS_PER_SLICE; ; upto += SEQS_PER_SLICE) {
      await deleteMessagesUpTo(writer, room.id, upto);
      await deleteEventsUpTo(writer, room.id, upto);
      if (upto >= room.last_seq) break;
    }
    // A room that got a new expiry meanwhile (none can today) would be kept by this guard.
    await writer.deleteFrom('rooms').where('id', '=', room.id).where('expires_at', '<', cutoff).execute();
    options.onPurged?.(room.name);
    options.metrics.roomsPurged.inc();
    options.log.info('purged expired room', { room: room.name, expiredAt: room.expires_at });
  }
  return rooms.length;
}

/** Runs the purge every `intervalMs` (never two at once) until the returned stop is called. */
export function schedulePurge(options: PurgeOptions, intervalMs: number): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = purgeExpiredRooms(options)
      .catch((error: unknown) => {
        options.log.error('purge failed', { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
