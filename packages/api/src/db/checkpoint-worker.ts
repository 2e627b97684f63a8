/**
 * Worker thread that checkpoints the SQLite WAL into the database file (see
 * `startCheckpointer`). Its own connection runs `wal_checkpoint(PASSIVE)` every interval:
 * that copies committed pages without waiting on readers or the writer, and does the
 * fsyncs a checkpoint needs here, off the event loop that answers requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadBetterSqlite3 } from '../sqlite-driver.js';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const database = new (loadBetterSqlite3())(path);
database.pragma('synchronous = NORMAL');
const checkpoint = database.prepare('pragma wal_checkpoint(PASSIVE)');

function run(): void {
  try {
    checkpoint.get();
  } catch (error) {
    parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}

const timer = setInterval(run, intervalMs);
parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  database.close();
  parentPort?.close();
});
parentPort?.postMessage({ ready: true });
