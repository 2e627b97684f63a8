// The behaviour every ReplayStore must have, run against each store by its own test file.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ReplayRecorder, type ReplayStore } from '../src/index.js';

/** Opens another handle on the same backing store (a new connection / file handle). */
export type OpenStore = () => Promise<ReplayStore>;

async function waitFor(condition: () => Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function replayStoreSuite(name: string, openStore: OpenStore): void {
  describe(`replay store: ${name}`, () => {
    const opened: ReplayStore[] = [];
    const recorder = async () => {
      const store = await openStore();
      opened.push(store);
      return new ReplayRecorder({ store });
    };
    after(async () => {
      for (const store of opened) await store.close();
    });
    const unique = () => `evt_${process.pid}_${Math.random().toString(36).slice(2)}`;

    it('claims an event once, then reports duplicates', async () => {
      const guard = await recorder();
      const id = unique();
      assert.equal(await guard.claim('stripe', id), true);
      assert.equal(await guard.claim('stripe', id), false);
      assert.equal(await guard.state('stripe', id), 'claimed');
      assert.equal(await guard.claim('mandrill', id), true, 'another source is another event');
    });

    it('keeps (source, id) pairs apart even when they share characters', async () => {
      const guard = await recorder();
      const id = unique();
      assert.equal(await guard.claim('a:b', `c${id}`), true);
      assert.equal(await guard.claim('a', `b:c${id}`), true);
      assert.equal(await guard.claim('a:b:c', id), true);
    });

    it('gives exactly one of 100 concurrent claims on two connections', async () => {
      const first = await recorder();
      const second = await recorder();
      const id = unique();
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? first : second).claim('stripe', id)),
      );
      assert.equal(results.filter(Boolean).length, 1);
    });

    it('lets a released event be claimed again', async () => {
      const guard = await recorder();
      const id = unique();
      assert.equal(await guard.claim('stripe', id), true);
      await guard.release('stripe', id);
      assert.equal(await guard.state('stripe', id), undefined);
      assert.equal(await guard.claim('stripe', id), true);
      await guard.release('stripe', `${id}_never_claimed`);
    });

    it('completes a live claim and refuses to complete an unknown one', async () => {
      const guard = await recorder();
      const id = unique();
      assert.equal(await guard.complete('stripe', id), false);
      assert.equal(await guard.claim('stripe', id), true);
      assert.equal(await guard.complete('stripe', id), true);
      assert.equal(await guard.state('stripe', id), 'completed');
      assert.equal(await guard.claim('stripe', id), false);
    });

    it('lets the event through again once the record expires', async () => {
      const guard = await recorder();
      const id = unique();
      assert.equal(await guard.claim('stripe', id, { ttl: 150 }), true);
      assert.equal(await guard.claim('stripe', id, { ttl: 150 }), false);
      await waitFor(() => guard.claim('stripe', id, { ttl: 60_000 }), 'the record to expire');
      assert.equal(await guard.claim('stripe', id), false);
    });

    it('extends the lifetime on complete when given a ttl', async () => {
      const guard = await recorder();
      const id = unique();
      assert.equal(await guard.claim('stripe', id, { ttl: 150 }), true);
      assert.equal(await guard.complete('stripe', id, { ttl: 60_000 }), true);
      const start = Date.now();
      await waitFor(async () => Date.now() - start > 400, '400 ms to pass');
      assert.equal(await guard.state('stripe', id), 'completed');
      assert.equal(await guard.claim('stripe', id), false);
    });

    it('rejects empty keys and bad ttls before touching the store', async () => {
      const guard = await recorder();
      assert.throws(() => guard.claim('', 'x'), TypeError);
      assert.throws(() => guard.claim('stripe', ''), TypeError);
      assert.throws(() => guard.claim('stripe', 'x', { ttl: 0 }), TypeError);
      assert.throws(() => guard.claim('stripe', 'x'.repeat(2000)), TypeError);
    });
  });
}
