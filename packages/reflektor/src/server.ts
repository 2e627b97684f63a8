import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Admin } from './admin.js';
import { Delivery } from './delivery.js';
import { ReflektorError } from './errors.js';
import { Ingest } from './ingest.js';
import { type Logger, loggerFor } from './log.js';
import { Metrics } from './metrics.js';
import { checkTargets, lanesOf, Router, type Target } from './routing.js';
import { ReflektorStatus } from './status.js';
import { DirectoryInUseError } from './store/dir-lock.js';
import { type Durability, SqliteStore } from './store/sqlite.js';
import type { QueueStore } from './store/store.js';

/** Everything `startReflektor` needs; each field matches a CLI flag of the same name. */
export interface ReflektorOptions {
  /** Where requests go: named targets chosen by path prefix (one target with prefix "/" for the simple case). */
  targets: Target[];
  /** Ingest port (0: any free port). Default 3002. */
  port?: number;
  /** Ingest address. Default 127.0.0.1. */
  host?: string;
  /** Admin port (0: any free port). Default 3003. */
  adminPort?: number;
  /** Admin address. Default 127.0.0.1 (loopback only). */
  adminHost?: string;
  /** Directory of the SQLite queue. Default ./data/reflektor. */
  data?: string;
  /** Default 'fsync'. */
  durability?: Durability;
  /** A store other than SQLite under `data` (e.g. Redis Streams); the caller owns its creation. */
  store?: QueueStore;
  token?: string | null;
  /** Bearer token for the admin port (all but /health, /ready); without it, state-changing calls need a JSON content type. */
  adminToken?: string | null;
  signSecret?: string | null;
  /** Default 1 MiB. */
  maxBody?: number;
  /** Queue limit per lane in requests; 0 means none. Default 1,000,000. */
  maxQueue?: number;
  /** Queue limit per lane in body bytes; 0 means none. Default 0. */
  maxQueueBytes?: number;
  /** Default 24 h. */
  maxAgeMs?: number;
  /** 0 means no limit (only maxAgeMs). Default 0. */
  maxAttempts?: number;
  /** Default 100 ms. */
  retryBaseMs?: number;
  /** Default 10 s. */
  retryMaxMs?: number;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
  /** Requests in flight per lane. Default 64. */
  concurrency?: number;
  /** Connections per host. Default 16. */
  connections?: number;
  /** How long SIGTERM waits for deliveries in flight. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Default 1 s. */
  compactIntervalMs?: number;
  /** Record the status page's figures and serve them as `GET /status/ring` on the admin port. Default true. */
  statusRecording?: boolean;
  /** Opens `GET /status/ring` from beyond loopback (`Authorization: Bearer <token>`). Default none. */
  statusToken?: string | null;
  /** Default: @backchannel/logging's `reflektor` logger and its children (`reflektor.ingest`, `reflektor.delivery`, `reflektor.admin`). */
  log?: Logger;
}

