import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateStandardWebhookSecret } from '@backchannel/replayguard';
import type { StackConfig } from './config.js';
import { type OriginServer, type OriginUpstream, startOrigin } from './origin.js';
import { isPortTaken } from './port-check.js';
import { ServiceProcess, type ServiceSpec } from './service-process.js';

export type ServiceName = 'ekg' | 'reflektor' | 'api';

/** A port that something else already holds; says which flag moves it. */
export class PortInUseError extends Error {
  readonly code = 'ERR_PORT_IN_USE';
  constructor(
    readonly port: number,
    readonly what: string,
    readonly flag: string,
    readonly env: string,
  ) {
    super(
      `port ${port} (${what}) is already in use: stop whatever holds it, or choose another port with --${flag} or ${env}`,
    );
    this.name = 'PortInUseError';
  }
}

export interface Stack {
  readonly config: StackConfig;
  /** The origin's URL on this machine, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly services: Readonly<Record<ServiceName, ServiceProcess>>;
  /**
   * Restarts one service without a visible error: the origin holds the requests that would
   * reach it (for reflektor: the api's, since the api publishes through it), waits for the
   * ones in flight, stops the service gracefully, starts it, and lets the held ones through.
   */
  restart(name: ServiceName): Promise<void>;
  /** Restarts ekg, reflektor and the api one after another, as {@link restart} does (a deploy). */
  restartAll(progress?: (name: ServiceName) => void): Promise<void>;
  /** Stops the origin, then the api, reflektor and ekg in that order; resolves true when all exited 0. */
  stop(): Promise<boolean>;
}

export interface StackHooks {
  /** Called when a service exits without being asked; the stack restarts it. */
  onServiceExit?: (name: ServiceName, code: number | null, signal: NodeJS.Signals | null) => void;
  /** Called when a service could not be brought back. */
  onServiceLost?: (name: ServiceName, error: Error) => void;
}

function cliOf(packageName: string): string {
  const manifestPath = fileURLToPath(import.meta.resolve(`${packageName}/package.json`));
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: Record<string, string> };
  const bin = Object.values(manifest.bin)[0];
  if (!bin) throw new Error(`${packageName} declares no bin`);
  return join(dirname(manifestPath), bin);
}

/**
 * Flags as `--name=value`, so a value that starts with a dash (a random token can) is
 * never read as another flag.
 */
function flags(values: Record<string, string | true>): string[] {
  return Object.entries(values).map(([name, value]) => (value === true ? `--${name}` : `--${name}=${value}`));
}

/** The three services' command lines for one configuration. */
export function serviceSpecs(
  config: StackConfig,
  secrets: { signSecret: string; token: string },
): Record<ServiceName, ServiceSpec> {
  const local = '127.0.0.1';
  const env = { ...process.env, LOG_LEVEL: config.logLevel, LOG_FORMAT: config.logFormat };
  return {
    ekg: {
      name: 'ekg',
      script: cliOf('ekg'),
      // Browsers reach ekg through the origin, which appends their address to X-Forwarded-For.
      args: flags({ port: String(config.ekgPort), secret: secrets.signSecret, 'trust-proxy': true }),
      env,
      readyUrl: `http://${local}:${config.ekgPort}/ready`,
    },
    reflektor: {
      name: 'reflektor',
      script: cliOf('reflektor'),
      args: flags({
        port: String(config.reflektorPort),
        'admin-port': String(config.reflektorAdminPort),
        data: join(config.dataDir, 'reflektor'),
        target: `http://${local}:${config.ekgPort}`,
        mode: 'broadcast',
        token: secrets.token,
        'sign-secret': secrets.signSecret,
      }),
      env,
      readyUrl: `http://${local}:${config.reflektorAdminPort}/ready`,
    },
    api: {
      name: 'api',
      script: cliOf('@backchannel/api'),
      args: flags({
        port: String(config.apiPort),
        data: join(config.dataDir, 'api'),
        'reflektor-url': `http://${local}:${config.reflektorPort}`,
        'reflektor-token': secrets.token,
        'public-url': config.publicUrl,
      }),
      env,
      readyUrl: `http://${local}:${config.apiPort}/ready`,
    },
  };
}

