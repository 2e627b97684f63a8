import { Handler } from '../handler.js';
import { ERROR } from '../levels.js';
import type { LogRecord } from '../record.js';

/** Python's `BufferingHandler`: keeps records in `buffer` until `shouldFlush` says so. */
export class BufferingHandler extends Handler {
  capacity: number;
  buffer: LogRecord[] = [];

  constructor(capacity: number | { capacity: number }) {
    super();
    this.capacity = typeof capacity === 'number' ? capacity : capacity.capacity;
  }

  /** Full buffer? Subclasses refine. */
  shouldFlush(_record: LogRecord): boolean {
    return this.buffer.length >= this.capacity;
  }

  override emit(record: LogRecord): void {
    this.buffer.push(record);
    if (this.shouldFlush(record)) this.flush();
  }

  /** Drop the buffered records (subclasses send them somewhere first). */
  override flush(): void {
    this.buffer = [];
  }

  override close(): void {
    try {
      this.flush();
    } finally {
      super.close();
    }
  }
}

/** Keyword options of `MemoryHandler`. */
export interface MemoryHandlerOptions {
  capacity: number;
  /** A record at or above this level flushes the buffer. Default ERROR. */
  flushLevel?: number;
  target?: Handler | null;
  /** Flush to the target on close. Default `true`. */
  flushOnClose?: boolean;
}

/**
 * Python's `MemoryHandler`: buffers up to `capacity` records and hands them to `target`
 * when full, when a record at `flushLevel` (ERROR) arrives, or on close.
 */
export class MemoryHandler extends BufferingHandler {
  flushLevel: number;
  target: Handler | null;
  flushOnClose: boolean;

  /** `new MemoryHandler(capacity, flushLevel?, target?, flushOnClose?)` or an options object. */
  constructor(
    capacity: number | MemoryHandlerOptions,
    flushLevel: number = ERROR,
    target: Handler | null = null,
    flushOnClose = true,
  ) {
    const o: MemoryHandlerOptions =
      typeof capacity === 'number' ? { capacity, flushLevel, target, flushOnClose } : capacity;
    super(o.capacity);
    this.flushLevel = o.flushLevel ?? ERROR;
    this.target = o.target ?? null;
    this.flushOnClose = o.flushOnClose ?? true;
  }

  override shouldFlush(record: LogRecord): boolean {
    return this.buffer.length >= this.capacity || record.levelno >= this.flushLevel;
  }

  setTarget(target: Handler | null): void {
    this.target = target;
  }

  /** Hand every buffered record to the target (if any), in order, then empty the buffer. */
  override flush(): void {
    const target = this.target;
    if (target === null) return;
    const records = this.buffer;
    this.buffer = [];
    for (const r of records) target.handle(r);
  }

  override close(): void {
    try {
      if (this.flushOnClose) this.flush();
    } finally {
      this.target = null;
      super.close();
    }
  }
}
