#!/usr/bin/env node
// reflektor as a program: its flag table (options.ts) and one runService call (flags, --help,
// logging, signals, port errors and exit codes are @backchannel/service's).
import { runService } from '@backchannel/service';
import { ReflektorError } from './errors.js';
import { loggerFor, useFieldStyle } from './log.js';
import { helpFooter, reflektorFlags, settingsFrom } from './options.js';
import { startReflektor } from './server.js';
import { RedisStore } from './store/redis.js';

await runService({
  program: 'reflektor',
  summary:
    'Accepts any HTTP request, answers 202 once it is durable, and replays it to one or more hosts.\n' +
    'Usage: reflektor --target http://localhost:8080 [--target …] [flags]',
  flags: reflektorFlags,
  helpFooter,
  async start(values) {
    const settings = settingsFrom(values);
    useFieldStyle(settings.logFormat);
    const log = loggerFor('reflektor');
    const store =
      settings.redisUrl === null
        ? undefined
        : new RedisStore({
            url: settings.redisUrl,
            prefix: settings.redisPrefix,
            partitions: settings.partitions,
            leaseMs: settings.redisLeaseMs,
          });
    try {
      return await startReflektor({ ...settings, store, log });
    } catch (error) {
      // A refused data directory or store keeps its stable code in the message.
      if (error instanceof ReflektorError) throw new Error(`${error.message} code=${error.code}`);
      throw error;
    }
  },
  // On SIGTERM reflektor waits --shutdown-timeout for deliveries in flight; give that room.
  shutdownDeadlineMs: 60_000,
});
