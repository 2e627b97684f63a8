export { type ErrorCode, ReflektorError } from './errors.js';
export type { Logger } from './log.js';
export type { NewRecord, StoredRecord } from './record.js';
export { checkTargets, loadRoutingFile, type Mode, type Target } from './routing.js';
export { type ReflektorHandle, type ReflektorOptions, startReflektor } from './server.js';
export { RedisStore, type RedisStoreOptions } from './store/redis.js';
export { type Durability, SqliteStore, type SqliteStoreOptions } from './store/sqlite.js';
export type { DeadFilter, DeadInfo, DeadLetter, Depth, LaneSpec, QueueStore } from './store/store.js';
