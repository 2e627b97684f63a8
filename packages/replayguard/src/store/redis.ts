import type { ReplayState, ReplayStore } from './store.js';

/** The part of an ioredis client this store uses. */
export interface RedisClient {
  set(key: string, value: string, ...options: (string | number)[]): Promise<string | null>;
  get(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
  quit(): Promise<unknown>;
}

/** Options of {@link openRedisReplayStore}. */
export interface RedisReplayStoreOptions {
  /** A `redis://` URL; a client is created with ioredis (and closed on close()). */
  url?: string;
  /** Or a connected ioredis client, which stays open on close(). */
  client?: RedisClient;
  /** Prefix of every key. Default `replayguard:`. */
  keyPrefix?: string;
}

/**
 * Replay records as Redis keys: `claim` is `SET key claimed NX PX ttl`, atomic across every
 * process using the same Redis. Expiry follows the Redis server's clock.
 */
export class RedisReplayStore implements ReplayStore {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #ownsClient: boolean;

  constructor(client: RedisClient, options: { keyPrefix?: string; ownsClient?: boolean } = {}) {
    this.#client = client;
    this.#prefix = options.keyPrefix ?? 'replayguard:';
    this.#ownsClient = options.ownsClient ?? false;
  }

  // The source's length goes first so that no (source, id) pair can collide with another.
  #key(source: string, eventId: string): string {
    return `${this.#prefix}${source.length}:${source}:${eventId}`;
  }

  async claim(source: string, eventId: string, ttlMs: number): Promise<boolean> {
    return (
      (await this.#client.set(this.#key(source, eventId), 'claimed', 'PX', Math.max(1, ttlMs), 'NX')) === 'OK'
    );
  }

  async complete(source: string, eventId: string, ttlMs: number | undefined): Promise<boolean> {
    const key = this.#key(source, eventId);
    const reply =
      ttlMs === undefined
        ? await this.#client.set(key, 'completed', 'KEEPTTL', 'XX')
        : await this.#client.set(key, 'completed', 'PX', Math.max(1, ttlMs), 'XX');
    return reply === 'OK';
  }

  async release(source: string, eventId: string): Promise<void> {
    await this.#client.del(this.#key(source, eventId));
  }

  async state(source: string, eventId: string): Promise<ReplayState | undefined> {
    const value = await this.#client.get(this.#key(source, eventId));
    return value === 'claimed' || value === 'completed' ? value : undefined;
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.quit();
  }
}

/**
 * Opens a Redis replay store on a URL (ioredis is loaded only here) or on a client you hold.
 * @throws Error naming `ioredis` when it is not installed.
 */
export async function openRedisReplayStore(options: RedisReplayStoreOptions): Promise<RedisReplayStore> {
  if (options.client !== undefined)
    return new RedisReplayStore(options.client, { keyPrefix: options.keyPrefix });
  if (options.url === undefined) throw new TypeError('url: give a redis:// URL, or a connected client.');
  let Redis: new (url: string, options: object) => RedisClient;
  try {
    Redis = (await import('ioredis')).Redis as unknown as new (url: string, options: object) => RedisClient;
  } catch (error) {
    throw new Error('The Redis replay store needs ioredis: npm install ioredis', { cause: error });
  }
  const client = new Redis(options.url, { maxRetriesPerRequest: 3 });
  return new RedisReplayStore(client, { keyPrefix: options.keyPrefix, ownsClient: true });
}
