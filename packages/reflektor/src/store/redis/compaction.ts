import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';
import { compareIds, groupInfo } from './stream-info.js';

/**
 * Trims each of the target's partition streams below the oldest entry one of `laneIds` still
 * needs: its oldest pending entry, or else the one after its last-delivered-id. Groups of other
 * lanes (no longer configured) are ignored. Returns how many entries were removed.
 */
export async function trimStreams(
  redis: Redis,
  keys: RedisKeys,
  target: string,
  partitions: number,
  laneIds: readonly string[],
): Promise<number> {
  let removed = 0;
  for (let p = 0; p < partitions; p++) {
    const stream = keys.stream(target, p);
    const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
    let min: string | null = null;
    for (const group of groups) {
      const info = groupInfo(group);
      if (!laneIds.includes(String(info.get('name')))) continue;
      let needed: string | null = null;
      if (Number(info.get('pending')) > 0) {
        // The entries may have been acknowledged since XINFO: then the summary is empty.
        const summary = (await redis.xpending(stream, String(info.get('name')))) as [number, string | null];
        if (summary[0] > 0 && summary[1] !== null) needed = summary[1];
      }
      if (needed === null) {
        // Everything up to last-delivered-id (as read above, so never past what is still needed).
        const [ms, n] = String(info.get('last-delivered-id')).split('-');
        needed = `${ms}-${Number(n) + 1}`;
      }
      if (min === null || compareIds(needed, min) < 0) min = needed;
    }
    if (min !== null) removed += Number(await redis.xtrim(stream, 'MINID', min));
  }
  return removed;
}
