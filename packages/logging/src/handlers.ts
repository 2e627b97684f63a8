/**
 * @backchannel/logging/handlers — Python's `logging.handlers`.
 *
 *     import { RotatingFileHandler } from '@backchannel/logging/handlers';
 *     const h = new RotatingFileHandler('app.log', 'a', 10_000_000, 5);
 */
export type { FileHandlerOptions } from './file-handler.js';
export { FileHandler, reopenOnSighup } from './file-handler.js';
export { NullHandler, StreamHandler } from './handler.js';
export type { HTTPHandlerOptions } from './handlers/http-handler.js';
export { HTTPHandler } from './handlers/http-handler.js';
export type { MemoryHandlerOptions } from './handlers/memory-handler.js';
export { BufferingHandler, MemoryHandler } from './handlers/memory-handler.js';
export type { GetQueue, PutQueue } from './handlers/queue-handler.js';
export { LogQueue, QueueEmpty, QueueHandler, QueueListener } from './handlers/queue-handler.js';
export type { RotatingFileHandlerOptions } from './handlers/rotating-file-handler.js';
export { BaseRotatingHandler, RotatingFileHandler } from './handlers/rotating-file-handler.js';
export type { SysLogHandlerOptions } from './handlers/syslog-handler.js';
export * from './handlers/syslog-handler.js';
export type { TimedRotatingFileHandlerOptions, TimeOfDay } from './handlers/timed-rotating-file-handler.js';
export { TimedRotatingFileHandler } from './handlers/timed-rotating-file-handler.js';
export { WatchedFileHandler } from './handlers/watched-file-handler.js';
