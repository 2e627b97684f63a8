import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadBetterSqlite3, startCheckpointer } from '@backchannel/sqlite';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, type SqliteDatabase as KyselySqliteDatabase, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { registerWriter, runDirectly } from './prepared.js';
import type { Database } from './schema.js';
import { cachingStatements } from './statement-cache.js';

const SqliteDatabase = loadBetterSqlite3();

export type Engine = 'sqlite' | 'postgres';

/**
 * The api's database: `writer` for every change (on SQLite a single connection, so
 * writers run one at a time), `reader` for queries that need no transaction (on
 * SQLite a second connection that WAL lets read while a writer works).
 */
export interface Db {
  engine: Engine;
  writer: Kysely<Database>;
  reader: Kysely<Database>;
  close(): Promise<void>;
}

export interface DbOptions {
  /** Directory holding `api.sqlite`; used when `databaseUrl` is not set. */
  dataDir: string;
  /** `postgres://…`: use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** PostgreSQL schema to use (created if missing); default `public`. */
  databaseSchema?: string;
  /**
   * SQLite: checkpoint the WAL from a worker thread every this many ms (see
   * `startCheckpointer`); 0 leaves checkpoints to the committing connection. Default 500.
   */
  checkpointIntervalMs?: number;
}

function openSqlite(path: string, readonly: boolean): BetterSqlite3.Database {
  const database = new SqliteDatabase(path, { readonly });
  database.pragma('busy_timeout = 5000');
  if (!readonly) {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
  }
  return database;
}

/** Opens the database; the schema may not exist yet (see `migrateToLatest`). */
export async function connectDb(options: DbOptions): Promise<Db> {
  if (options.databaseUrl) {
    const schema = options.databaseSchema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
      throw new Error(`database schema "${schema}" must be lower-case letters, digits and _`);
    }
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      options: `-c search_path=${schema}`,
    });
    if (schema !== 'public') {
      const client = await pool.connect();
      try {
        await client.query(`create schema if not exists "${schema}"`);
      } finally {
        client.release();
      }
    }
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { engine: 'postgres', writer: db, reader: db, close: () => db.destroy() };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const path = join(options.dataDir, 'api.sqlite');
  const writerSqlite = openSqlite(path, false);
  const checkpointIntervalMs = options.checkpointIntervalMs ?? 500;
  const checkpointer =
    checkpointIntervalMs > 0
      ? await startCheckpointer(path, checkpointIntervalMs, {
          disableInline: () => writerSqlite.pragma('wal_autocheckpoint = 0'),
          restoreInline: () => {
            if (writerSqlite.open) writerSqlite.pragma('wal_autocheckpoint = 1000');
          },
        })
      : undefined;
  const writerConnection = cachingStatements(writerSqlite);
  const writer = new Kysely<Database>({ dialect: new SqliteDialect({ database: writerConnection }) });
  registerWriter(writer, () => writerConnection);
  // The reader opens lazily, after migrations have created the file's schema.
  let readerConnection: KyselySqliteDatabase | undefined;
  const openReader = () => {
    readerConnection ??= cachingStatements(openSqlite(path, true));
    return readerConnection;
  };
  const reader = new Kysely<Database>({ dialect: new SqliteDialect({ database: async () => openReader() }) });
  // Nothing runs a transaction on the reader, so hot queries may use its connection directly.
  runDirectly(reader, openReader);
  return {
    engine: 'sqlite',
    writer,
    reader,
    close: async () => {
      await checkpointer?.stop();
      await reader.destroy();
      // Prepared queries may have opened the reader without Kysely (closing twice is harmless).
      readerConnection?.close();
      await writer.destroy();
    },
  };
}
