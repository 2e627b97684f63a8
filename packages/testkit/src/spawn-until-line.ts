import { type ChildProcess, spawn } from 'node:child_process';

export interface SpawnUntilLineOptions {
  /** A line of stdout or stderr matching this means "up". */
  line: RegExp;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Default 15 000 ms. */
  timeoutMs?: number;
  /** Open an IPC channel (as a supervisor does). */
  ipc?: boolean;
}

export interface SpawnedProcess {
  child: ChildProcess;
  /** The line that matched, and its groups. */
  match: RegExpExecArray;
  /** Everything it has printed so far (stdout and stderr, interleaved). */
  output(): string;
  /** Resolves with its exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 000); resolves once it exited. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `command` and resolves once it prints a line matching `options.line`; rejects with
 * its output if it exits first or says nothing matching within the timeout (and kills it).
 */
export function spawnUntilLine(
  command: string,
  args: readonly string[],
  options: SpawnUntilLineOptions,
): Promise<SpawnedProcess> {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const stop = async (graceMs = 5_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    let pending = '';
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(
        new Error(
          `no line matching ${options.line} within ${options.timeoutMs ?? 15_000} ms; output:\n${output}`,
        ),
      );
    }, options.timeoutMs ?? 15_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = options.line.exec(line);
        if (match && !done) {
          done = true;
          clearTimeout(timer);
          resolve({ child, match, output: () => output, exited, stop });
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code, signal }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(
        new Error(`exited (${code ?? signal}) before a line matching ${options.line}; output:\n${output}`),
      );
    });
  });
}
