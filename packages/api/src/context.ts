import type { Db } from './db/connect.js';
import type { EventTransactionDeps } from './event-transaction.js';
import type { Logger } from './log.js';
import type { ApiMetrics } from './metrics.js';
import type { ResolvedApiOptions } from './options.js';
import type { PostBatcher } from './post-batcher.js';
import type { EventPublisher } from './publish/reflektor.js';
import type { AllowanceLimiter } from './rate-limit/allowance.js';
import type { RateLimiter } from './rate-limit/limiter.js';
import type { ParticipantCookies } from './security/participant.js';

/** What every route module is given: plain dependencies, created once by the server. */
export interface AppContext {
  options: ResolvedApiOptions;
  db: Db;
  publisher: EventPublisher;
  log: Logger;
  metrics: ApiMetrics;
  /** Room creation per address (fixed window). */
  roomLimiter: RateLimiter;
  /** The limits that count people: participants, rooms, addresses, new ids. */
  allowances: AllowanceLimiter;
  participants: ParticipantCookies;
  changes: EventTransactionDeps;
  posts: PostBatcher;
  /** Room name → id, remembered briefly for history pages (see `loadRoomId`). */
  roomIds: Map<string, { id: number; until: number }>;
  /** Origin of `publicUrl`, e.g. `http://localhost:3000`. */
  publicOrigin: string;
}
