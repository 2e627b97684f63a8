import { QueueClosedError, TaskAbortedError, TaskQueue } from '@backchannel/taskqueue';
import type { WebhookHandlerRegistry } from './handlers.js';
import type { WebhookLogger } from './logger.js';
import type { WebhookMetrics } from './metrics.js';
import { findEvent, setEventStatus, unfinishedEvents, type WebhookDb } from './table.js';

/** How recorded events are handed to handlers. */
export interface ProcessingOptions {
  /** Handlers running at once. Default 4. */
  concurrency?: number;
  /** Retries after a failed attempt. Default 8. */
  retries?: number;
  /** Smallest backoff delay, ms. Default 1000. */
  minDelayMs?: number;
  /** Largest backoff delay, ms. Default 300 000. */
  maxDelayMs?: number;
  /** Per-attempt timeout, ms. Default 30 000. */
  timeoutMs?: number;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function retryable(error: unknown): boolean {
  return (error as { retryable?: unknown } | null)?.retryable !== false;
}

/**
 * Runs recorded events through their handlers on a @backchannel/taskqueue queue, one at a time
 * per event, with retries and exponential backoff; every step is written to the event's row
 * (`processing`, `retrying` with `last_error`, `done`, `failed`, `ignored`).
 */
export class WebhookProcessor {
  readonly #queue: TaskQueue;
  readonly #db: WebhookDb;
  readonly #handlers: WebhookHandlerRegistry;
  readonly #log: WebhookLogger;
  readonly #metrics: WebhookMetrics;

  constructor(
    db: WebhookDb,
    handlers: WebhookHandlerRegistry,
    log: WebhookLogger,
    metrics: WebhookMetrics,
    options: ProcessingOptions = {},
  ) {
    this.#db = db;
    this.#handlers = handlers;
    this.#log = log;
    this.#metrics = metrics;
    this.#queue = new TaskQueue({
      concurrency: options.concurrency ?? 4,
      retries: options.retries ?? 8,
      minDelay: options.minDelayMs ?? 1000,
      maxDelay: options.maxDelayMs ?? 300_000,
      timeout: options.timeoutMs ?? 30_000,
      retryIf: retryable,
    });
  }

  /** Queues a recorded event; returns at once. The outcome lands in its row. */
  enqueue(id: number, provider: string): void {
    this.#queue
      .push((signal, attempt) => this.#attempt(id, signal, attempt), {
        key: id,
        onRetry: ({ error, attempt, delayMs }) => {
          this.#log.warn('webhook handler failed; retrying', { id, attempt, delayMs, error: message(error) });
          void setEventStatus(this.#db, id, { status: 'retrying', lastError: message(error) }).catch(
            () => {},
          );
        },
      })
      .catch(async (error: unknown) => {
        if (error instanceof QueueClosedError || error instanceof TaskAbortedError) {
          return; // Shutting down: the row stays unfinished and is queued again on the next start.
        }
        this.#log.error('webhook handler gave up', { id, error: message(error) });
        this.#metrics.handled.inc({ provider, status: 'failed' });
        await setEventStatus(this.#db, id, { status: 'failed', lastError: message(error) }).catch(() => {});
      });
  }

  /** Queues every event left unfinished by a previous run (a crash or a shutdown mid-retry). */
  async resumeUnfinished(): Promise<number> {
    const unfinished = await unfinishedEvents(this.#db, 10_000);
    for (const { id, provider } of unfinished) this.enqueue(id, provider);
    if (unfinished.length > 0) this.#log.info('webhook events resumed', { count: unfinished.length });
    return unfinished.length;
  }

  /** Resolves once no event is queued, running or waiting to retry. */
  idle(): Promise<void> {
    return this.#queue.onIdle();
  }

  /** Stops: running handlers see their signal abort; unfinished rows resume on the next start. */
  close(): Promise<void> {
    return this.#queue.close({ drain: false });
  }

  async #attempt(id: number, signal: AbortSignal, attempt: number): Promise<void> {
    const row = await findEvent(this.#db, id);
    if (row === undefined) return;
    const handler = this.#handlers.find(row);
    if (handler === undefined) {
      await setEventStatus(this.#db, id, { status: 'ignored', processedAt: new Date().toISOString() });
      this.#metrics.handled.inc({ provider: row.provider, status: 'ignored' });
      return;
    }
    await setEventStatus(this.#db, id, { status: 'processing', attempts: row.attempts + 1 });
    await handler({
      provider: row.provider,
      eventId: row.event_id,
      type: row.type,
      payload: JSON.parse(row.payload) as unknown,
      receivedAt: row.received_at,
      attempt,
      signal,
    });
    await setEventStatus(this.#db, id, {
      status: 'done',
      lastError: null,
      processedAt: new Date().toISOString(),
    });
  }
}
