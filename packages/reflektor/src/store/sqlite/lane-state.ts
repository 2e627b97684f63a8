import type { LaneSpec } from '../store.js';

/** What one lane has been handed and has finished, in memory; the watermark is persisted lazily. */
export interface LaneState {
  spec: LaneSpec;
  /** Every record with seq <= watermark is done for this lane. */
  watermark: number;
  /** Highest seq considered by read(). */
  readCursor: number;
  /** Seqs handed out and not yet passed by the watermark, in order, from `outHead`. */
  out: number[];
  outHead: number;
  completedAhead: Set<number>;
  /** Seqs completed since the last persist; those above the watermark go to the `done` table. */
  newlyCompleted: number[];
  /** Records done before a restart, above the persisted watermark: skipped by read(). */
  doneBeforeStart: Set<number>;
  entries: number;
  bytes: number;
  /** Watermark or completions changed since the last persist. */
  dirty: boolean;
}

/**
 * Moves the lane's watermark over every handed-out seq that is complete, in order. Once nothing
 * handed out is left open, the watermark moves up to the read cursor (records read past were not
 * the lane's, or were done before a restart).
 */
export function advanceWatermark(lane: LaneState): void {
  const out = lane.out;
  let head = lane.outHead;
  while (head < out.length && lane.completedAhead.delete(out[head])) {
    lane.watermark = out[head];
    head++;
  }
  if (head === out.length) {
    lane.out = [];
    lane.outHead = 0;
    if (lane.readCursor > lane.watermark) lane.watermark = lane.readCursor;
  } else if (head > 4096 && head * 2 > out.length) {
    lane.out = out.slice(head);
    lane.outHead = 0;
  } else {
    lane.outHead = head;
  }
  lane.dirty = true;
}
