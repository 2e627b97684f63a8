import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadBetterSqlite3, startCheckpointer } from '../src/index.js';

describe('@backchannel/sqlite', () => {
  it('loads a working driver for this Node.js', () => {
    const Database = loadBetterSqlite3();
    const db = new Database(':memory:');
    assert.equal((db.prepare('select 41 + 1 as n').get() as { n: number }).n, 42);
    db.close();
  });

  it("checkpoints the WAL from its worker, with the writer's own checkpoints off while it runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backchannel-sqlite-'));
    const path = join(dir, 'db.sqlite');
    const Database = loadBetterSqlite3();
    const writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.exec('create table t (v text)');
    const inline: string[] = [];
    const checkpointer = await startCheckpointer(path, 20, {
      disableInline: () => {
        inline.push('off');
        writer.pragma('wal_autocheckpoint = 0');
      },
      restoreInline: () => {
        inline.push('on');
        writer.pragma('wal_autocheckpoint = 1000');
      },
    });
    try {
      assert.deepEqual(inline, ['off']);
      const insert = writer.prepare('insert into t values (?)');
      for (let i = 0; i < 2000; i++) insert.run('x'.repeat(200));
      // The worker copies the pages into the database file within a few intervals.
      const deadline = Date.now() + 5000;
      while (statSync(path).size < 200 * 1000 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.ok(
        statSync(path).size >= 200 * 1000,
        `database file holds the rows (${statSync(path).size} bytes)`,
      );
    } finally {
      await checkpointer.stop();
      writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(inline, ['off', 'on']);
  });
});
