import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateStandardWebhookSecret } from '@backchannel/replayguard';
import type { StackConfig } from './config.js';
import { type OriginServer, type OriginUpstream, startOrigin } from './origin.js';
import { findPortHolder, isPortTaken, type PortHolder } from './port-check.js';
import { ServiceProcess, type ServiceSpec } from './service-process.js';
import { resolveStatusToken, STATUS_TOKEN_ENV, type StatusToken } from './status-token.js';
import { type ServiceHealth, Supervision } from './supervision.js';

export type ServiceName = 'ekg' | 'reflektor' | 'api';

/** A port that something else already holds; names the holder when it can, and says which flag moves it. */
export class PortInUseError extends Error {
  readonly code = 'ERR_PORT_IN_USE';
  constructor(
    readonly port: number,
    readonly what: string,
    readonly flag: string,
    readonly env: string,
    readonly holder?: PortHolder,
  ) {
    const by = holder ? ` by pid ${holder.pid} (${shorten(holder.command)})` : '';
    super(
      `port ${port} (${what}) is already in use${by}: stop it, or choose another port with --${flag} or ${env}`,
    );
    this.name = 'PortInUseError';
  }
}

function shorten(command: string): string {
  return command.length > 100 ? `${command.slice(0, 97)}...` : command || 'unknown command';
}

export interface Stack {
  readonly config: StackConfig;
  /** The token that opens `/status` from beyond this machine. */
  readonly statusToken: StatusToken;
  /** Each service's state under supervision: running, restarting or crash-looping, and its restarts. */
  health(): Record<ServiceName, ServiceHealth>;
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

/** A service exited without being asked (or failed to start again); the stack restarts it after `restartInMs`. */
export interface ServiceExit {
  name: ServiceName;
  /** `exit code 1`, `signal SIGKILL`, or why a start attempt failed. */
  reason: string;
  restartInMs: number;
  /** Whether it has now exited `crashLoopExits` times within a minute. */
  crashLooping: boolean;
}

export interface StackHooks {
  /** Called each time a service exits without being asked, or a start attempt fails; the stack restarts it. */
  onServiceExit?: (exit: ServiceExit) => void;
  /** Called when a service that exited answers ready again. */
  onServiceBack?: (name: ServiceName, restarts: number) => void;
  /** Called whenever a service's supervision state changes (for the run-state file). */
  onHealthChange?: (health: Record<ServiceName, ServiceHealth>) => void;
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

/** Environment variables that carry a secret to one of the services; each child gets only its own. */
const secretVariables = [
  'EKG_WEBHOOK_SECRET',
  'EKG_SECRET',
  'EKG_TOKEN',
  'REFLEKTOR_TOKEN',
  'REFLEKTOR_WEBHOOK_SECRET',
  'REFLEKTOR_SIGN_SECRET',
] as const;

/**
 * The environment for one child: ours without any secret, plus the child's own secrets.
 * Secrets never go on a command line, where every local user reads them with `ps`.
 */
function childEnv(
  base: NodeJS.ProcessEnv,
  own: Partial<Record<(typeof secretVariables)[number], string>>,
): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const name of secretVariables) delete env[name];
  return { ...env, ...own };
}

/** The three services' command lines and environments for one configuration. */
export function serviceSpecs(
  config: StackConfig,
  secrets: { signSecret: string; token: string; statusToken?: string },
): Record<ServiceName, ServiceSpec> {
  const local = '127.0.0.1';
  const env = { ...process.env, LOG_LEVEL: config.logLevel, LOG_FORMAT: config.logFormat };
  return {
    ekg: {
      name: 'ekg',
      script: cliOf('ekg'),
      // Only the origin reaches ekg (loopback); it appends each browser's address to
      // X-Forwarded-For, and only its header is believed.
      args: [
        ...flags({ port: String(config.ekgPort), host: local }),
        ...flags({ 'trusted-proxy': local }),
        ...flags({ 'trusted-proxy': '::1' }),
      ],
      env: childEnv(env, { EKG_WEBHOOK_SECRET: secrets.signSecret }),
      readyUrl: `http://${local}:${config.ekgPort}/ready`,
    },
    reflektor: {
      name: 'reflektor',
      script: cliOf('reflektor'),
      args: flags({
        port: String(config.reflektorPort),
        'admin-port': String(config.reflektorAdminPort),
        'data-dir': join(config.dataDir, 'reflektor'),
        target: `http://${local}:${config.ekgPort}`,
        mode: 'broadcast',
      }),
      env: childEnv(env, { REFLEKTOR_TOKEN: secrets.token, REFLEKTOR_WEBHOOK_SECRET: secrets.signSecret }),
      readyUrl: `http://${local}:${config.reflektorAdminPort}/ready`,
    },
    api: {
      name: 'api',
      script: cliOf('@backchannel/api'),
      args: flags({
        port: String(config.apiPort),
        'data-dir': join(config.dataDir, 'api'),
        'reflektor-url': `http://${local}:${config.reflektorPort}`,
        'public-url': config.publicUrl,
        // The status page gathers reflektor's and ekg's figures over loopback.
        'status-reflektor-url': `http://${local}:${config.reflektorAdminPort}`,
        'status-ekg-url': `http://${local}:${config.ekgPort}`,
      }),
      // In the environment, not on the command line, where any user's `ps` would show them.
      env: {
        ...childEnv(env, { REFLEKTOR_TOKEN: secrets.token }),
        ...(secrets.statusToken ? { [STATUS_TOKEN_ENV]: secrets.statusToken } : {}),
      },
      readyUrl: `http://${local}:${config.apiPort}/ready`,
    },
  };
}

