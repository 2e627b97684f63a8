import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type EngineUnderTest = 'sqlite' | 'postgres';

/** Where one test's database lives: a fresh temp dir (SQLite) or a fresh schema (PostgreSQL). */
export interface TestDatabase {
  dataDir: string;
  databaseUrl?: string;
  databaseSchema?: string;
  drop(): Promise<void>;
}

let postgresUrl: Promise<string> | undefined;

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** DATABASE_URL, else the local test database as user postgres, else as root. */
export function findPostgres(): Promise<string> {
  postgresUrl ??= (async () => {
    const candidates = [
      process.env.DATABASE_URL,
      'postgres://postgres@127.0.0.1:5432/test',
      'postgres://root@127.0.0.1:5432/test',
    ].filter((url): url is string => Boolean(url));
    for (const url of candidates) if (await canConnect(url)) return url;
    throw new Error(`no PostgreSQL reachable (tried ${candidates.join(', ')}); set DATABASE_URL`);
  })();
  return postgresUrl;
}

let counter = 0;

export async function createTestDatabase(engine: EngineUnderTest): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'backchannel-api-test-'));
  if (engine === 'sqlite') {
    return { dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const databaseUrl = await findPostgres();
  const databaseSchema = `api_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  return {
    dataDir,
    databaseUrl,
    databaseSchema,
    drop: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${databaseSchema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
