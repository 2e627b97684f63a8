// The api's flags: one table that gives the program its options, --help and the README's table.
import { join } from 'node:path';
import {
  type FlagValues,
  InvalidValue,
  type loggingFlags,
  optionalFlag,
  parse,
  type ValueFlag,
  valueFlag,
} from '@backchannel/service';
import { type ApiOptions, defaultOptions } from './options.js';
import type { BurstRate } from './rate-limit/allowance.js';

const urls = parse.list(parse.url(['http', 'https']));

const participantSecrets = (raw: string): string[] => {
  const keys = raw.split(',').map((key) => key.trim());
  if (keys.some((key) => key.length < 32))
    throw new InvalidValue('must be comma-separated keys of at least 32 characters each');
  return keys;
};

const hours = (raw: string): number => {
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!(value >= 0)) throw new InvalidValue('must be a number of hours, 0 or more');
  return value * 3_600_000;
};

const trustProxy = (raw: string): boolean | string => (raw === 'true' ? true : raw === 'false' ? false : raw);

/** A sustained-rate flag (`--NAME-rate-limit COUNT/SECONDS`) and its burst (`--NAME-burst N`). */
function burstRateFlags<N extends string>(
  name: N,
  env: string,
  what: string,
  rate: BurstRate,
): Record<`${N}-rate-limit`, ValueFlag<{ limit: number; windowMs: number }>> &
  Record<`${N}-burst`, ValueFlag<number>> {
  return {
    [`${name}-rate-limit`]: valueFlag({
      env: `${env}_RATE_LIMIT`,
      help: `${what}, sustained, as COUNT/SECONDS`,
      default: { limit: rate.count, windowMs: rate.windowMs },
      defaultText: `${rate.count}/${rate.windowMs / 1000}`,
      parse: parse.rate,
    }),
    [`${name}-burst`]: valueFlag({
      env: `${env}_BURST`,
      help: `${what} at once, before the sustained rate applies`,
      default: rate.burst,
      parse: parse.integer(1, 1_000_000_000),
    }),
  } as Record<`${N}-rate-limit`, ValueFlag<{ limit: number; windowMs: number }>> &
    Record<`${N}-burst`, ValueFlag<number>>;
}

