import { Handler } from '../handler.js';
import type { LogRecord } from '../record.js';
import { addShutdownHook, removeShutdownHook } from '../shutdown.js';

/** Thrown by `LogQueue.get_nowait()` on an empty queue (Python's `queue.Empty`). */
export class QueueEmpty extends Error {
  readonly code = 'LOGGING_QUEUE_EMPTY';
  constructor() {
    super('queue is empty');
    this.name = 'QueueEmpty';
  }
}

/** What a `QueueHandler` needs from a queue (Python's `put_nowait`). */
export interface PutQueue<T> {
  put_nowait(item: T): void;
}

/**
 * An unbounded FIFO with Python's `queue.SimpleQueue` names, that tells a waiting
 * `QueueListener` when items arrive.
 */
export class LogQueue<T = LogRecord | null> implements PutQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: (() => void) | null = null;

  put_nowait(item: T): void {
    this.items.push(item);
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w();
    }
  }
  put(item: T): void {
    this.put_nowait(item);
  }
  /** @throws QueueEmpty when there is nothing to take. */
  get_nowait(): T {
    if (this.head >= this.items.length) throw new QueueEmpty();
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  qsize(): number {
    return this.items.length - this.head;
  }
  empty(): boolean {
    return this.qsize() === 0;
  }
  /** @internal call `fn` once, when the next item is put. */
  onPut(fn: () => void): void {
    this.waiter = fn;
  }
}

/**
 * Python's `QueueHandler`: formats the record in the caller (so `msg` and `args` are
 * merged and the exception text is rendered) and puts a copy on a queue, leaving the
 * I/O to a `QueueListener`.
 */
export class QueueHandler extends Handler {
  queue: PutQueue<LogRecord>;
  /** Python 3.12: the listener dictConfig created for this handler, if any. */
  listener: QueueListener | null = null;

  constructor(queue: PutQueue<LogRecord> | { queue: PutQueue<LogRecord> }) {
    super();
    this.queue = 'put_nowait' in queue ? queue : queue.queue;
  }

  /** Python's `enqueue(record)`: `queue.put_nowait(record)`. */
  enqueue(record: LogRecord): void {
    this.queue.put_nowait(record);
  }

  /**
   * Python's `prepare(record)`: a copy whose `message` and `msg` are the formatted text and
   * whose `args`, `exc_info`, `exc_text` and `stack_info` are `null` (3.12+).
   */
  prepare(record: LogRecord): LogRecord {
    const msg = this.format(record);
    const copy = Object.assign(Object.create(Object.getPrototypeOf(record)) as LogRecord, record);
    copy.message = msg;
    copy.msg = msg;
    copy.args = null;
    copy.exc_info = null;
    copy.exc_text = null;
    copy.stack_info = null;
    return copy;
  }

  override emit(record: LogRecord): void {
    try {
      this.enqueue(this.prepare(record));
    } catch (err) {
      this.handleError(record, err);
    }
  }
}

/** What a `QueueListener` needs from a queue. */
export interface GetQueue<T> {
  get_nowait(): T;
  empty(): boolean;
  onPut(fn: () => void): void;
}

/**
 * Python's `QueueListener`: takes records off the queue and passes them to its handlers,
 * on a later turn of the event loop so the logging call returns at once. `stop()` drains
 * what is left synchronously.
 */
export class QueueListener {
  queue: GetQueue<LogRecord | null>;
  handlers: Handler[];
  respect_handler_level: boolean;
  private running = false;
  private scheduled = false;
  private readonly drainLater = () => {
    this.scheduled = false;
    this.drain();
    if (this.running) this.queue.onPut(this.wake);
  };
  private readonly stopHook = () => this.stop();
  private readonly wake = () => {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainLater);
    }
  };

  /** `new QueueListener(queue, ...handlers)`; pass `{ respect_handler_level: true }` last to honour handler levels. */
  constructor(
    queue: GetQueue<LogRecord | null>,
    ...handlers: (Handler | { respect_handler_level: boolean })[]
  ) {
    this.queue = queue;
    const last = handlers[handlers.length - 1];
    this.respect_handler_level = false;
    if (last !== undefined && !(last instanceof Handler) && 'respect_handler_level' in last) {
      this.respect_handler_level = last.respect_handler_level;
      handlers = handlers.slice(0, -1);
    }
    this.handlers = handlers as Handler[];
  }

  /** Start taking records off the queue. */
  start(): void {
    this.running = true;
    addShutdownHook(this.stopHook);
    this.queue.onPut(this.wake);
    if (!this.queue.empty()) this.wake();
  }

  /** Python's `prepare(record)`: returned unchanged; override to transform. */
  prepare(record: LogRecord): LogRecord {
    return record;
  }

  /** Python's `handle(record)`: give the record to each handler (respecting levels if asked). */
  handle(record: LogRecord): void {
    const r = this.prepare(record);
    for (const h of this.handlers) {
      if (!this.respect_handler_level || r.levelno >= h.level) h.handle(r);
    }
  }

  private drain(): void {
    while (!this.queue.empty()) {
      const r = this.queue.get_nowait();
      if (r === null) {
        this.running = false;
        return;
      }
      this.handle(r);
    }
  }

  /** Handle everything queued so far, synchronously, and stop. */
  stop(): void {
    removeShutdownHook(this.stopHook);
    this.running = false;
    this.queue.onPut(() => {});
    this.drain();
  }
}
