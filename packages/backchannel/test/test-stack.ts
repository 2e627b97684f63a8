// Starts the whole app (api, reflektor, ekg as real child processes, and the origin)
// on free ports with a fresh data folder, for system and browser tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStackConfig } from '../src/config.js';
import { freePorts } from '../src/port-check.js';
import { type Stack, startStack } from '../src/stack.js';

export interface TestStack extends Stack {
  /** Stops everything and removes the data folder. */
  dispose(): Promise<void>;
}

/** Free ports for every piece of the stack, and the `backchannel start` flags that use them. */
export interface StackPorts {
  port: number;
  api: number;
  reflektor: number;
  admin: number;
  ekg: number;
  flags: string[];
}

export async function freeStackPorts(): Promise<StackPorts> {
  const [port, api, reflektor, admin, ekg] = await freePorts(5);
  const flags = [
    `--port=${port}`,
    `--api-port=${api}`,
    `--reflektor-port=${reflektor}`,
    `--reflektor-admin-port=${admin}`,
    `--ekg-port=${ekg}`,
  ];
  return { port, api, reflektor, admin, ekg, flags };
}

export async function startTestStack(): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'backchannel-test-'));
  const ports = await freeStackPorts();
  const config = readStackConfig(
    [
      ...ports.flags,
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--log-level',
      process.env.LOG_LEVEL ?? 'error',
    ],
    {},
  );
  config.publicUrl = `http://127.0.0.1:${ports.port}`;
  const stack = await startStack(config);
  return Object.assign(stack, {
    async dispose() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/** Reads a Server-Sent Events stream and collects its events until told to stop. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export class SseReader {
  readonly events: SseEvent[] = [];
  readonly #controller = new AbortController();
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.opened = this.#read(url, headers);
  }

  async #read(url: string, headers: Record<string, string>): Promise<void> {
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: this.#controller.signal,
    });
    if (response.status !== 200 || !response.body) throw new Error(`SSE ${url} answered ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            this.#parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  }

  #parse(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.events.push({ id, event, data: data.join('\n') });
  }

  /** Resolves with the first event matching `predicate`, or rejects after `timeoutMs`. */
  async waitFor(predicate: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching event within ${timeoutMs} ms; saw ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): void {
    this.#controller.abort();
  }
}
