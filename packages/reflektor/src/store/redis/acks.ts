import type { Redis } from 'ioredis';

/**
 * Acknowledgements (XACK) batched per turn of the event loop: one pipeline for every entry
 * completed in the turn. Lost acks (Redis unreachable) only mean re-delivery after a handover.
 */
export class AckBatcher {
  readonly #redis: Redis;
  #acks: Array<[stream: string, group: string, id: string]> = [];
  #scheduled = false;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  ack(stream: string, group: string, id: string): void {
    this.#acks.push([stream, group, id]);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Sends the acks queued so far. */
  readonly flush = (): void => {
    this.#scheduled = false;
    const acks = this.#acks;
    this.#acks = [];
    if (acks.length === 0 || this.#redis.status !== 'ready') return;
    const pipeline = this.#redis.pipeline();
    for (const [stream, group, id] of acks) pipeline.xack(stream, group, id);
    this.#inFlight = pipeline.exec().then(
      () => {},
      () => {},
    );
  };

  /** Sends the acks queued so far and waits for the last batch sent to be answered. */
  async flushed(): Promise<void> {
    this.flush();
    await this.#inFlight;
  }
}