async function checkPorts(config: StackConfig): Promise<void> {
  const wanted: [number, string, string, string, string][] = [
    [config.port, config.host, "the browser's origin", 'port', 'PORT'],
    [config.apiPort, '127.0.0.1', 'api', 'api-port', 'BACKCHANNEL_API_PORT'],
    [config.reflektorPort, '127.0.0.1', 'reflektor ingest', 'reflektor-port', 'BACKCHANNEL_REFLEKTOR_PORT'],
    [
      config.reflektorAdminPort,
      '127.0.0.1',
      'reflektor admin',
      'reflektor-admin-port',
      'BACKCHANNEL_REFLEKTOR_ADMIN_PORT',
    ],
    [config.ekgPort, '127.0.0.1', 'ekg', 'ekg-port', 'BACKCHANNEL_EKG_PORT'],
  ];
  for (const [port, host, what, flag, env] of wanted) {
    if (await isPortTaken(port, host)) throw new PortInUseError(port, what, flag, env);
  }
}

const startOrder: ServiceName[] = ['ekg', 'reflektor', 'api'];
/** Whose requests wait at the origin while a service restarts: the api is reflektor's only client. */
const heldFor: Record<ServiceName, OriginUpstream> = { ekg: 'ekg', reflektor: 'api', api: 'api' };
const stopOrder: ServiceName[] = ['api', 'reflektor', 'ekg'];
const maxRestartsPerMinute = 5;

/**
 * Starts ekg, reflektor and the api as child processes, then the origin. Resolves once
 * every piece answers ready. A service that exits on its own is started again (at most
 * five times a minute). Throws {@link PortInUseError} or `ServiceStartError`, after
 * stopping whatever it had started.
 */
export async function startStack(config: StackConfig, hooks: StackHooks = {}): Promise<Stack> {
  await checkPorts(config);
  mkdirSync(join(config.dataDir, 'reflektor'), { recursive: true });
  mkdirSync(join(config.dataDir, 'api'), { recursive: true });
  const specs = serviceSpecs(config, {
    signSecret: generateStandardWebhookSecret(),
    token: randomBytes(24).toString('base64url'),
  });
  const services = {
    ekg: new ServiceProcess(specs.ekg),
    reflektor: new ServiceProcess(specs.reflektor),
    api: new ServiceProcess(specs.api),
  };
  let stopping = false;
  const restarts: Record<ServiceName, number[]> = { ekg: [], reflektor: [], api: [] };

  for (const name of startOrder) {
    const service = services[name];
    service.onUnexpectedExit = (code, signal) => {
      if (stopping) return;
      hooks.onServiceExit?.(name, code, signal);
      const now = Date.now();
      restarts[name] = restarts[name].filter((t) => now - t < 60_000);
      if (restarts[name].length >= maxRestartsPerMinute) {
        hooks.onServiceLost?.(
          name,
          new Error(`${name} exited ${maxRestartsPerMinute} times within a minute`),
        );
        return;
      }
      restarts[name].push(now);
      // Requests that arrive meanwhile wait for the new process instead of failing.
      void origin?.hold(heldFor[name]);
      service.start().then(
        () => origin?.release(heldFor[name]),
        (error: Error) => {
          origin?.release(heldFor[name]);
          hooks.onServiceLost?.(name, error);
        },
      );
    };
  }

  let origin: OriginServer | undefined;
  let restarting: Promise<void> = Promise.resolve();
  const restart = (name: ServiceName): Promise<void> => {
    // One restart at a time: two would hold and release the same upstream out of turn.
    const run = restarting.then(async () => {
      if (stopping) return;
      const upstream = heldFor[name];
      await origin?.hold(upstream);
      try {
        await services[name].stop();
        if (!stopping) await services[name].start();
      } finally {
        origin?.release(upstream);
      }
    });
    restarting = run.catch(() => {});
    return run;
  };
  const stopAll = async (): Promise<boolean> => {
    stopping = true;
    await origin?.close();
    let clean = true;
    for (const name of stopOrder) {
      const code = await services[name].stop();
      if (code !== null && code !== 0) clean = false;
    }
    return clean;
  };

  try {
    for (const name of startOrder) await services[name].start();
    origin = await startOrigin(
      { api: `http://127.0.0.1:${config.apiPort}`, ekg: `http://127.0.0.1:${config.ekgPort}` },
      config.port,
      config.host,
    );
  } catch (error) {
    await stopAll();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError(config.port, "the browser's origin", 'port', 'PORT');
    }
    throw error;
  }

  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    config,
    url: `http://${host}:${origin.port}`,
    services,
    restart,
    async restartAll(progress) {
      for (const name of startOrder) {
        progress?.(name);
        await restart(name);
      }
    },
    stop: stopAll,
  };
}
