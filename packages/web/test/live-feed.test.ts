// LiveFeed's promise: every event once, in seq order, whether it came over the stream or from
// the api's log after a gap. The stream is driven by hand here; the log is an in-memory array.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectOptions, connect } from 'ekg/client';
import type { RoomEvent } from '../src/browser/api.js';
import { type FeedStatus, LiveFeed } from '../src/browser/live-feed.js';

const room = 'physics-101';

function event(seq: number): RoomEvent {
  return {
    room,
    seq,
    type: 'message.created',
    at: new Date(seq * 1000).toISOString(),
    data: { id: String(seq) },
  };
}

/** What the page saw, the stream's callbacks, and a log whose answers the test releases. */
function harness(lastSeq: number, log: number[]) {
  const applied: number[] = [];
  const statuses: FeedStatus[] = [];
  const fetches: number[] = [];
  let stream: ConnectOptions | undefined;
  let release: (() => void) | undefined;
  let gate: Promise<void> = Promise.resolve();
  const feed = new LiveFeed({
    room,
    lastSeq,
    onEvent: (e) => applied.push(e.seq),
    onStatus: (s) => statuses.push(s),
    fetchEventsAfter: async (after) => {
      fetches.push(after);
      await gate;
      return log.filter((seq) => seq > after).map(event);
    },
    connect: ((_url: string, _room: string, options: ConnectOptions) => {
      stream = options;
      return { lastSeq: -1, close() {} };
    }) as typeof connect,
  });
  feed.start();
  return {
    feed,
    applied,
    statuses,
    fetches,
    live: (seq: number) => stream!.onEvent({ ...event(seq) }),
    gap: (from: number, to: number) => stream!.onGap?.({ room, from, to }),
    status: (s: Parameters<NonNullable<ConnectOptions['onStatus']>>[0]) => stream!.onStatus?.(s),
    /** Makes the log's next answers wait until `open()` is called. */
    hold() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => release?.();
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('LiveFeed', () => {
  it('applies stream events in order and drops a seq it has seen', async () => {
    const h = harness(2, []);
    for (const seq of [1, 2, 3, 3, 4, 2, 5]) h.live(seq);
    await settle();
    assert.deepEqual(h.applied, [3, 4, 5]);
    assert.deepEqual(h.fetches, []);
  });

  it('fills a gap from the api, skipping seqs the log does not list, then resumes the stream', async () => {
    // 5 was a message deleted since: the log no longer lists its creation.
    const h = harness(2, [3, 4, 6, 7]);
    h.live(3);
    h.gap(4, 6);
    h.live(7);
    await settle();
    assert.deepEqual(h.applied, [3, 4, 6, 7]);
    assert.equal(h.fetches[0], 3);
    h.live(8);
    assert.deepEqual(h.applied, [3, 4, 6, 7, 8]);
  });

  it('holds stream events that arrive during a catch-up and applies them after, once', async () => {
    const h = harness(0, [1, 2, 3, 4]);
    const open = h.hold();
    h.gap(1, 2);
    h.live(3);
    h.live(4);
    h.live(5);
    await settle();
    assert.deepEqual(h.applied, [], 'nothing is applied before the missing events are in');
    open();
    await settle();
    assert.deepEqual(h.applied, [1, 2, 3, 4, 5]);
  });

  it('treats a jump in seq as a gap even without a notice', async () => {
    const h = harness(1, [2, 3, 4]);
    h.live(4);
    await settle();
    assert.deepEqual(h.applied, [2, 3, 4]);
  });

  it('reports connecting, live and reconnecting, but not its own close', () => {
    const h = harness(0, []);
    h.status('connecting');
    h.status('live');
    h.status('reconnecting');
    h.status('live');
    h.status('closed');
    assert.deepEqual(h.statuses, ['connecting', 'live', 'reconnecting', 'live']);
  });
});
