import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { RedisStore, type ReflektorHandle, startReflektor } from '../src/index.js';
import { startCli } from './process.js';
import { Upstream, waitFor } from './upstream.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function post(port: number, key: string, body: string): Promise<string> {
  const res = await request(`http://127.0.0.1:${port}/publish`, {
    method: 'POST',
    headers: { 'reflektor-ordering-key': key },
    body,
  });
  assert.equal(res.statusCode, 202);
  return ((await res.body.json()) as { id: string }).id;
}

function remember(sent: Record<string, string[]>, key: string, id: string): void {
  sent[key] ??= [];
  sent[key].push(id);
}

function firstSeenOrder(upstream: Upstream, key: string): string[] {
  const seen = new Set<string>();
  const order: string[] = [];
  for (const r of upstream.requests) {
    if (r.headers['reflektor-ordering-key'] !== key) continue;
    const id = String(r.headers['reflektor-id']);
    if (!seen.has(id)) {
      seen.add(id);
      order.push(id);
    }
  }
  return order;
}

describe('two reflektor instances on one Redis queue', () => {
  let upstream: Upstream;
  before(async () => {
    upstream = await new Upstream().start();
  });
  after(async () => {
    await upstream.stop();
  });

  it('shares the streams, and delivers every request once, in per-key order, whichever instance accepted it', async () => {
    const prefix = `reflektor-two-${randomBytes(4).toString('hex')}`;
    const targets = [{ name: 'default', prefix: '/', hosts: [upstream.url], mode: 'broadcast' as const }];
    const start = (): Promise<ReflektorHandle> =>
      startReflektor({
        targets,
        port: 0,
        adminPort: 0,
        store: new RedisStore({ url, prefix, partitions: 4, leaseMs: 2000 }),
      });
    const a = await start();
    const b = await start();
    try {
      // The first instance took every stream; it gives half back once it sees the second.
      const leases = (h: ReflektorHandle): number => (h.store as RedisStore).leases().default?.length ?? 0;
      await waitFor('the streams shared 2 and 2', () => leases(a) === 2 && leases(b) === 2, 15_000);
      const sent: Record<string, string[]> = {};
      for (let i = 0; i < 80; i++) {
        const key = `room-${i % 8}`;
        remember(sent, key, await post(i % 2 === 0 ? a.port : b.port, key, `m${i}`));
      }
      await waitFor('all 80 delivered', () => new Set(upstream.ids()).size >= 80, 20_000);
      assert.equal(upstream.requests.length, 80, 'no duplicates without a crash');
      for (const key of Object.keys(sent)) assert.deepEqual(firstSeenOrder(upstream, key), sent[key]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('loses nothing when an instance is killed: the other takes its streams over', async () => {
    upstream.requests.length = 0;
    const prefix = `reflektor-kill-${randomBytes(4).toString('hex')}`;
    const args = ['--target', upstream.url, '--store', url, '--redis-prefix', prefix, '--partitions', '4'];
    const victim = await startCli([...args, '--redis-lease', '2s']);
    const survivor = await startReflektor({
      targets: [{ name: 'default', prefix: '/', hosts: [upstream.url], mode: 'broadcast' }],
      port: 0,
      adminPort: 0,
      store: new RedisStore({ url, prefix, partitions: 4, leaseMs: 2000 }),
    });
    try {
      const sent: Record<string, string[]> = {};
      for (let i = 0; i < 60; i++) {
        const key = `room-${i % 3}`;
        remember(sent, key, await post(i % 2 === 0 ? victim.port : survivor.port, key, `k${i}`));
      }
      victim.child.kill('SIGKILL');
      await victim.exited;
      for (let i = 60; i < 90; i++) {
        const key = `room-${i % 3}`;
        remember(sent, key, await post(survivor.port, key, `k${i}`));
      }
      const all = Object.values(sent).flat();
      await waitFor(
        'every acknowledged request delivered',
        () => {
          const seen = new Set(upstream.ids());
          return all.every((id) => seen.has(id));
        },
        30_000,
      );
      for (const key of Object.keys(sent)) assert.deepEqual(firstSeenOrder(upstream, key), sent[key]);
    } finally {
      await survivor.close();
    }
  });
});
