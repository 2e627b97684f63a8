import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../src/index.js';
import { storeSuite } from './store-suite.js';

const root = mkdtempSync(join(tmpdir(), 'reflektor-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

storeSuite(
  'sqlite (fsync)',
  (name) => new SqliteStore({ dir: join(root, `fsync-${name}`), durability: 'fsync' }),
);
storeSuite('sqlite (os)', (name) => new SqliteStore({ dir: join(root, `os-${name}`), durability: 'os' }));
