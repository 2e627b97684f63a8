import type { ReplayState, ReplayStore } from './store.js';

/** The part of a pg `Pool` (or `Client`) this store uses. */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null; rows: unknown[] }>;
  end?(): Promise<void>;
}

/** Options of {@link openPostgresReplayStore}. */
export interface PostgresReplayStoreOptions {
  /** A `postgres://` URL; a pg Pool is created (and ended on close()). */
  connectionString?: string;
  /** Or a pg Pool you hold, which stays open on close(). */
  pool?: PostgresQueryable;
  /** Table name, optionally schema-qualified (`schema.table`). Default `replayguard_events`. */
  table?: string;
}

const qualifiedName = /^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Replay records in a PostgreSQL table: `claim` is one `INSERT … ON CONFLICT DO UPDATE … WHERE
 * expired`, so concurrent duplicates across processes see exactly one inserted row.
 */
export class PostgresReplayStore implements ReplayStore {
  readonly #pool: PostgresQueryable;
  readonly #table: string;
  readonly #ownsPool: boolean;

  private constructor(pool: PostgresQueryable, table: string, ownsPool: boolean) {
    this.#pool = pool;
    this.#table = table;
    this.#ownsPool = ownsPool;
  }

  /** Creates the table if needed and returns the store. */
  static async open(pool: PostgresQueryable, options: { table?: string; ownsPool?: boolean } = {}) {
    const table = options.table ?? 'replayguard_events';
    if (!qualifiedName.test(table)) throw new TypeError(`table: "${table}" is not a plain SQL identifier.`);
    const create = `CREATE TABLE IF NOT EXISTS ${table} (source TEXT NOT NULL, event_id TEXT NOT NULL, state TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (source, event_id))`;
    try {
      await pool.query(create);
    } catch (error) {
      // Two processes creating the table at once: one gets a unique violation on the catalog.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw error;
    }
    return new PostgresReplayStore(pool, table, options.ownsPool ?? false);
  }

  async claim(source: string, eventId: string, ttlMs: number, now: number): Promise<boolean> {
    const result = await this.#pool.query(
      `INSERT INTO ${this.#table} AS t (source, event_id, state, expires_at) VALUES ($1, $2, 'claimed', $3) ON CONFLICT (source, event_id) DO UPDATE SET state = 'claimed', expires_at = EXCLUDED.expires_at WHERE t.expires_at <= $4`,
      [source, eventId, now + ttlMs, now],
    );
    return result.rowCount === 1;
  }

  async complete(source: string, eventId: string, ttlMs: number | undefined, now: number): Promise<boolean> {
    const result =
      ttlMs === undefined
        ? await this.#pool.query(
            `UPDATE ${this.#table} SET state = 'completed' WHERE source = $1 AND event_id = $2 AND expires_at > $3`,
            [source, eventId, now],
          )
        : await this.#pool.query(
            `UPDATE ${this.#table} SET state = 'completed', expires_at = $4 WHERE source = $1 AND event_id = $2 AND expires_at > $3`,
            [source, eventId, now, now + ttlMs],
          );
    return result.rowCount === 1;
  }

  async release(source: string, eventId: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#table} WHERE source = $1 AND event_id = $2`, [
      source,
      eventId,
    ]);
  }

  async state(source: string, eventId: string, now: number): Promise<ReplayState | undefined> {
    const result = await this.#pool.query(
      `SELECT state FROM ${this.#table} WHERE source = $1 AND event_id = $2 AND expires_at > $3`,
      [source, eventId, now],
    );
    return (result.rows[0] as { state: ReplayState } | undefined)?.state;
  }

  /** Deletes expired records; returns how many. Run it now and then (claims do not sweep). */
  async deleteExpired(now: number = Date.now()): Promise<number> {
    return (await this.#pool.query(`DELETE FROM ${this.#table} WHERE expires_at <= $1`, [now])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end?.();
  }
}

/**
 * Opens a PostgreSQL replay store on a URL (pg is loaded only here) or on a pool you hold,
 * creating its table if needed.
 * @throws Error naming `pg` when it is not installed.
 */
export async function openPostgresReplayStore(
  options: PostgresReplayStoreOptions,
): Promise<PostgresReplayStore> {
  if (options.pool !== undefined) return PostgresReplayStore.open(options.pool, { table: options.table });
  if (options.connectionString === undefined) {
    throw new TypeError('connectionString: give a postgres:// URL, or a pool.');
  }
  let Pool: new (config: { connectionString: string }) => PostgresQueryable;
  try {
    Pool = (await import('pg')).default.Pool as unknown as new (config: {
      connectionString: string;
    }) => PostgresQueryable;
  } catch (error) {
    throw new Error('The PostgreSQL replay store needs pg: npm install pg', { cause: error });
  }
  return PostgresReplayStore.open(new Pool({ connectionString: options.connectionString }), {
    table: options.table,
    ownsPool: true,
  });
}
