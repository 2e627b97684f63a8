import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RetryInfo } from '../src/index.js';
import { parseRetryAfter, TaskQueue } from '../src/index.js';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}`);
  }
}

describe('retries', () => {
  test('retries up to `retries` times, passing the attempt number', async () => {
    const queue = new TaskQueue({ minDelay: 1, maxDelay: 2 });
    const attempts: number[] = [];
    const result = await queue.push(
      async (_signal, attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new Error('flaky');
        return 'ok';
      },
      { retries: 5 },
    );
    assert.equal(result, 'ok');
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.equal(queue.stats.retried, 2);
    assert.equal(queue.stats.completed, 1);
  });

  test('gives up after `retries` and rejects with the last error', async () => {
    const queue = new TaskQueue({ retries: 2, minDelay: 1, maxDelay: 1 });
    let calls = 0;
    await assert.rejects(
      queue.push(async (_signal, attempt) => {
        calls++;
        throw new Error(`attempt ${attempt}`);
      }),
      /attempt 3/,
    );
    assert.equal(calls, 3);
    assert.deepEqual(queue.stats, { completed: 0, failed: 1, retried: 2, timedOut: 0, cancelled: 0 });
  });

  test('no retries by default', async () => {
    const queue = new TaskQueue();
    let calls = 0;
    await assert.rejects(
      queue.push(async () => {
        calls++;
        throw new Error('once');
      }),
    );
    assert.equal(calls, 1);
  });

  test('retryIf decides which errors are retried', async () => {
    const queue = new TaskQueue({ minDelay: 1, maxDelay: 1 });
    const seen: Array<[number, number]> = [];
    let calls = 0;
    await assert.rejects(
      queue.push(
        async () => {
          calls++;
          throw new HttpError(calls === 1 ? 503 : 400);
        },
        {
          retries: 5,
          retryIf: (error, attempt) => {
            seen.push([(error as HttpError).status, attempt]);
            return (error as HttpError).status >= 500;
          },
        },
      ),
      { status: 400 },
    );
    assert.equal(calls, 2);
    assert.deepEqual(seen, [
      [503, 1],
      [400, 2],
    ]);
  });

  test('an error carrying retryAfterMs sets the delay, beyond maxDelay', async () => {
    const queue = new TaskQueue({ minDelay: 1, maxDelay: 5 });
    const startedAt: number[] = [];
    const delays: number[] = [];
    await queue.push(
      async (_signal, attempt) => {
        startedAt.push(performance.now());
        if (attempt === 1) throw new HttpError(429, 60);
      },
      { retries: 1, onRetry: (info) => delays.push(info.delayMs) },
    );
    assert.deepEqual(delays, [60]);
    assert.ok(startedAt[1] - startedAt[0] >= 55, `retried after ${startedAt[1] - startedAt[0]} ms`);
  });

  test('backoff delays lie between minDelay and min(maxDelay, minDelay * factor ** n)', async () => {
    for (const [random, expected] of [
      [0, [10, 10, 10, 10]],
      [0.999_999, [30, 90, 100, 100]],
    ] as const) {
      const queue = new TaskQueue({ random: () => random });
      const delays: number[] = [];
      await assert.rejects(
        queue.push(
          async () => {
            throw new Error('down');
          },
          {
            retries: 4,
            minDelay: 10,
            maxDelay: 100,
            factor: 3,
            onRetry: (info) => delays.push(info.delayMs),
            retryIf: () => true,
          },
        ),
      );
      assert.deepEqual(
        delays.map((delay) => Math.round(delay)),
        expected,
      );
    }
  });

  test('maxElapsed stops retrying once the next attempt would start too late', async () => {
    const queue = new TaskQueue({ minDelay: 40, maxDelay: 40 });
    let calls = 0;
    await assert.rejects(
      queue.push(
        async () => {
          calls++;
          throw new Error('down');
        },
        { retries: Number.POSITIVE_INFINITY, maxElapsed: 100 },
      ),
      /down/,
    );
    // Attempts are at least 40 ms apart and none may be planned past 100 ms: 3 at most.
    assert.ok(calls >= 1 && calls <= 3, `${calls} attempts`);
  });

  test('onRetry receives the error, attempt, delay and key; a throwing onRetry fails the task', async () => {
    const queue = new TaskQueue({ minDelay: 1, maxDelay: 1 });
    const infos: RetryInfo[] = [];
    const failure = new Error('first');
    await queue.push(
      async (_signal, attempt) => {
        if (attempt === 1) throw failure;
      },
      { key: 'room-1', retries: 1, onRetry: (info) => infos.push(info) },
    );
    assert.equal(infos.length, 1);
    assert.equal(infos[0].error, failure);
    assert.equal(infos[0].attempt, 1);
    assert.equal(infos[0].key, 'room-1');
    assert.equal(infos[0].delayMs, 1);

    const hookError = new Error('hook');
    await assert.rejects(
      queue.push(
        async () => {
          throw new Error('task');
        },
        {
          retries: 3,
          onRetry: () => {
            throw hookError;
          },
        },
      ),
      (error) => error === hookError,
    );
  });

  test('queue-wide retry options are defaults that push options override', async () => {
    const queue = new TaskQueue({ retries: 1, minDelay: 1, maxDelay: 1 });
    let calls = 0;
    const failing = async (): Promise<never> => {
      calls++;
      throw new Error('x');
    };
    await assert.rejects(queue.push(failing));
    assert.equal(calls, 2);
    calls = 0;
    await assert.rejects(queue.push(failing, { retries: 3 }));
    assert.equal(calls, 4);
    calls = 0;
    await assert.rejects(queue.push(failing, { retries: 0 }));
    assert.equal(calls, 1);
  });

  test('a cancelled task is not retried', async () => {
    const queue = new TaskQueue({ retries: 5, minDelay: 1, maxDelay: 1 });
    const controller = new AbortController();
    let calls = 0;
    const result = queue.push(
      (signal) =>
        new Promise((_resolve, reject) => {
          calls++;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      { signal: controller.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('user left'));
    await assert.rejects(result, { code: 'ERR_TASK_ABORTED' });
    await queue.onIdle();
    assert.equal(calls, 1);
  });
});

describe('parseRetryAfter', () => {
  test('reads delay-seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(' 0 '), 0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
});
