/**
 * Worker thread that checkpoints an SQLite WAL into its database file (see
 * `startCheckpointer`). Its own connection runs `wal_checkpoint(PASSIVE)` every interval: that
 * copies committed pages without waiting on readers or the writer, and does the fsyncs a
 * checkpoint needs here, off the event loop that answers requests.
 *
 * Protocol: posts `{ ready: true }` once open, `{ error }` when a checkpoint fails; on the
 * message `'stop'` it checkpoints once more, closes, posts `'stopped'` and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadBetterSqlite3 } from './driver.js';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const database = new (loadBetterSqlite3())(path);
database.pragma('synchronous = NORMAL');
database.pragma('busy_timeout = 0');
const checkpoint = database.prepare('pragma wal_checkpoint(PASSIVE)');

function run(): void {
  try {
    checkpoint.get();
  } catch (error) {
    // Busy or closing: the next turn tries again; the owner may fall back to inline checkpoints.
    parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}

const timer = setInterval(run, intervalMs);
parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  run();
  database.close();
  parentPort?.postMessage('stopped');
  parentPort?.close();
});
parentPort?.postMessage({ ready: true });
