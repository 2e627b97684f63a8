import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  port: number;
  adminPort: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts the reflektor CLI as a child process and resolves once it has logged its ports. */
export function startCli(args: string[], timeoutMs = 15_000): Promise<RunningCli> {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--admin-port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LOG_FORMAT: 'text', LOG_LEVEL: 'info' },
  });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reflektor did not start:\n${err}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const match = /reflektor started port=(\d+) adminPort=(\d+)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), adminPort: Number(match[2]), stderr: () => err, exited });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`reflektor exited with ${code} before starting:\n${err}`));
    });
  });
}

/** Runs the CLI to completion; returns its exit code and output. */
export function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
