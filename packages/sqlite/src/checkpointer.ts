import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** The worker script `startCheckpointer` runs (for owners that manage the worker themselves). */
export const checkpointWorkerUrl = new URL('./checkpoint-worker.js', import.meta.url);

/** A background WAL checkpointer (see `startCheckpointer`). */
export interface Checkpointer {
  /** Stops the worker and closes its connection. */
  stop(): Promise<void>;
}

/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the connection that
 * commits runs a checkpoint itself whenever the WAL passes 1,000 pages, inside that
 * commit: it copies the pages into the database file and fsyncs both files, holding up
 * every request behind it for milliseconds. Here the writer's automatic checkpoints are
 * turned off (`disableInline`) and a worker thread with its own connection checkpoints
 * every `intervalMs` instead. Commits are as durable as before (`synchronous = NORMAL`:
 * the WAL is synced before each checkpoint and the database after). If the worker fails,
 * `restoreInline` turns the writer's own checkpoints back on, so the WAL never grows
 * without bound.
 */
export async function startCheckpointer(
  path: string,
  intervalMs: number,
  connection: { disableInline(): void; restoreInline(): void },
): Promise<Checkpointer> {
  const worker = new Worker(checkpointWorkerUrl, {
    workerData: { path, intervalMs },
  });
  worker.unref();
  let stopping = false;
  const fallBack = () => {
    if (!stopping) connection.restoreInline();
  };
  const exited = once(worker, 'exit').then(
    () => {},
    () => {},
  );
  worker.on('error', fallBack);
  worker.on('exit', fallBack);
  worker.on('message', (message: { error?: string }) => {
    if (message.error !== undefined) fallBack();
  });
  try {
    const [first] = (await Promise.race([once(worker, 'message'), once(worker, 'exit')])) as [unknown];
    if (typeof first === 'object' && first !== null && 'ready' in first) connection.disableInline();
  } catch {
    // The worker could not start: the writer keeps checkpointing inline.
  }
  return {
    async stop(): Promise<void> {
      if (stopping) return;
      stopping = true;
      connection.restoreInline();
      // Unreferenced while it runs, so it never keeps the process alive; waiting for it must.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
