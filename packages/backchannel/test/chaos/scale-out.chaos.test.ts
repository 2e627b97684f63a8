// The promise in the scale-out set-up of deploy/: nginx in front of two api hosts on
// PostgreSQL, two reflektor instances sharing a Redis Streams queue, two ekg hosts. The
// schedule kills one of each (brought back a second later, as systemd would) and restarts
// Redis (its own redis-server on a free port, append-only with fsync always, so nothing
// acknowledged lives only in memory). See chaos-run.ts for what is counted.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateStandardWebhookSecret } from '@backchannel/replayguard';
import pg from 'pg';
import { freePorts } from '../../src/port-check.js';
import { ServiceProcess } from '../../src/service-process.js';
import { type NginxFront, startNginx } from '../nginx-front.js';
import { type ChaosTarget, describeChaos, type FaultOutcome, unlimited } from './chaos-run.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisServer = process.env.REDIS_SERVER_PATH ?? 'redis-server';
const repo = fileURLToPath(new URL('../../../../../', import.meta.url));
const cliOf = (pkg: string) => join(repo, 'packages', pkg, 'dist', 'src', 'cli.js');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A redis-server of this run's own, so the suite can restart it without touching anyone else's. */
class OwnRedis {
  #child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      redisServer,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
      ],
      { stdio: 'ignore' },
    );
    this.#child = child;
    const deadline = Date.now() + 10_000;
    while (!(await this.#answers())) {
      if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s');
      await sleep(50);
    }
  }

  async #answers(): Promise<boolean> {
    const { Socket } = await import('node:net');
    return new Promise((resolve) => {
      const socket = new Socket();
      socket.setTimeout(500, () => finish(false));
      socket.once('error', () => finish(false));
      socket.connect(this.port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (data) => finish(data.toString().startsWith('+PONG')));
      function finish(ok: boolean) {
        socket.destroy();
        resolve(ok);
      }
    });
  }

  /** SIGTERM: redis finishes its append-only file and exits, as a restart would. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

class ScaleOut implements ChaosTarget {
  readonly faults = [
    'kill-api-1',
    'kill-reflektor-1',
    'kill-ekg-1',
    'stop-reflektor-2',
    'restart-redis',
  ] as const;
  readonly problems: string[] = [];
  readonly services = new Map<string, ServiceProcess>();
  redis!: OwnRedis;
  nginx: NginxFront | undefined;
  readonly work = mkdtempSync(join(tmpdir(), 'backchannel-chaos-scale-'));
  readonly schema = `chaos_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

  url(): string {
    if (!this.nginx) throw new Error('not started');
    return this.nginx.url;
  }

  async start(): Promise<void> {
    const [web, api1, api2, r1, r1Admin, r2, r2Admin, e1, e2, redisPort] = await freePorts(10);
    const redisDir = join(this.work, 'redis');
    mkdirSync(redisDir);
    this.redis = new OwnRedis(redisPort as number, redisDir);
    await this.redis.start();
    const secret = generateStandardWebhookSecret();
    const token = randomBytes(18).toString('base64url');
    const env = {
      ...process.env,
      LOG_LEVEL: 'error',
      ...unlimited,
    };
    const base = `http://127.0.0.1:${web}`;
    const add = (name: string, pkg: string, args: string[], readyPort: number) =>
      this.services.set(
        name,
        new ServiceProcess({
          name,
          script: cliOf(pkg),
          args,
          env,
          readyUrl: `http://127.0.0.1:${readyPort}/ready`,
        }),
      );
    for (const [i, port] of [e1, e2].entries()) {
      add(
        `ekg-${i + 1}`,
        'ekg',
        [`--port=${port}`, `--webhook-secret=${secret}`, '--trust-proxy'],
        port as number,
      );
    }
    for (const [i, [port, admin]] of [
      [r1, r1Admin],
      [r2, r2Admin],
    ].entries()) {
      add(
        `reflektor-${i + 1}`,
        'reflektor',
        [
          `--port=${port}`,
          `--admin-port=${admin}`,
          `--data-dir=${join(this.work, `reflektor-${i + 1}`)}`,
          `--store=${this.redis.url}`,
          `--target=http://127.0.0.1:${e1}`,
          `--target=http://127.0.0.1:${e2}`,
          '--mode=broadcast',
          `--token=${token}`,
          `--webhook-secret=${secret}`,
        ],
        admin as number,
      );
    }
    for (const [i, port] of [api1, api2].entries()) {
      add(
        `api-${i + 1}`,
        'api',
        [
          `--port=${port}`,
          `--data-dir=${join(this.work, `api-${i + 1}`)}`,
          `--database-url=${databaseUrl}`,
          `--database-schema=${this.schema}`,
          `--redis-url=${this.redis.url}`,
          `--reflektor-url=http://127.0.0.1:${r1},http://127.0.0.1:${r2}`,
          `--reflektor-token=${token}`,
          `--public-url=${base}`,
        ],
        port as number,
      );
    }
    // One after another: the first api host runs the migrations, the second finds them done.
    for (const service of this.services.values()) await service.start();
    this.nginx = await startNginx(
      join(this.work, 'nginx'),
      web as number,
      [api1, api2] as number[],
      [e1, e2] as number[],
    );
  }

  async inject(fault: string): Promise<FaultOutcome> {
    if (fault.startsWith('kill-')) {
      const name = fault.slice('kill-'.length);
      const service = this.#service(name);
      await service.kill();
      const killedAt = Date.now();
      await sleep(1_000);
      await service.start();
      return { from: killedAt, note: `SIGKILL ${name}; started again after 1 s` };
    }
    if (fault.startsWith('stop-')) {
      const name = fault.slice('stop-'.length);
      const pid = this.#service(name).pid;
      if (pid === undefined) throw new Error(`${name} is not running`);
      process.kill(pid, 'SIGSTOP');
      await sleep(4_000);
      process.kill(pid, 'SIGCONT');
      return { from: Date.now(), note: `SIGSTOP ${name} for 4 s (recovery from SIGCONT)` };
    }
    if (fault === 'restart-redis') {
      const stoppedAt = Date.now();
      await this.redis.stop();
      await sleep(1_000);
      await this.redis.start();
      return { from: stoppedAt, note: 'Redis stopped (SIGTERM) and started again after 1 s' };
    }
    throw new Error(`unknown fault ${fault}`);
  }

  #service(name: string): ServiceProcess {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    return service;
  }

  async stop(): Promise<void> {
    await this.nginx?.stop();
    for (const service of [...this.services.values()].reverse()) await service.stop();
    await this.redis?.stop();
    rmSync(this.work, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists "${this.schema}" cascade`);
    await client.end();
  }
}

describeChaos(
  'chaos, scale-out: every acknowledged message on every open page, through every fault',
  'scale-out',
  'chaos-hall',
  new ScaleOut(),
);
