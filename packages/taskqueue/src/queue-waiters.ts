import type { Listeners } from './events.js';

interface SizeWaiter {
  limit: number;
  resolve: () => void;
}

/**
 * Backpressure: the promises of `onEmpty`, `onIdle` and `onSizeLessThan` waiting for
 * the queue to drain, and the `empty` / `idle` events. The scheduler reports each
 * transition; this resolves whoever waits for it.
 */
export class QueueWaiters {
  #empty: Array<() => void> = [];
  #idle: Array<() => void> = [];
  /** Callers of `onSizeLessThan`; read on the hot path, so a plain field. */
  sizeWaiters: SizeWaiter[] = [];
  readonly #listeners: Listeners;

  constructor(listeners: Listeners) {
    this.#listeners = listeners;
  }

  untilEmpty(): Promise<void> {
    return new Promise((resolve) => this.#empty.push(resolve));
  }

  untilIdle(): Promise<void> {
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  untilSizeLessThan(limit: number): Promise<void> {
    return new Promise((resolve) => this.sizeWaiters.push({ limit, resolve }));
  }

  /** No task is waiting to start any more. */
  becameEmpty(): void {
    if (this.#empty.length !== 0) {
      const waiters = this.#empty;
      this.#empty = [];
      for (const resolve of waiters) resolve();
    }
    if (this.sizeWaiters.length !== 0) this.sizeChanged(0);
    if (this.#listeners.table.empty.length !== 0) this.#listeners.emit('empty', undefined);
  }

  /** Nothing is waiting or running. */
  becameIdle(): void {
    if (this.#idle.length !== 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const resolve of waiters) resolve();
    }
    if (this.#listeners.table.idle.length !== 0) this.#listeners.emit('idle', undefined);
  }

  /** `size` tasks wait to start now: resolves the size waiters it satisfies. */
  sizeChanged(size: number): void {
    const keep: SizeWaiter[] = [];
    for (const waiter of this.sizeWaiters) {
      if (size < waiter.limit) waiter.resolve();
      else keep.push(waiter);
    }
    this.sizeWaiters = keep;
  }
}
