import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import pg from 'pg';
import { openPostgresReplayStore } from '../src/index.js';
import { replayStoreSuite } from './store-suite.js';

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `replayguard_${randomBytes(6).toString('hex')}`;
const admin = new pg.Pool({ connectionString });

before(async () => {
  await admin.query(`CREATE SCHEMA ${schema}`);
});
after(async () => {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
});

replayStoreSuite('postgres', () => openPostgresReplayStore({ connectionString, table: `${schema}.events` }));
