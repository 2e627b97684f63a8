// The scale-out set-up of deploy/: two api hosts on one PostgreSQL, two reflektor instances
// sharing one Redis Streams queue, two ekg hosts, and nginx with deploy/nginx/backchannel.conf
// in front. Every process is real; only the addresses in the nginx file are replaced.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateStandardWebhookSecret } from '@backchannel/replayguard';
import { Redis } from 'ioredis';
import pg from 'pg';
import { WebSocket } from 'ws';
import { freePorts } from '../src/port-check.js';
import { ServiceProcess } from '../src/service-process.js';
import { type NginxFront, startNginx } from './nginx-front.js';
import { SseReader } from './test-stack.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const cliOf = (pkg: string) => join(repo, 'packages', pkg, 'dist', 'src', 'cli.js');

describe('scale-out behind nginx (deploy/)', () => {
  const work = mkdtempSync(join(tmpdir(), 'backchannel-scale-'));
  const schema = `scale_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const prefix = `scale-${randomUUID()}`;
  const secret = generateStandardWebhookSecret();
  const token = randomBytes(18).toString('base64url');
  const env = { ...process.env, LOG_LEVEL: 'error' };
  const services: ServiceProcess[] = [];
  let ekgs: ServiceProcess[] = [];
  let nginx: NginxFront | undefined;
  let base = '';

  before(async () => {
    const [web, api1, api2, r1, r1Admin, r2, r2Admin, e1, e2] = await freePorts(9);
    ekgs = [e1, e2].map(
      (port, i) =>
        new ServiceProcess({
          name: `ekg-${i + 1}`,
          script: cliOf('ekg'),
          args: [`--port=${port}`, `--webhook-secret=${secret}`, '--trust-proxy'],
          env,
          readyUrl: `http://127.0.0.1:${port}/ready`,
        }),
    );
    const reflektors = [
      [r1, r1Admin],
      [r2, r2Admin],
    ].map(
      ([port, admin], i) =>
        new ServiceProcess({
          name: `reflektor-${i + 1}`,
          script: cliOf('reflektor'),
          args: [
            `--port=${port}`,
            `--admin-port=${admin}`,
            `--data-dir=${join(work, `reflektor-${i + 1}`)}`,
            `--store=${redisUrl}`,
            `--redis-prefix=${prefix}`,
            `--target=http://127.0.0.1:${e1}`,
            `--target=http://127.0.0.1:${e2}`,
            '--mode=broadcast',
            `--token=${token}`,
            `--webhook-secret=${secret}`,
          ],
          env,
          readyUrl: `http://127.0.0.1:${admin}/ready`,
        }),
    );
    base = `http://127.0.0.1:${web}`;
    const apis = [api1, api2].map(
      (port, i) =>
        new ServiceProcess({
          name: `api-${i + 1}`,
          script: cliOf('api'),
          args: [
            `--port=${port}`,
            `--data-dir=${join(work, `api-${i + 1}`)}`,
            `--database-url=${databaseUrl}`,
            `--database-schema=${schema}`,
            `--redis-url=${redisUrl}`,
            `--reflektor-url=http://127.0.0.1:${r1},http://127.0.0.1:${r2}`,
            `--reflektor-token=${token}`,
            `--public-url=${base}`,
          ],
          env,
          readyUrl: `http://127.0.0.1:${port}/ready`,
        }),
    );
    // One after another: the first api host runs the migrations, the second finds them done.
    for (const service of [...ekgs, ...reflektors, ...apis]) {
      services.push(service);
      await service.start();
    }

    nginx = await startNginx(join(work, 'nginx'), web, [api1, api2], [e1, e2]);
  });

  after(async () => {
    await nginx?.stop();
    for (const service of services.reverse()) await service.stop();
    rmSync(work, { recursive: true, force: true });
    // Leave the shared PostgreSQL and Redis as they were.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** Participant cookies of a few browsers, taken in turn by `post` (as an audience would post). */
  const people: string[] = [];
  let turn = 0;
  async function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
    const room = /^\/api\/rooms\/([^/]+)/.exec(path)?.[1];
    while (people.length < 4 && room !== undefined) {
      const page = await fetch(`${base}/api/rooms/${room}`);
      const cookie = page.headers.getSetCookie()[0];
      if (cookie === undefined) break;
      people.push(cookie.split(';')[0]!);
    }
    const cookie: Record<string, string> =
      people.length > 0 ? { cookie: people[turn++ % people.length]! } : {};
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base, ...cookie },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  function createdTexts(reader: SseReader): string[] {
    return reader.events
      .filter((e) => e.event === 'message.created')
      .map((e) => (JSON.parse(e.data) as { data: { text: string } }).data.text);
  }

  it('every subscriber on every ekg host gets every message once, in order', async () => {
    const created = await post('/api/rooms', { name: 'keynote' });
    assert.equal(created.status, 201, created.text);

    const direct = ekgs.map(
      (ekg) => new SseReader(ekg.spec.readyUrl.replace('/ready', '/rooms/keynote/events')),
    );
    const throughNginx = new SseReader(`${base}/rooms/keynote/events`);
    const socket = new WebSocket(`${base.replace('http', 'ws')}/rooms/keynote/ws`);
    // Listened for at once: the socket may open before the SSE readers do.
    const socketOpen = new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const wsTexts: string[] = [];
    socket.on('message', (data) => {
      const envelope = JSON.parse(String(data)) as { type: string; data: { text: string } };
      if (envelope.type === 'message.created') wsTexts.push(envelope.data.text);
    });
    await Promise.all([...direct.map((r) => r.opened), throughNginx.opened, socketOpen]);

    const texts = Array.from({ length: 12 }, (_, i) => `question ${i + 1}`);
    for (const text of texts) {
      const r = await post('/api/rooms/keynote/messages', { author: 'audience', text });
      assert.equal(r.status, 201, r.text);
    }
    for (const reader of [...direct, throughNginx]) {
      await reader.waitFor((e) => e.data.includes('"question 12"'));
      assert.deepEqual(createdTexts(reader), texts);
      const ids = reader.events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'seq order',
      );
    }
    const deadline = Date.now() + 10_000;
    while (wsTexts.length < texts.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(wsTexts, texts);

    // One ekg host goes away: the other keeps getting every event.
    for (const reader of direct) reader.close();
    throughNginx.close();
    socket.close();
    await ekgs[1]!.kill();
    const survivor = new SseReader(ekgs[0]!.spec.readyUrl.replace('/ready', '/rooms/keynote/events'));
    await survivor.opened;
    assert.equal(
      (await post('/api/rooms/keynote/messages', { author: 'audience', text: 'after' })).status,
      201,
    );
    await survivor.waitFor((e) => e.data.includes('"after"'));
    survivor.close();

    // The metrics stay with the operator.
    assert.equal((await fetch(`${base}/metrics`)).status, 404);
  });
});
