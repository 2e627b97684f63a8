import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { EventEnvelope } from '../src/index.js';

export const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

/** Polls `condition` every 10 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function envelope(room: string, seq: number, data: unknown = { text: `event ${seq}` }): EventEnvelope {
  return { room, seq, type: 'message.created', at: new Date().toISOString(), data };
}

export interface Answer {
  status: number;
  body: { accepted?: number; duplicates?: number; error?: { code: string; message: string } };
}

/** POSTs `body` to `/publish` with the given headers (a bearer token by default). */
export async function publish(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = { authorization: 'Bearer test-token' },
): Promise<Answer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await request(`${baseUrl}/publish`, {
    method: 'POST',
    body: text,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: response.statusCode, body: (await response.body.json()) as Answer['body'] };
}

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** A raw SSE reader over node:http: records every message, comment count and the response. */
export class SseReader {
  readonly messages: SseMessage[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  comments = 0;
  retry: number | undefined;
  ended = false;
  private readonly request: http.ClientRequest;
  private pending = '';

  constructor(url: string, headers: Record<string, string> = {}) {
    this.request = http.get(url, { headers, agent: false }, (response) => {
      this.status = response.statusCode ?? 0;
      this.headers = response.headers;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => this.parse(chunk));
      response.on('end', () => {
        this.ended = true;
      });
      response.on('close', () => {
        this.ended = true;
      });
    });
    this.request.on('error', () => {
      this.ended = true;
    });
  }

  /** Envelopes received, in order. */
  get envelopes(): EventEnvelope[] {
    return this.messages
      .filter((m) => m.event !== 'gap' && m.event !== 'reconnect')
      .map((m) => JSON.parse(m.data));
  }

  get seqs(): number[] {
    return this.envelopes.map((e) => e.seq);
  }

  private parse(chunk: string): void {
    this.pending += chunk;
    let end = this.pending.indexOf('\n\n');
    while (end >= 0) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      const message: SseMessage = { event: 'message', data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        else if (line.startsWith('id: ')) message.id = line.slice(4);
        else if (line.startsWith('event: ')) message.event = line.slice(7);
        else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7));
        else if (line.startsWith('data: ')) {
          message.data = line.slice(6);
          hasData = true;
        }
      }
      if (hasData) this.messages.push(message);
      end = this.pending.indexOf('\n\n');
    }
  }

  close(): void {
    this.request.destroy();
  }
}

export interface EkgProcess {
  port: number;
  child: ChildProcess;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the ekg CLI as a child process and resolves once it logs that it listens. */
export async function spawnEkg(args: string[], env: Record<string, string> = {}): Promise<EkgProcess> {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const result: EkgProcess = {
    port: 0,
    child,
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    result.stderr += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ekg did not start: ${result.stderr}`)), 15000);
    const check = (): void => {
      const match = /listening on port (\d+)/.exec(result.stderr);
      if (match !== null) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        result.port = Number(match[1]);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`ekg exited before listening: ${result.stderr}`));
    });
  });
  return result;
}
