#!/usr/bin/env node
import { ReflektorError } from './errors.js';
import { loggerFor, setUpLogging } from './log.js';
import { helpText, parseCli } from './options.js';
import { startReflektor } from './server.js';

async function main(): Promise<void> {
  let settings: ReturnType<typeof parseCli>;
  try {
    settings = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`reflektor: ${(error as Error).message}\n`);
    process.exit(2);
  }
  if (settings === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  setUpLogging(settings.logLevel, settings.logFormat);
  const log = loggerFor('reflektor');
  if (settings.redisUrl !== null) {
    process.stderr.write(
      'reflektor: --store: the Redis Streams store is not available in this build; use sqlite.\n',
    );
    process.exit(2);
  }
  let handle: Awaited<ReturnType<typeof startReflektor>>;
  try {
    handle = await startReflektor({ ...settings, log });
  } catch (error) {
    const code = error instanceof ReflektorError ? error.code : 'start_failed';
    log.error((error as Error).message, { code });
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    handle.close().then(
      () => process.exit(0),
      (error: Error) => {
        log.error('shutdown failed', { error: error.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
