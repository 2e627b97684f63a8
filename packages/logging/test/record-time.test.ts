import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordTime } from '../src/clock.js';

test('created keeps the fraction of a millisecond; msecs is the whole milliseconds, as CPython 3.13', () => {
  assert.deepEqual(recordTime(1_700_000_000_123.456), { created: 1_700_000_000.123456, msecs: 123 });
  // The largest double below a whole second: created stays below it and msecs is 999.
  const near = recordTime(1_677_903_920_999.9998);
  assert.equal(near.msecs, 999);
  assert.ok(near.created < 1_677_903_921);
  assert.deepEqual(recordTime(1_677_903_921_000), { created: 1_677_903_921, msecs: 0 });
});
