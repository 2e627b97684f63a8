import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

/** How to run one service as a child process and how to tell it is ready. */
export interface ServiceSpec {
  /** Short name used in logs and errors: `api`, `reflektor`, `ekg`. */
  name: string;
  /** Absolute path of the service's CLI script. */
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** URL that answers 200 once the service takes traffic. */
  readyUrl: string;
}

export class ServiceStartError extends Error {
  readonly code = 'ERR_SERVICE_START';
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceStartError';
  }
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * One service running as a child process of this one. Its stdout and stderr are the
 * parent's, so its logs appear in the same terminal. It also gets an IPC channel: the
 * kernel closes it however this process dies (even by SIGKILL), and the services stop when
 * it closes, so none outlives its supervisor.
 */
export class ServiceProcess {
  #child: ChildProcess | undefined;
  #exit: Promise<number | null> | undefined;
  #stopping = false;
  /** Called when the child exits without having been asked to. */
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;

  constructor(readonly spec: ServiceSpec) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Spawns the child and resolves once its ready URL answers 200; throws {@link ServiceStartError}. */
  async start(timeoutMs = 30_000): Promise<void> {
    this.#stopping = false;
    const child = spawn(process.execPath, [this.spec.script, ...this.spec.args], {
      env: this.spec.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // Nothing is sent over the channel; it exists to close. It must not keep this process alive.
    child.channel?.unref();
    this.#child = child;
    this.#exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.#stopping) this.onUnexpectedExit?.(code, signal);
        resolve(code);
      });
      child.once('error', () => resolve(null));
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new ServiceStartError(
          this.spec.name,
          `${this.spec.name} exited during start (exit code ${child.exitCode ?? child.signalCode}); its messages are above`,
        );
      }
      if (await isReady(this.spec.readyUrl)) return;
      await delay(100);
    }
    await this.stop();
    throw new ServiceStartError(
      this.spec.name,
      `${this.spec.name} was not ready at ${this.spec.readyUrl} within ${timeoutMs} ms`,
    );
  }

  /** Sends SIGTERM, waits up to `graceMs` for a clean exit, then SIGKILL. Resolves with the exit code. */
  async stop(graceMs = 15_000): Promise<number | null> {
    const child = this.#child;
    if (!child || !this.#exit) return null;
    this.#stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await this.#exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the child at once, as a crash or power loss would. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || !this.#exit) return;
    this.#stopping = true;
    child.kill('SIGKILL');
    await this.#exit;
  }
}
