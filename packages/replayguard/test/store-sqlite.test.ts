import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MemoryReplayStore, openSqliteReplayStore, ReplayRecorder } from '../src/index.js';
import { replayStoreSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'replayguard-sqlite-'));
const file = join(dir, 'replay.db');
after(() => rmSync(dir, { recursive: true, force: true }));

replayStoreSuite('sqlite', () => openSqliteReplayStore({ path: file }));
replayStoreSuite(
  'memory (one handle, shared)',
  (() => {
    const shared = new MemoryReplayStore();
    // Every "connection" is the same map; close() is a no-op for the shared map here.
    return async () => ({ ...bind(shared), close: async () => {} });
  })(),
);

function bind(store: MemoryReplayStore) {
  return {
    claim: store.claim.bind(store),
    complete: store.complete.bind(store),
    release: store.release.bind(store),
    state: store.state.bind(store),
  };
}

describe('sqlite replay store across processes', () => {
  it('gives each event to exactly one of four processes racing on the same file', async () => {
    const worker = fileURLToPath(new URL('./fixtures/claim-worker.js', import.meta.url));
    const ids = Array.from({ length: 200 }, (_, i) => `evt_race_${i}`);
    const children = Array.from({ length: 4 }, () =>
      fork(worker, [file, JSON.stringify(ids)], { stdio: 'pipe' }),
    );
    const counts = await Promise.all(
      children.map(
        (child) =>
          new Promise<number>((resolve, reject) => {
            child.once('message', (message) => resolve((message as { claimed: number }).claimed));
            child.once('error', reject);
            child.once('exit', (code) => {
              if (code !== 0) reject(new Error(`claim worker exited with ${code}`));
            });
          }),
      ),
    );
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      ids.length,
    );
    const guard = new ReplayRecorder({ store: await openSqliteReplayStore({ path: file }) });
    for (const id of ids) assert.equal(await guard.state('race', id), 'claimed');
    await guard.close();
  });

  it('uses the injected clock for expiry', async () => {
    let now = 1_000_000;
    const guard = new ReplayRecorder({ store: await openSqliteReplayStore({ path: file }), now: () => now });
    assert.equal(await guard.claim('clock', 'a', { ttl: 1000 }), true);
    now += 999;
    assert.equal(await guard.claim('clock', 'a', { ttl: 1000 }), false);
    now += 1;
    assert.equal(await guard.claim('clock', 'a', { ttl: 1000 }), true);
    await guard.close();
  });
});
