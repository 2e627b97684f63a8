import type { ReplayState, ReplayStore } from './store.js';

/** The part of a better-sqlite3 `Database` this store uses. */
export interface SqliteDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
  pragma(source: string): unknown;
  close(): unknown;
}

/** The part of a better-sqlite3 `Statement` this store uses. */
export interface SqliteStatement {
  run(...parameters: unknown[]): { changes: number };
  get(...parameters: unknown[]): unknown;
}

/** Options of {@link openSqliteReplayStore}. */
export interface SqliteReplayStoreOptions {
  /** A database file; opened (and later closed) with better-sqlite3, in WAL mode. */
  path?: string;
  /** Or an open better-sqlite3 database, which stays open on close(). */
  database?: SqliteDatabase;
  /** Table name (letters, digits, underscores). Default `replayguard_events`. */
  table?: string;
  /** How long a writer waits for another process's lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
}

const tableName = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Replay records in a SQLite table: atomic across every process that opens the same file,
 * because SQLite serialises writers and `claim` is one upsert statement.
 */
export class SqliteReplayStore implements ReplayStore {
  readonly #database: SqliteDatabase;
  readonly #ownsDatabase: boolean;
  readonly #claim: SqliteStatement;
  readonly #complete: SqliteStatement;
  readonly #completeKeepingExpiry: SqliteStatement;
  readonly #release: SqliteStatement;
  readonly #state: SqliteStatement;
  readonly #sweep: SqliteStatement;
  #claimsSinceSweep = 0;

  constructor(database: SqliteDatabase, options: { table?: string; ownsDatabase?: boolean } = {}) {
    const table = options.table ?? 'replayguard_events';
    if (!tableName.test(table)) throw new TypeError(`table: "${table}" is not a plain SQL identifier.`);
    this.#database = database;
    this.#ownsDatabase = options.ownsDatabase ?? false;
    database.exec(
      `CREATE TABLE IF NOT EXISTS ${table} (source TEXT NOT NULL, event_id TEXT NOT NULL, state TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (source, event_id)) WITHOUT ROWID`,
    );
    // One statement: a new row, or taking over an expired one. The WHERE makes a live row a no-op.
    this.#claim = database.prepare(
      `INSERT INTO ${table} (source, event_id, state, expires_at) VALUES (?, ?, 'claimed', ?) ON CONFLICT (source, event_id) DO UPDATE SET state = 'claimed', expires_at = excluded.expires_at WHERE ${table}.expires_at <= ?`,
    );
    this.#complete = database.prepare(
      `UPDATE ${table} SET state = 'completed', expires_at = ? WHERE source = ? AND event_id = ? AND expires_at > ?`,
    );
    this.#completeKeepingExpiry = database.prepare(
      `UPDATE ${table} SET state = 'completed' WHERE source = ? AND event_id = ? AND expires_at > ?`,
    );
    this.#release = database.prepare(`DELETE FROM ${table} WHERE source = ? AND event_id = ?`);
    this.#state = database.prepare(
      `SELECT state FROM ${table} WHERE source = ? AND event_id = ? AND expires_at > ?`,
    );
    this.#sweep = database.prepare(`DELETE FROM ${table} WHERE expires_at <= ?`);
  }

  async claim(source: string, eventId: string, ttlMs: number, now: number): Promise<boolean> {
    const claimed = this.#claim.run(source, eventId, now + ttlMs, now).changes === 1;
    if (claimed && ++this.#claimsSinceSweep >= 1024) {
      this.#claimsSinceSweep = 0;
      this.#sweep.run(now);
    }
    return claimed;
  }

  async complete(source: string, eventId: string, ttlMs: number | undefined, now: number): Promise<boolean> {
    const result =
      ttlMs === undefined
        ? this.#completeKeepingExpiry.run(source, eventId, now)
        : this.#complete.run(now + ttlMs, source, eventId, now);
    return result.changes === 1;
  }

  async release(source: string, eventId: string): Promise<void> {
    this.#release.run(source, eventId);
  }

  async state(source: string, eventId: string, now: number): Promise<ReplayState | undefined> {
    const row = this.#state.get(source, eventId, now) as { state: ReplayState } | undefined;
    return row?.state;
  }

  async close(): Promise<void> {
    if (this.#ownsDatabase) this.#database.close();
  }
}

/**
 * Opens a SQLite replay store on a file (better-sqlite3 is loaded only here, so it is needed
 * only by those who use this store) or on a database you already hold.
 * @throws Error naming `better-sqlite3` when it is not installed.
 */
export async function openSqliteReplayStore(options: SqliteReplayStoreOptions): Promise<SqliteReplayStore> {
  if (options.database !== undefined)
    return new SqliteReplayStore(options.database, { table: options.table });
  if (options.path === undefined)
    throw new TypeError('path: give a database file path, or an open database.');
  let Database: new (path: string) => SqliteDatabase;
  try {
    Database = (await import('@backchannel/sqlite')).loadBetterSqlite3() as unknown as new (
      path: string,
    ) => SqliteDatabase;
  } catch (error) {
    throw new Error('The SQLite replay store needs better-sqlite3: npm install better-sqlite3', {
      cause: error,
    });
  }
  const database = new Database(options.path);
  database.pragma('journal_mode = WAL');
  database.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? 5000)}`);
  return new SqliteReplayStore(database, { table: options.table, ownsDatabase: true });
}
