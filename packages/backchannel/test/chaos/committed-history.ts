// The room's committed history as the api's event log tells it, and the comparison of what each
// screen showed against it.
import type { RoomEvent } from '@backchannel/web/browser/api';
import type { Acknowledged } from './poster.js';
import type { ShownEvent } from './subscriber.js';

export interface CommittedEvent {
  seq: number;
  type: string;
  text: string | undefined;
}

/** Every event of the room after `afterSeq`, in seq order, paging through the log. */
export async function committedHistory(base: string, room: string, afterSeq = 0): Promise<CommittedEvent[]> {
  const events: CommittedEvent[] = [];
  let after = afterSeq;
  for (;;) {
    const response = await fetch(
      `${base}/api/rooms/${encodeURIComponent(room)}/events?after=${after}&limit=500`,
    );
    if (!response.ok) throw new Error(`events answered ${response.status}: ${await response.text()}`);
    const page = ((await response.json()) as { events: RoomEvent[] }).events;
    if (page.length === 0) return events;
    for (const event of page) {
      events.push({
        seq: event.seq,
        type: event.type,
        text: typeof event.data.text === 'string' ? event.data.text : undefined,
      });
    }
    after = page[page.length - 1]?.seq ?? after;
  }
}

export interface ScreenCheck {
  name: string;
  shown: number;
  missing: number[];
  duplicate: number[];
  outOfOrder: number;
  /** Shown with a seq the log does not have, or with other content than the log's. */
  notCommitted: number[];
}

/** Compares one screen with the committed history after the seq it started from. */
export function checkScreen(
  name: string,
  shown: readonly ShownEvent[],
  committed: readonly CommittedEvent[],
  startedAfter: number,
): ScreenCheck {
  const bySeq = new Map(committed.map((event) => [event.seq, event]));
  const seen = new Set<number>();
  const duplicate: number[] = [];
  const notCommitted: number[] = [];
  let outOfOrder = 0;
  let previous = startedAfter;
  for (const event of shown) {
    if (seen.has(event.seq)) duplicate.push(event.seq);
    seen.add(event.seq);
    if (event.seq <= previous) outOfOrder++;
    previous = Math.max(previous, event.seq);
    const truth = bySeq.get(event.seq);
    if (!truth || truth.type !== event.type || truth.text !== event.text) notCommitted.push(event.seq);
  }
  const missing = committed
    .filter((event) => event.seq > startedAfter && !seen.has(event.seq))
    .map((e) => e.seq);
  return { name, shown: shown.length, missing, duplicate, outOfOrder, notCommitted };
}

/** Acknowledged posts missing from the log, or stored with other text. */
export function lostAcknowledged(
  acknowledged: readonly Acknowledged[],
  committed: readonly CommittedEvent[],
): string[] {
  const bySeq = new Map(committed.map((event) => [event.seq, event]));
  return acknowledged
    .filter((ack) => {
      const truth = bySeq.get(Number(ack.id));
      return truth?.type !== 'message.created' || truth.text !== ack.text;
    })
    .map((ack) => `${ack.id}: ${ack.text}`);
}

export function isClean(check: ScreenCheck): boolean {
  return (
    check.missing.length === 0 &&
    check.duplicate.length === 0 &&
    check.outOfOrder === 0 &&
    check.notCommitted.length === 0
  );
}
