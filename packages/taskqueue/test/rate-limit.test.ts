import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskQueue } from '../src/index.js';

describe('rate limits', () => {
  test('a global token bucket limits starts: a burst of `limit`, then `limit` per interval', async () => {
    const queue = new TaskQueue({ concurrency: 100, rateLimit: { limit: 3, interval: 60 } });
    const startedAt: number[] = [];
    const t0 = performance.now();
    const tasks = Array.from({ length: 9 }, () =>
      queue.push(async () => {
        startedAt.push(performance.now() - t0);
      }),
    );
    await Promise.all(tasks);
    // The first 3 start at once; the other 6 need 6 refilled tokens = 120 ms at least.
    assert.ok(startedAt[2] < 40, `burst started at ${startedAt[2]}`);
    assert.ok(startedAt[8] >= 110, `ninth started at ${startedAt[8]}`);
    // Over any elapsed time t, starts never exceed limit + limit * t / interval.
    for (let i = 0; i < startedAt.length; i++) {
      assert.ok(i + 1 <= 3 + (3 * startedAt[i]) / 60 + 0.5, `start ${i + 1} at ${startedAt[i]} ms`);
    }
  });

  test('a per-key limit slows a busy key without holding back the others', async () => {
    const queue = new TaskQueue({ concurrency: 10, keyRateLimit: { limit: 1, interval: 50 } });
    const startedAt = new Map<string, number[]>();
    const t0 = performance.now();
    const tasks: Promise<void>[] = [];
    for (const key of ['busy', 'busy', 'busy', 'other']) {
      tasks.push(
        queue.push(
          async () => {
            const list = startedAt.get(key) ?? [];
            list.push(performance.now() - t0);
            startedAt.set(key, list);
          },
          { key },
        ),
      );
    }
    await Promise.all(tasks);
    const busy = startedAt.get('busy') as number[];
    const other = startedAt.get('other') as number[];
    assert.equal(busy.length, 3);
    assert.ok(busy[1] - busy[0] >= 45, `busy gap ${busy[1] - busy[0]}`);
    assert.ok(busy[2] - busy[1] >= 45, `busy gap ${busy[2] - busy[1]}`);
    assert.ok(other[0] < 40, `other started at ${other[0]}`);
  });

  test('unkeyed tasks ignore the per-key limit', async () => {
    const queue = new TaskQueue({ concurrency: 10, keyRateLimit: { limit: 1, interval: 10_000 } });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 5 }, () => queue.push(async () => 1)));
    assert.ok(performance.now() - t0 < 1_000);
  });

  test('close({ drain: false }) clears a pending rate-limit wake-up', async () => {
    const queue = new TaskQueue({ rateLimit: { limit: 1, interval: 10_000 } });
    const first = queue.push(async () => 1);
    const second = queue.push(async () => 2);
    assert.equal(await first, 1);
    await queue.close({ drain: false });
    await assert.rejects(second, { code: 'ERR_QUEUE_CLOSED' });
  });
});
