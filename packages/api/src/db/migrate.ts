import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

const provider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => migrations,
};

/** The schema unqualified names resolve to on this connection (PostgreSQL). */
export async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('database migration failed: no current schema (check search_path)');
  return schema;
}

/**
 * Runs every pending migration in order; throws the first failure (nothing after it runs).
 * On PostgreSQL the migration bookkeeping tables always live in a named schema (the given one,
 * else the connection's current schema), so Kysely's tables of another schema in the same
 * database (another app, another test run) are never taken for ours.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  engine: 'sqlite' | 'postgres',
  schema?: string,
): Promise<string[]> {
  const tableSchema = engine === 'postgres' ? (schema ?? (await currentSchema(db))) : undefined;
  const migrator = new Migrator({
    db,
    provider,
    ...(tableSchema ? { migrationTableSchema: tableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(
      `database migration failed${name}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return (results ?? []).map((result) => result.migrationName);
}
