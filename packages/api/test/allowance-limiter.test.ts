import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allowance } from '../src/rate-limit/allowance.js';
import { createMemoryAllowanceLimiter } from '../src/rate-limit/allowance-memory.js';

describe('allowance limiter (memory)', () => {
  test('takes a burst, then one request per interval, and says how long to wait', async () => {
    let now = 1_000_000;
    const limiter = createMemoryAllowanceLimiter(() => now);
    const rate = { burst: 3, count: 30, windowMs: 60_000 }; // one per 2 s
    try {
      for (let i = 0; i < 3; i++) assert.equal((await limiter.take([allowance('p', rate)])).allowed, true);
      const refused = await limiter.take([allowance('p', rate)]);
      assert.deepEqual(refused, { allowed: false, retryAfterMs: 2000, refusedBy: 0 });
      now += 1999;
      assert.equal((await limiter.take([allowance('p', rate)])).allowed, false);
      now += 1;
      assert.equal((await limiter.take([allowance('p', rate)])).allowed, true);
      // A person posting every 3 s never meets a one-per-2-s limit.
      for (let i = 0; i < 100; i++) {
        now += 3000;
        assert.equal((await limiter.take([allowance('steady', rate)])).allowed, true);
      }
    } finally {
      await limiter.close();
    }
  });

  test('several allowances are taken together or not at all', async () => {
    const now = 5_000_000;
    const limiter = createMemoryAllowanceLimiter(() => now);
    const tight = { burst: 1, count: 1, windowMs: 60_000 };
    const loose = { burst: 2, count: 2, windowMs: 60_000 };
    try {
      assert.equal((await limiter.take([allowance('a', tight), allowance('shared', loose)])).allowed, true);
      const refused = await limiter.take([allowance('a', tight), allowance('shared', loose)]);
      assert.equal(refused.allowed, false);
      assert.equal(refused.refusedBy, 0);
      // The refusal used none of `shared`: one more still fits there.
      assert.equal((await limiter.take([allowance('b', tight), allowance('shared', loose)])).allowed, true);
      const both = await limiter.take([allowance('c', tight), allowance('shared', loose)]);
      assert.equal(both.refusedBy, 1);
    } finally {
      await limiter.close();
    }
  });
});