/**
 * Throws {@link PortInUseError} for the first port of the stack that is taken. When the last run
 * stopped uncleanly its services may still be on their way out (they exit within a second of
 * their supervisor's death): a taken port is then given `graceMs` to come free.
 */
async function checkPorts(config: StackConfig, graceMs: number): Promise<void> {
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
  const deadline = Date.now() + graceMs;
  for (const [port, host, what, flag, env] of wanted) {
    while (await isPortTaken(port, host)) {
      if (Date.now() >= deadline) throw new PortInUseError(port, what, flag, env, findPortHolder(port));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const startOrder: ServiceName[] = ['ekg', 'reflektor', 'api'];
/** Whose requests wait at the origin while a service restarts: the api is reflektor's only client. */
const heldFor: Record<ServiceName, OriginUpstream> = { ekg: 'ekg', reflektor: 'api', api: 'api' };
const stopOrder: ServiceName[] = ['api', 'reflektor', 'ekg'];

export interface StartStackOptions {
  /** How long a taken port may take to come free (a previous run's services on their way out), ms. Default 0. */
  portGraceMs?: number;
}

/**
 * Starts ekg, reflektor and the api as child processes, then the origin. Resolves once
 * every piece answers ready. A service that exits on its own is started again, after a
 * wait that doubles with each exit in a row (capped); one that keeps exiting is reported as
 * crash-looping by {@link Stack.health} but is still retried. Throws {@link PortInUseError}
 * or `ServiceStartError`, after stopping whatever it had started.
 */
export async function startStack(
  config: StackConfig,
  hooks: StackHooks = {},
  options: StartStackOptions = {},
): Promise<Stack> {
  await checkPorts(config, options.portGraceMs ?? 0);
  mkdirSync(join(config.dataDir, 'reflektor'), { recursive: true });
  mkdirSync(join(config.dataDir, 'api'), { recursive: true });
  const statusToken = resolveStatusToken(config.dataDir);
  const specs = serviceSpecs(config, {
    signSecret: generateStandardWebhookSecret(),
    token: randomBytes(24).toString('base64url'),
    statusToken: statusToken.token,
  });
  const services = {
    ekg: new ServiceProcess(specs.ekg),
    reflektor: new ServiceProcess(specs.reflektor),
    api: new ServiceProcess(specs.api),
  };
  let stopping = false;
  const supervision = {
    ekg: new Supervision(),
    reflektor: new Supervision(),
    api: new Supervision(),
  };
  const health = (): Record<ServiceName, ServiceHealth> => ({
    ekg: supervision.ekg.health(),
    reflektor: supervision.reflektor.health(),
    api: supervision.api.health(),
  });
  const healthChanged = () => hooks.onHealthChange?.(health());

  /** Brings an exited service back, retrying with backoff until it answers ready or the stack stops. */
  const bringBack = async (name: ServiceName, reason: string): Promise<void> => {
    const watch = supervision[name];
    if (watch.restarting || stopping) return;
    watch.restarting = true;
    // Requests that arrive meanwhile wait for the new process instead of failing.
    void origin?.hold(heldFor[name]);
    try {
      let why = reason;
      for (;;) {
        const restartInMs = watch.recordExit(why);
        hooks.onServiceExit?.({ name, reason: why, restartInMs, crashLooping: watch.crashLooping });
        healthChanged();
        await new Promise((resolve) => setTimeout(resolve, restartInMs));
        if (stopping) return;
        try {
          await services[name].start();
          break;
        } catch (error) {
          if (stopping) return;
          why = error instanceof Error ? error.message : String(error);
        }
      }
      watch.recordStart();
      hooks.onServiceBack?.(name, watch.restarts);
    } finally {
      watch.restarting = false;
      origin?.release(heldFor[name]);
      healthChanged();
    }
  };

  for (const name of startOrder) {
    services[name].onUnexpectedExit = (code, signal) => {
      // An exit during a restart's start attempt is that attempt's failure, handled by bringBack.
      if (stopping || supervision[name].restarting) return;
      void bringBack(name, signal ? `signal ${signal}` : `exit code ${code}`);
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
      {
        headerTimeoutMs: config.headerTimeoutMs,
        bodyTimeoutMs: config.bodyTimeoutMs,
        idleTimeoutMs: config.idleTimeoutMs,
        maxRequests: config.maxRequests,
        maxRequestsPerAddress: config.maxRequestsPerAddress,
        maxStreams: config.maxStreams,
      },
    );
  } catch (error) {
    await stopAll();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError(
        config.port,
        "the browser's origin",
        'port',
        'PORT',
        findPortHolder(config.port),
      );
    }
    throw error;
  }

  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    config,
    statusToken,
    url: `http://${host}:${origin.port}`,
    services,
    health,
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
