import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskQueue } from '../src/index.js';

/** What JavaScript code sees: no TypeScript types between it and the object. */
type Untyped = Record<string, unknown>;

/** Every name a TaskQueue answers to from JavaScript; anything else is an internal that leaked. */
const PUBLIC_NAMES = [
  'activeKeyCount',
  'add',
  'close',
  'concurrency',
  'constructor',
  'isClosed',
  'isPaused',
  'off',
  'on',
  'onEmpty',
  'onIdle',
  'onSizeLessThan',
  'pause',
  'pending',
  'push',
  'pushDetached',
  'resume',
  'running',
  'size',
  'stats',
];

describe('public surface', () => {
  test('add(fn), called the way p-queue users call it from JavaScript, runs the task like push', async () => {
    const queue = new TaskQueue({ concurrency: 2 }) as unknown as Untyped;
    const add = queue.add as (task: () => unknown, options?: object) => Promise<unknown>;
    assert.equal(await add.call(queue, async () => 'from add'), 'from add');
    assert.equal(await add.call(queue, () => 7, { key: 'k', priority: 1 }), 7);
    const typed = queue as unknown as TaskQueue;
    assert.equal(typed.pending, 0);
    assert.deepEqual(typed.stats, { completed: 2, failed: 0, retried: 0, timedOut: 0, cancelled: 0 });
  });

  test('a TaskQueue exposes no internal member to JavaScript: no own fields, no extra prototype names', () => {
    const queue = new TaskQueue({ rateLimit: { limit: 10, interval: 1000 } });
    assert.deepEqual(Object.getOwnPropertyNames(queue), []);
    assert.deepEqual(Object.getOwnPropertyNames(TaskQueue.prototype).sort(), PUBLIC_NAMES);
    const untyped = queue as unknown as Untyped;
    for (const internal of ['addPlain', 'pump', 'start', 'stop', 'ready', 'keys', 'listeners', 'counters']) {
      assert.equal(untyped[internal], undefined, `queue.${internal} is reachable`);
    }
  });
});
