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
    // The burst starts at once, within push (a slow push loop may earn one more token).
    assert.ok(startedAt.length >= 3 && startedAt.length < 9, `${startedAt.length} started within push`);
    await Promise.all(tasks);
    // The other 6 need 6 refilled tokens: 120 ms at least.
    assert.ok(startedAt[8] >= 119.9, `ninth started at ${startedAt[8]}`);
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
    // Both keys got their first token at once, within push.
    assert.equal(startedAt.get('busy')?.length, 1);
    assert.equal(startedAt.get('other')?.length, 1);
    await Promise.all(tasks);
    const busy = startedAt.get('busy') as number[];
    assert.equal(busy.length, 3);
    // Measured from before the first push (the first token was taken later), so the
    // bounds hold however late the machine runs the task bodies.
    assert.ok(busy[1] >= 50, `second busy start at ${busy[1]} ms`);
    assert.ok(busy[2] >= 100, `third busy start at ${busy[2]} ms`);
  });

  test('unkeyed tasks ignore the per-key limit', async () => {
    const queue = new TaskQueue({ concurrency: 10, keyRateLimit: { limit: 1, interval: 10_000 } });
    let started = 0;
    const tasks = Array.from({ length: 5 }, () =>
      queue.push(async () => {
        started++;
      }),
    );
    assert.equal(started, 5, 'all five started within push, without waiting for a token');
    await Promise.all(tasks);
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