/** A running reflektor. */
export interface ReflektorHandle {
  port: number;
  adminPort: number;
  store: QueueStore;
  /**
   * Graceful stop: refuses new requests, answers those being stored, waits for deliveries in
   * flight up to the shutdown timeout, persists progress; undelivered requests stay queued.
   */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string, flag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') {
        reject(new ReflektorError('port_in_use', `Port ${port} is in use; choose another with ${flag}.`));
      } else if (error.code === 'EACCES') {
        reject(
          new ReflektorError(
            'port_in_use',
            `Not allowed to listen on port ${port}; choose another with ${flag}.`,
          ),
        );
      } else {
        reject(
          new ReflektorError(
            'port_in_use',
            `Cannot listen on ${host}:${port} (${error.message}); check ${flag}.`,
          ),
        );
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** True when `error` says the native SQLite addon could not be loaded (missing or built for another Node.js). */
function isDriverLoadError(error: NodeJS.ErrnoException): boolean {
  return (
    error.code === 'ERR_DLOPEN_FAILED' ||
    /bindings file|NODE_MODULE_VERSION|invalid ELF header/.test(error.message ?? '')
  );
}

/**
 * Starts the ingest and admin servers and delivery. Resolves once both ports listen and
 * delivery of what was already queued has resumed.
 * @throws ReflektorError `bad_target`, `data_dir` or `port_in_use`, naming the option's flag.
 */
export async function startReflektor(options: ReflektorOptions): Promise<ReflektorHandle> {
  const log = options.log ?? loggerFor('reflektor');
  const logOf = (part: string): Logger => options.log ?? loggerFor(`reflektor.${part}`);
  const targets = checkTargets(options.targets, '--target');
  const lanes = lanesOf(targets);
  let store = options.store;
  if (store === undefined) {
    const dir = options.data ?? './data/reflektor';
    try {
      const sqlite = new SqliteStore({ dir, durability: options.durability ?? 'fsync' });
      for (const repair of sqlite.repairs) {
        if (repair.startsWith('moved ')) log.info('queue moved into the journal', { detail: repair });
        else log.warning('queue repaired at open', { detail: repair });
      }
      store = sqlite;
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof DirectoryInUseError) {
        throw new ReflektorError(
          'data_dir',
          `--data-dir ${dir} is in use by another reflektor (pid ${error.pid}); stop it, or give this one its own --data-dir (if no reflektor runs, delete ${error.lockFile}).`,
        );
      }
      if (isDriverLoadError(error as NodeJS.ErrnoException)) {
        throw new ReflektorError(
          'store_failed',
          `the SQLite driver (better-sqlite3) is not built for Node.js ${process.version} (${message.split('\n')[0]}); run "npm rebuild better-sqlite3", or use a Redis store (--store redis://…).`,
        );
      }
      throw new ReflektorError(
        'data_dir',
        `--data-dir ${dir}: cannot open the queue there (${message}); choose a writable directory.`,
      );
    }
  }
  try {
    await store.open(lanes);
  } catch (error) {
    await store.close().catch(() => {});
    throw new ReflektorError(
      'store_failed',
      `--store: cannot open the ${store.kind} queue (${(error as Error).message}); check that it is reachable.`,
    );
  }
  const metrics = new Metrics();
  const delivery = new Delivery({
    targets,
    store,
    metrics,
    log: logOf('delivery'),
    concurrency: options.concurrency ?? 64,
    window: 50_000,
    retry: {
      baseMs: options.retryBaseMs ?? 100,
      maxMs: options.retryMaxMs ?? 10_000,
      maxAttempts: options.maxAttempts ?? 0,
      maxAgeMs: options.maxAgeMs ?? 24 * 3600_000,
    },
    timeoutMs: options.timeoutMs ?? 10_000,
    connections: options.connections ?? 16,
    signSecret: options.signSecret ?? null,
  });
  let ready = false;
  const status =
    options.statusRecording === false
      ? undefined
      : new ReflektorStatus({ metrics, delivery, store, token: options.statusToken ?? null });
  const ingest = new Ingest({
    store,
    delivery,
    router: new Router(targets),
    metrics,
    log: logOf('ingest'),
    maxBody: options.maxBody ?? 1024 * 1024,
    maxQueueEntries: options.maxQueue ?? 1_000_000,
    maxQueueBytes: options.maxQueueBytes ?? 0,
    retryAfterSeconds: 5,
    token: options.token ?? null,
    ...(status ? { statusIngest: status.ingest } : {}),
  });
  const admin = new Admin({
    store,
    delivery,
    metrics,
    log: logOf('admin'),
    isReady: () => ready,
    status,
    token: options.adminToken ?? null,
  });
  let port: number;
  let adminPort: number;
  try {
    adminPort = await listen(
      admin.server,
      options.adminPort ?? 3003,
      options.adminHost ?? '127.0.0.1',
      '--admin-port',
    );
    port = await listen(ingest.server, options.port ?? 3002, options.host ?? '127.0.0.1', '--port');
  } catch (error) {
    admin.server.close();
    await store.close();
    throw error;
  }
  delivery.start();
  status?.start();
  const compactTimer = setInterval(() => {
    store.compact().catch((error: Error) => {
      if (closing === null) log.error('compaction failed', { error: error.message });
    });
  }, options.compactIntervalMs ?? 1000);
  compactTimer.unref();
  ready = true;
  log.info('reflektor started', {
    port,
    adminPort,
    store: store.kind,
    lanes: lanes.map((l) => l.id),
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ready = false;
      status?.stop();
      clearInterval(compactTimer);
      await ingest.stop();
      const left = await delivery.drain(options.shutdownTimeoutMs ?? 10_000);
      if (left > 0) log.warning('shutdown timeout: requests still in flight stay queued', { inFlight: left });
      await store.close();
      const adminClosed = new Promise<void>((resolve) => admin.server.close(() => resolve()));
      admin.server.closeAllConnections();
      await adminClosed;
      log.info('reflektor stopped');
    })();
    return closing;
  };
  return { port, adminPort, store, close };
}
