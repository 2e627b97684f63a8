// Runs SQLite WAL checkpoints on a worker thread, with a connection of its own, so that their
// fsyncs (of the WAL, then of the database file, with synchronous=NORMAL) never stall the event
// loop that answers ingest requests. PASSIVE checkpoints take no write lock: appends go on.
import { parentPort, workerData } from 'node:worker_threads';
import { loadBetterSqlite3 } from '../sqlite-driver.js';

const SqliteDatabase = loadBetterSqlite3();

interface CheckpointerData {
  file: string;
  intervalMs: number;
}

const { file, intervalMs } = workerData as CheckpointerData;
const db = new SqliteDatabase(file);
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 0');

function checkpoint(): void {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or closing: the next turn tries again.
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort?.on('message', (message: string) => {
  if (message === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort?.postMessage('stopped');
  }
});
