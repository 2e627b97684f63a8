import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

const MAX_CACHED_STATEMENTS = 256;

/**
 * Wraps a better-sqlite3 database so Kysely reuses prepared statements: Kysely
 * prepares every query afresh, which costs more than running most of ours.
 */
export function cachingStatements(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare(source: string): SqliteStatement {
      let statement = statements.get(source);
      if (statement === undefined) {
        statement = database.prepare(source) as unknown as SqliteStatement;
        if (statements.size >= MAX_CACHED_STATEMENTS) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
        statements.set(source, statement);
      }
      return statement;
    },
  };
}