export const apiFlags = {
  port: valueFlag({
    env: 'PORT',
    help: 'TCP port to listen on (0 = any free port)',
    default: defaultOptions.port,
    parse: parse.port,
  }),
  host: valueFlag({
    env: 'HOST',
    help: 'interface to listen on',
    default: defaultOptions.host,
    parse: parse.text,
  }),
  'data-dir': valueFlag({
    env: 'API_DATA_DIR',
    aliases: ['data'],
    help: 'directory for the SQLite database (DIR/api.sqlite)',
    default: join('.', 'data', 'api'),
    parse: parse.text,
  }),
  'database-url': optionalFlag({
    env: 'DATABASE_URL',
    help: 'postgres://… to use PostgreSQL instead of SQLite',
    parse: parse.url(['postgres', 'postgresql']),
  }),
  'database-schema': valueFlag({
    env: 'DATABASE_SCHEMA',
    help: 'PostgreSQL schema to use (created if missing)',
    default: defaultOptions.databaseSchema,
    parse: parse.text,
  }),
  'reflektor-url': valueFlag({
    env: 'REFLEKTOR_URL',
    help: 'reflektor ingest URL; comma-separated for several (balanced)',
    default: defaultOptions.reflektorUrls,
    defaultText: defaultOptions.reflektorUrls.join(','),
    parse: urls,
  }),
  'reflektor-token': optionalFlag({
    env: 'REFLEKTOR_TOKEN',
    help: 'bearer token reflektor expects',
    parse: parse.text,
  }),
  'reflektor-timeout': valueFlag({
    env: 'REFLEKTOR_TIMEOUT_MS',
    help: 'deadline for one publish to reflektor, ms',
    default: defaultOptions.reflektorTimeoutMs,
    parse: parse.duration({ min: 1, max: 600_000 }),
  }),
  'public-url': valueFlag({
    env: 'PUBLIC_URL',
    help: "the browser's origin (links, Origin check, Secure cookie on https)",
    default: defaultOptions.publicUrl,
    parse: parse.url(),
  }),
  'redis-url': optionalFlag({
    env: 'REDIS_URL',
    help: 'redis://… to share rate limits through Redis (default: in memory)',
    parse: parse.url(['redis', 'rediss']),
  }),
  'message-max-length': valueFlag({
    env: 'MESSAGE_MAX_LENGTH',
    help: 'longest message text, in characters',
    default: defaultOptions.messageMaxLength,
    parse: parse.integer(1, 10_000),
  }),
  ...burstRateFlags(
    'participant',
    'PARTICIPANT',
    'posts one participant (browser) may make',
    defaultOptions.participantRate,
  ),
  ...burstRateFlags(
    'room-message',
    'ROOM_MESSAGE',
    'posts one room takes from everyone together',
    defaultOptions.roomMessageRate,
  ),
  ...burstRateFlags(
    'address-message',
    'ADDRESS_MESSAGE',
    'posts from one address, every participant together',
    defaultOptions.addressMessageRate,
  ),
  ...burstRateFlags(
    'cookieless',
    'COOKIELESS',
    'posts from clients without a participant cookie, per address',
    defaultOptions.cookielessRate,
  ),
  'address-new-participants': valueFlag({
    env: 'ADDRESS_NEW_PARTICIPANTS',
    help: 'new participant ids one address may be given, as COUNT/SECONDS',
    default: {
      limit: defaultOptions.addressNewParticipants.count,
      windowMs: defaultOptions.addressNewParticipants.windowMs,
    },
    defaultText: `${defaultOptions.addressNewParticipants.count}/${defaultOptions.addressNewParticipants.windowMs / 1000}`,
    parse: parse.rate,
  }),
  'participant-secret': optionalFlag({
    env: 'PARTICIPANT_SECRET',
    help: 'keys signing participant cookies, comma-separated: the first signs, all verify',
    defaultText: 'a key kept in the database',
    parse: participantSecrets,
  }),
  'room-rate-limit': valueFlag({
    env: 'ROOM_RATE_LIMIT',
    help: 'rooms one address may create, as COUNT/SECONDS',
    default: defaultOptions.roomRateLimit,
    defaultText: `${defaultOptions.roomRateLimit.limit}/${defaultOptions.roomRateLimit.windowMs / 1000}`,
    parse: parse.rate,
  }),
  'purge-grace': valueFlag({
    env: 'PURGE_GRACE_HOURS',
    help: 'hours after expiry before a room and its messages are deleted',
    default: defaultOptions.purgeGraceMs,
    defaultText: String(defaultOptions.purgeGraceMs / 3_600_000),
    parse: hours,
  }),
  'trust-proxy': valueFlag<boolean | string>({
    env: 'TRUST_PROXY',
    help: 'comma-separated proxy addresses whose X-Forwarded-* headers are believed (true: any)',
    default: defaultOptions.trustProxy,
    parse: trustProxy,
  }),
  'status-recording': valueFlag({
    env: 'STATUS_RECORDING',
    help: 'record the status page figures: on or off',
    default: 'on' as 'on' | 'off',
    parse: parse.oneOf(['on', 'off'] as const),
  }),
  'status-token': optionalFlag({
    env: 'BACKCHANNEL_STATUS_TOKEN',
    help: 'token that opens /status and /status.json from beyond loopback (unset: loopback only)',
    parse: parse.text,
  }),
  'status-reflektor-url': optionalFlag({
    env: 'STATUS_REFLEKTOR_URL',
    help: 'reflektor admin URL(s) the status page gathers from, comma-separated',
    parse: urls,
  }),
  'status-ekg-url': optionalFlag({
    env: 'STATUS_EKG_URL',
    help: 'ekg URL(s) the status page gathers from, comma-separated',
    parse: urls,
  }),
};

const burst = (rate: { limit: number; windowMs: number }, burstSize: number): BurstRate => ({
  burst: burstSize,
  count: rate.limit,
  windowMs: rate.windowMs,
});

/** The api's options from the flags' values. */
export function optionsFrom(values: FlagValues<typeof apiFlags & typeof loggingFlags>): ApiOptions {
  const newParticipants = values['address-new-participants'];
  return {
    statusRecording: values['status-recording'] === 'on',
    statusToken: values['status-token'],
    statusReflektorUrls: values['status-reflektor-url'],
    statusEkgUrls: values['status-ekg-url'],
    port: values.port,
    host: values.host,
    dataDir: values['data-dir'],
    databaseUrl: values['database-url'],
    databaseSchema: values['database-schema'],
    reflektorUrls: values['reflektor-url'],
    reflektorToken: values['reflektor-token'],
    reflektorTimeoutMs: values['reflektor-timeout'],
    publicUrl: values['public-url'],
    redisUrl: values['redis-url'],
    messageMaxLength: values['message-max-length'],
    participantRate: burst(values['participant-rate-limit'], values['participant-burst']),
    roomMessageRate: burst(values['room-message-rate-limit'], values['room-message-burst']),
    addressMessageRate: burst(values['address-message-rate-limit'], values['address-message-burst']),
    cookielessRate: burst(values['cookieless-rate-limit'], values['cookieless-burst']),
    addressNewParticipants: {
      count: newParticipants.limit,
      windowMs: newParticipants.windowMs,
      burst: newParticipants.limit,
    },
    participantSecrets: values['participant-secret'],
    roomRateLimit: values['room-rate-limit'],
    purgeGraceMs: values['purge-grace'],
    trustProxy: values['trust-proxy'],
    logLevel: values['log-level'],
    logFormat: values['log-format'],
  };
}
