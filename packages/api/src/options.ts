import type { LogFormat, LogLevel } from './log.js';
import type { BurstRate } from './rate-limit/allowance.js';
import type { RateLimit } from './rate-limit/limiter.js';

/** Everything `startApi` needs; see the README for each option's flag and default. */
export interface ApiOptions {
  /** TCP port; 0 picks a free one. Default 3001. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Directory for `api.sqlite` when no `databaseUrl`. Default `./data/api`. */
  dataDir?: string;
  /** `postgres://…` to use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** PostgreSQL schema (created if missing). Default `public`. */
  databaseSchema?: string;
  /** reflektor ingest base URLs. Default `['http://127.0.0.1:3002']`. */
  reflektorUrls?: string[];
  /** Bearer token reflektor expects. */
  reflektorToken?: string;
  /** Deadline for one publish round trip, ms. Default 2000. */
  reflektorTimeoutMs?: number;
  /** First wait before a room's events are sent again after reflektor did not accept them, ms; doubles per failure. Default 100. */
  outboxRetryMinMs?: number;
  /** Longest wait between such attempts, ms. Default 5000. */
  outboxRetryMaxMs?: number;
  /** How often the outbox is searched for events no publisher of this process looks after, ms. Default 1000. */
  outboxSweepIntervalMs?: number;
  /** Age at which another process's (or a crashed one's) queued events are taken over by the search, ms. Default 5000. */
  outboxStaleAfterMs?: number;
  /** The origin browsers use (links, Origin check, cookie `Secure`). Default `http://localhost:3000`. */
  publicUrl?: string;
  /** `redis://…`: share rate limits through Redis instead of process memory. */
  redisUrl?: string;
  /** Key prefix in Redis. Default `backchannel:api:`. */
  redisPrefix?: string;
  /** Longest message text in characters. Default 280. */
  messageMaxLength?: number;
  /** Posts one participant (one browser) may make: burst, then the sustained rate. Default 10, then 30 per 60 s. */
  participantRate?: BurstRate;
  /** Posts one room takes from everyone together. Default 100, then 1,200 per 60 s. */
  roomMessageRate?: BurstRate;
  /** Posts from one address, all participants together (a school behind one NAT). Default 500, then 3,000 per 60 s. */
  addressMessageRate?: BurstRate;
  /** New participant ids one address may be given. Default 200, then 200 per 60 s. */
  addressNewParticipants?: BurstRate;
  /** Posts from clients without a participant cookie, per address, all of them together. Default 5, then 20 per 60 s. */
  cookielessRate?: BurstRate;
  /** Rooms one address may create per window. Default 10 per 60 s. */
  roomRateLimit?: RateLimit;
  /**
   * Keys that sign participant cookies: the first signs, all verify (rotation). Default: one key
   * generated on first start and kept in the database, shared by every api process using it.
   */
  participantSecrets?: string[];
  /** How long after expiry a room and its messages are deleted, ms. Default 7 days. */
  purgeGraceMs?: number;
  /** How often the purge runs, ms; 0 turns it off. Default 60 000. */
  purgeIntervalMs?: number;
  /** Proxies whose `X-Forwarded-*` headers are believed (fastify `trustProxy`). Default loopback. */
  trustProxy?: string | boolean;
  /** Largest request body in bytes. Default 16 384. */
  bodyLimit?: number;
  /** Where the web UI's built files are; default `publicDir` of `@backchannel/web`. */
  publicDir?: string;
  /** Record the status page's figures (`/status`, `/status.json`). Default true. */
  statusRecording?: boolean;
  /** Token that opens the status page and data from beyond loopback; '' keeps them loopback-only. Default ''. */
  statusToken?: string;
  /** reflektor admin base URLs whose `GET /status/ring` the status page gathers. Default none. */
  statusReflektorUrls?: string[];
  /** ekg base URLs whose `GET /status/ring` the status page gathers. Default none. */
  statusEkgUrls?: string[];
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

export type ResolvedApiOptions = Required<
  Omit<ApiOptions, 'databaseUrl' | 'reflektorToken' | 'redisUrl' | 'publicDir'>
> &
  Pick<ApiOptions, 'databaseUrl' | 'reflektorToken' | 'redisUrl' | 'publicDir'>;

export const defaultOptions = {
  port: 3001,
  host: '127.0.0.1',
  dataDir: './data/api',
  databaseSchema: 'public',
  reflektorUrls: ['http://127.0.0.1:3002'],
  reflektorTimeoutMs: 2000,
  outboxRetryMinMs: 100,
  outboxRetryMaxMs: 5000,
  outboxSweepIntervalMs: 1000,
  outboxStaleAfterMs: 5000,
  publicUrl: 'http://localhost:3000',
  redisPrefix: 'backchannel:api:',
  messageMaxLength: 280,
  participantRate: { burst: 10, count: 30, windowMs: 60_000 },
  roomMessageRate: { burst: 100, count: 1200, windowMs: 60_000 },
  addressMessageRate: { burst: 500, count: 3000, windowMs: 60_000 },
  addressNewParticipants: { burst: 200, count: 200, windowMs: 60_000 },
  cookielessRate: { burst: 5, count: 20, windowMs: 60_000 },
  participantSecrets: [] as string[],
  roomRateLimit: { limit: 10, windowMs: 60_000 },
  purgeGraceMs: 7 * 24 * 3_600_000,
  purgeIntervalMs: 60_000,
  trustProxy: '127.0.0.1,::1',
  bodyLimit: 16_384,
  statusRecording: true,
  statusToken: '',
  statusReflektorUrls: [],
  statusEkgUrls: [],
  logLevel: 'info',
  logFormat: process.env.NODE_ENV === 'production' ? 'json' : 'text',
} satisfies Omit<ResolvedApiOptions, 'databaseUrl' | 'reflektorToken' | 'redisUrl' | 'publicDir'>;

export function resolveOptions(options: ApiOptions): ResolvedApiOptions {
  const resolved: ResolvedApiOptions = { ...defaultOptions } as ResolvedApiOptions;
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
  }
  return resolved;
}
