import type Database from 'better-sqlite3';

const ROWS_PER_CHUNK = 1000;
const MAX_CHUNKS = 20;

/**
 * Deletes records at or below `watermark` that no dead letter refers to, oldest first. Bounded
 * chunks, with a turn of the event loop between them, keep each pause short; stops early once
 * `stopped()` says so. Returns how many records were removed.
 */
export async function compactRecords(
  db: Database.Database,
  watermark: number,
  stopped: () => boolean,
): Promise<number> {
  const remove = db.prepare(
    `DELETE FROM records WHERE seq IN (SELECT seq FROM records r WHERE seq <= ?
       AND NOT EXISTS (SELECT 1 FROM dead WHERE dead.seq = r.seq) ORDER BY seq LIMIT ${ROWS_PER_CHUNK})`,
  );
  let removed = 0;
  for (let chunk = 0; chunk < MAX_CHUNKS && !stopped(); chunk++) {
    const changes = remove.run(watermark).changes;
    removed += changes;
    if (changes < ROWS_PER_CHUNK) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return removed;
}
