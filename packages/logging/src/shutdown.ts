import type { Handler } from './handler.js';
import { registry } from './registry.js';

const finalizer = new FinalizationRegistry<WeakRef<Handler>>((ref) => {
  registry.handlerRefs.delete(ref);
});

const beforeShutdown = new Set<() => void>();

/** Run `hook` at the start of `shutdown()` (a QueueListener drains its queue there). */
export function addShutdownHook(hook: () => void): void {
  beforeShutdown.add(hook);
}

/** Undo `addShutdownHook`. */
export function removeShutdownHook(hook: () => void): void {
  beforeShutdown.delete(hook);
}

/** Remember a handler so `shutdown()` (and process exit) flushes and closes it. */
export function trackHandler(handler: Handler): WeakRef<Handler> {
  const ref = new WeakRef(handler);
  registry.handlerRefs.add(ref);
  finalizer.register(handler, ref, ref);
  installExitHook();
  return ref;
}

/** Forget a handler (after `close()`). */
export function untrackHandler(ref: WeakRef<Handler>): void {
  registry.handlerRefs.delete(ref);
  finalizer.unregister(ref);
}

/** Every live handler, newest first (the order `shutdown()` uses, as in Python). */
export function liveHandlers(): Handler[] {
  const out: Handler[] = [];
  for (const ref of registry.handlerRefs) {
    const h = ref.deref();
    if (h !== undefined) out.push(h);
  }
  return out.reverse();
}

/**
 * Python's `logging.shutdown()`: flush and close every handler, newest first. Runs
 * synchronously; it is also run on process `'exit'` (normal exit, `process.exit()`, and
 * an uncaught exception), so buffered file handlers never lose a line there.
 */
export function shutdown(handlerList: readonly Handler[] = liveHandlers()): void {
  for (const hook of [...beforeShutdown]) {
    try {
      hook();
    } catch {
      // a failing hook must not keep the handlers from being flushed
    }
  }
  for (const h of handlerList) {
    try {
      h.flush();
      h.close();
    } catch (err) {
      if (registry.raiseExceptions) {
        try {
          process.stderr.write(`--- Logging error during shutdown ---\n${String(err)}\n`);
        } catch {
          // stderr gone: nothing more to do at exit
        }
      }
    }
  }
}

function installExitHook(): void {
  if (registry.exitHookInstalled) return;
  registry.exitHookInstalled = true;
  process.on('exit', () => shutdown());
}
