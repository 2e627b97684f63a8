import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * One background thread, shared by every file sink in the process, that performs the
 * `write(2)` calls so the main thread never waits on the disk. A shared counter of
 * finished chunks lets the main thread block (`Atomics.wait`) until everything handed
 * over is on disk — which is how `flushSync()` at process exit stays complete: during
 * `'exit'` listeners the thread is still running.
 */

// CommonJS source run with `eval: true`, so no file path has to be resolved at run time.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const done = new Int32Array(workerData.shared);
parentPort.on('message', (m) => {
  try {
    const bytes = Buffer.from(m.text, m.encoding);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(m.fd, bytes, offset);
  } catch (err) {
    parentPort.postMessage({ sink: m.sink, message: String(err && err.message), code: err && err.code });
  }
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

/** Chunks allowed in flight before a hand-off waits for the thread (about 16 MiB). */
const MAX_IN_FLIGHT = 64;
/** How long a synchronous flush waits for the thread before writing itself. */
const FLUSH_TIMEOUT_MS = 30_000;

type ErrorListener = (err: Error) => void;

interface WriterState {
  worker: Worker | null;
  done: Int32Array;
  sent: number;
  listeners: Map<number, ErrorListener>;
  failed: boolean;
}

let state: WriterState | null = null;
let nextSinkId = 1;
let mode: 'thread' | 'main' = 'thread';

/**
 * Where file handlers perform their writes: `'thread'` (default) on a background thread,
 * or `'main'` on the main thread, one batched `write(2)` per event-loop turn. Affects
 * chunks handed over from now on.
 */
export function setFileWriteMode(value: 'thread' | 'main'): void {
  mode = value;
}

function start(): WriterState | null {
  if (state !== null) return state.failed ? null : state;
  const shared = new SharedArrayBuffer(4);
  const s: WriterState = {
    worker: null,
    done: new Int32Array(shared),
    sent: 0,
    listeners: new Map(),
    failed: false,
  };
  state = s;
  try {
    const worker = new Worker(SOURCE, { eval: true, workerData: { shared } });
    worker.on('message', (m: { sink: number; message: string; code?: string }) => {
      const err = Object.assign(new Error(m.message), { code: m.code });
      s.listeners.get(m.sink)?.(err);
    });
    worker.on('error', () => {
      s.failed = true;
    });
    worker.on('exit', () => {
      s.failed = true;
    });
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    s.worker = worker;
  } catch {
    s.failed = true;
  }
  return s.failed ? null : s;
}

/** A sink's handle on the writer: hand over text, wait for the disk. */
export class WriterClient {
  private readonly sink: number;
  private readonly onError: ErrorListener;

  constructor(onError: ErrorListener) {
    this.onError = onError;
    this.sink = nextSinkId++;
  }

  /**
   * Write `text` to `fd`: handed to the thread (returns at once), or written here in
   * `'main'` mode or when the thread is unavailable. Errors go to `onError`.
   */
  write(fd: number, text: string, encoding: BufferEncoding): void {
    const s = mode === 'thread' ? start() : null;
    if (s === null) {
      this.waitIdle();
      try {
        const bytes = Buffer.from(text, encoding);
        let offset = 0;
        while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
      } catch (err) {
        this.onError(err as Error);
      }
      return;
    }
    s.listeners.set(this.sink, this.onError);
    while (s.sent - Atomics.load(s.done, 0) > MAX_IN_FLIGHT) {
      Atomics.wait(s.done, 0, Atomics.load(s.done, 0), 1000);
      if (s.failed) break;
    }
    s.sent++;
    s.worker!.postMessage({ sink: this.sink, fd, text, encoding });
  }

  /**
   * Block until every chunk handed over (by any sink) is written. Returns `false` if the
   * thread did not finish within 30 s or has died.
   */
  waitIdle(): boolean {
    const s = state;
    if (s === null || s.worker === null) return true;
    const deadline = Date.now() + FLUSH_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(s.done, 0);
      if (done === s.sent) return true;
      const left = deadline - Date.now();
      if (left <= 0 || s.failed) return false;
      Atomics.wait(s.done, 0, done, Math.min(left, 100));
    }
  }
}
