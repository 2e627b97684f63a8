import { type Dispatcher, request } from 'undici';
import type { ApiOptions } from '../../src/options.js';
import { type ApiHandle, startApi } from '../../src/server.js';
import { createTestDatabase, type EngineUnderTest, type TestDatabase } from './database.js';
import { ReflektorRecorder } from './reflektor-recorder.js';

/** A limit no test reaches, for suites that are not about limits. */
export const UNLIMITED = { burst: 1_000_000, count: 1_000_000, windowMs: 1000 };

export interface Response<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

/** A running api on an ephemeral port with its own database and a recording reflektor. */
export class ApiFixture {
  readonly reflektor = new ReflektorRecorder();
  api!: ApiHandle;
  database!: TestDatabase;

  constructor(
    readonly engine: EngineUnderTest,
    private readonly overrides: ApiOptions = {},
  ) {}

  async start(): Promise<this> {
    await this.reflektor.start();
    this.database = await createTestDatabase(this.engine);
    this.api = await startApi({
      port: 0,
      dataDir: this.database.dataDir,
      databaseUrl: this.database.databaseUrl,
      databaseSchema: this.database.databaseSchema,
      reflektorUrls: [this.reflektor.url],
      reflektorToken: 'test-token',
      reflektorTimeoutMs: 1000,
      publicUrl: 'http://localhost:3000',
      participantRate: UNLIMITED,
      roomMessageRate: UNLIMITED,
      addressMessageRate: UNLIMITED,
      cookielessRate: UNLIMITED,
      addressNewParticipants: UNLIMITED,
      roomRateLimit: { limit: 100_000, windowMs: 60_000 },
      purgeIntervalMs: 0,
      logLevel: 'error',
      ...this.overrides,
    });
    return this;
  }

  async request<T = unknown>(
    method: Dispatcher.HttpMethod,
    path: string,
    options: { json?: unknown; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Response<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const response = await request(`${this.api.url}${path}`, { method, headers, body });
    const text = await response.body.text();
    let parsed: unknown = text;
    if (String(response.headers['content-type'] ?? '').startsWith('application/json') && text !== '') {
      parsed = JSON.parse(text);
    }
    return { status: response.statusCode, headers: response.headers, body: parsed as T, text };
  }

  /** Creates a room and returns its owner token. */
  async createRoom(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const response = await this.request<{ ownerToken: string }>('POST', '/api/rooms', {
      json: { name, ...extra },
    });
    if (response.status !== 201) throw new Error(`creating ${name}: ${response.status} ${response.text}`);
    return response.body.ownerToken;
  }

  async post(
    room: string,
    author: string,
    text: string,
  ): Promise<Response<{ message: { id: string; seq: number; author: string; text: string; at: string } }>> {
    return this.request('POST', `/api/rooms/${room}/messages`, { json: { author, text } });
  }

  async close(): Promise<void> {
    await this.api?.close();
    await this.reflektor.close();
    await this.database?.drop();
  }
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
