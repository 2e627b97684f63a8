// Child processes for the benches: the peers reflektor is compared with, and the upstream
// hosts it delivers to. Run as `node servers.js <role>`; prints `ready <port> [<port>…]`.
import { fdatasync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';

const role = process.argv[2];

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer({ keepAliveTimeout: 65_000 }, handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

const ACCEPTED = '{"id":"x"}';

/** node:http that reads the body and answers 202: the ceiling for any ingest. */
async function bare(): Promise<number[]> {
  return [
    await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Buffer.concat(chunks);
        res.writeHead(202, { 'content-type': 'application/json', 'content-length': ACCEPTED.length });
        res.end(ACCEPTED);
      });
    }),
  ];
}

/**
 * node:http that appends each body to a file and answers 202 once an fdatasync covering it has
 * returned: bodies arriving while a sync runs are written together and share the next one. No
 * record format, no index, no recovery: the floor any fsync-durable ingest on this disk stands on.
 */
async function rawSync(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'reflektor-raw-'));
  const fd = openSync(join(dir, 'log'), 'a');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  let waiting: Array<[Buffer, ServerResponse]> = [];
  let syncing = false;
  let scheduled = false;
  const answer = (res: ServerResponse) => {
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': ACCEPTED.length });
    res.end(ACCEPTED);
  };
  const flush = (): void => {
    scheduled = false;
    if (syncing || waiting.length === 0) return;
    const group = waiting;
    waiting = [];
    writeSync(fd, Buffer.concat(group.map(([body]) => body)));
    syncing = true;
    fdatasync(fd, () => {
      syncing = false;
      for (const [, res] of group) answer(res);
      flush();
    });
  };
  return [
    await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        waiting.push([Buffer.concat(chunks), res]);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    }),
  ];
}

/** node:http that awaits BullMQ's queue.add on the local Redis: what a Node user would build instead. */
async function bullmq(): Promise<number[]> {
  const queue = new Queue(`reflektor-bench-${process.pid}`, {
    connection: { host: '127.0.0.1', port: 6379 },
    defaultJobOptions: { removeOnComplete: true },
  });
  await queue.waitUntilReady();
  process.on('SIGTERM', () => {
    queue
      .obliterate({ force: true })
      .catch(() => {})
      .finally(() => process.exit(0));
  });
  return [
    await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        queue.add('event', { body: Buffer.concat(chunks).toString() }).then(
          (job) => {
            const body = `{"id":"${job.id}"}`;
            res.writeHead(202, { 'content-type': 'application/json', 'content-length': body.length });
            res.end(body);
          },
          () => {
            res.writeHead(503);
            res.end();
          },
        );
      });
    }),
  ];
}

/**
 * Upstream hosts (one per port) that count deliveries and, when the body carries
 * `{"t": <ms since epoch>}`, the time from the client's send to the delivery.
 * `GET /stats` → {count, p50, p90, p99}; `POST /reset`.
 */
async function upstream(ports: number): Promise<number[]> {
  const counts = new Map<number, number>();
  const latencies: number[] = [];
  const out: number[] = [];
  for (let i = 0; i < ports; i++) {
    const port = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/stats') {
          const sorted = latencies.slice().sort((a, b) => a - b);
          const pick = (q: number): number =>
            sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
          res.end(
            JSON.stringify({
              counts: Object.fromEntries(counts),
              p50: pick(0.5),
              p90: pick(0.9),
              p99: pick(0.99),
            }),
          );
          return;
        }
        if (req.url === '/reset') {
          counts.clear();
          latencies.length = 0;
          res.end();
          return;
        }
        counts.set(port, (counts.get(port) ?? 0) + 1);
        const body = Buffer.concat(chunks);
        if (body[0] === 123 && body.includes('"t"')) {
          const sent = (JSON.parse(body.toString()) as { t?: number }).t;
          if (sent !== undefined) latencies.push(performance.timeOrigin + performance.now() - sent);
        }
        res.end();
      });
    });
    counts.set(port, 0);
    out.push(port);
  }
  return out;
}

const started =
  role === 'bare'
    ? bare()
    : role === 'raw-sync'
      ? rawSync()
      : role === 'bullmq'
        ? bullmq()
        : role === 'upstream'
          ? upstream(Number(process.argv[3] ?? 1))
          : null;
if (started === null) {
  process.stderr.write('usage: servers.js bare|raw-sync|bullmq|upstream [ports]\n');
  process.exit(2);
}
started.then((ports) => process.stdout.write(`ready ${ports.join(' ')}\n`));
process.on('SIGTERM', () => {
  if (role !== 'bullmq') process.exit(0);
});
