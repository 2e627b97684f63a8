import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  HTTPHandler,
  LOG_LOCAL0,
  LogQueue,
  MemoryHandler,
  QueueHandler,
  QueueListener,
  SysLogHandler,
} from '../src/handlers.js';
import { DEBUG, ERROR, Formatter, getLogger, INFO, kw, NullHandler, WARNING } from '../src/index.js';
import { ListHandler, uniqueName } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'logging-net-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function logger() {
  const l = getLogger(uniqueName('net'));
  l.setLevel(DEBUG);
  l.propagate = false;
  return l;
}

test('MemoryHandler holds records until capacity or flushLevel, then hands them to the target in order', () => {
  const target = new ListHandler();
  const mh = new MemoryHandler(3, ERROR, target);
  const log = logger();
  log.addHandler(mh);
  log.info('a');
  log.info('b');
  assert.equal(target.records.length, 0);
  log.info('c');
  assert.deepEqual(target.formatted, ['a', 'b', 'c']);
  log.debug('d');
  log.error('e');
  assert.deepEqual(target.formatted, ['a', 'b', 'c', 'd', 'e']);
  log.info('f');
  mh.close();
  assert.deepEqual(target.formatted.at(-1), 'f');
  assert.equal(mh.target, null);
});

test('MemoryHandler with flushOnClose false drops the buffer on close', () => {
  const target = new ListHandler();
  const mh = new MemoryHandler({ capacity: 10, target, flushOnClose: false });
  const log = logger();
  log.addHandler(mh);
  log.info('lost');
  mh.close();
  assert.equal(target.records.length, 0);
});

test('QueueHandler formats in the caller; QueueListener handles on a later turn; stop() drains', async () => {
  const queue = new LogQueue();
  const qh = new QueueHandler(queue);
  qh.setFormatter(new Formatter('%(levelname)s %(message)s'));
  const target = new ListHandler();
  target.setLevel(WARNING);
  const listener = new QueueListener(queue, target, { respect_handler_level: true });
  const log = logger();
  log.addHandler(qh);
  listener.start();
  const err = new Error('queued');
  log.info('user %s', 'ada');
  log.warning('careful', kw({ exc_info: err }));
  assert.equal(target.records.length, 0, 'nothing handled inside the log call');
  await until(() => target.records.length === 1, 'the listener');
  const r = target.records[0];
  assert.match(r.msg as string, /^WARNING careful\nError: queued/);
  assert.equal(r.args, null);
  assert.equal(r.exc_info, null);
  log.warning('last');
  listener.stop();
  assert.equal(target.records.length, 2);
  const all = new ListHandler();
  const q2 = new LogQueue();
  const l2 = new QueueListener(q2, all);
  const log2 = logger();
  log2.addHandler(new QueueHandler(q2));
  log2.debug('not filtered by level');
  l2.start();
  l2.stop();
  assert.equal(all.records.length, 1);
});

test('HTTPHandler GETs the record fields as a query string and POSTs them as a form', async () => {
  const seen: { method: string; url: string; body: string; auth?: string; type?: string }[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        body,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
      });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const log = logger();
    const get = new HTTPHandler(`127.0.0.1:${port}`, '/log');
    log.addHandler(get);
    log.info('hello %s', 'web', kw({ extra: { room: 'r1' } }));
    await get.drain();
    log.removeHandler(get);
    const post = new HTTPHandler({
      host: `127.0.0.1:${port}`,
      url: '/log',
      method: 'POST',
      credentials: ['u', 'p'],
    });
    log.addHandler(post);
    log.warning('posted');
    await post.drain();
    await until(() => seen.length === 2, 'two requests');
    const q = new URL(seen[0].url, 'http://x').searchParams;
    assert.equal(seen[0].method, 'GET');
    assert.equal(q.get('msg'), 'hello %s');
    assert.equal(q.get('levelname'), 'INFO');
    assert.equal(q.get('room'), 'r1');
    assert.equal(q.get('name'), log.name);
    assert.equal(seen[1].method, 'POST');
    assert.equal(seen[1].type, 'application/x-www-form-urlencoded');
    assert.equal(seen[1].auth, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(new URLSearchParams(seen[1].body).get('msg'), 'posted');
  } finally {
    server.close();
  }
});

test('HTTPHandler reports a refused connection through handleError', async () => {
  const log = logger();
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  const h = new HTTPHandler(`127.0.0.1:${port}`, '/');
  const errors: unknown[] = [];
  h.handleError = (_r, e) => {
    errors.push(e);
  };
  log.addHandler(h);
  log.error('nobody listens');
  await h.drain();
  await until(() => errors.length === 1, 'handleError');
  assert.match(String((errors[0] as Error).message), /ECONNREFUSED/);
});

test("SysLogHandler sends Python's '<PRI>message\\0' over UDP", async () => {
  const udp = createSocket('udp4');
  const got: string[] = [];
  udp.on('message', (m) => got.push(m.toString('utf8')));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const { port } = udp.address();
  try {
    const h = new SysLogHandler(['127.0.0.1', port], LOG_LOCAL0);
    h.setFormatter(new Formatter('%(name)s: %(message)s'));
    const log = logger();
    log.addHandler(h);
    log.error('disk %d%% full', 91);
    log.info('fine');
    log.log(25, 'unmapped level');
    await until(() => got.length === 3, 'three datagrams');
    assert.deepEqual(got.sort(), [
      `<131>${log.name}: disk 91% full\0`,
      `<132>${log.name}: unmapped level\0`,
      `<134>${log.name}: fine\0`,
    ]);
    assert.equal(h.encodePriority('local0', 'err'), 131);
    assert.equal(h.mapPriority('CRITICAL'), 'critical');
    h.close();
  } finally {
    udp.close();
  }
});

test('SysLogHandler over a unix stream socket with RFC 5424 octet-counted frames', async () => {
  const path = join(dir, 'syslog.sock');
  let received = '';
  const server = createServer((s) => {
    s.on('data', (d) => {
      received += d.toString('utf8');
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  try {
    const h = new SysLogHandler({ address: path, facility: 'user', rfc5424: true, appName: 'api' });
    const log = logger();
    log.addHandler(h);
    log.warning('first');
    log.info('second line');
    const frames: string[] = [];
    await until(() => {
      frames.length = 0;
      let rest = received;
      while (rest.length > 0) {
        const sp = rest.indexOf(' ');
        const len = Number(rest.slice(0, sp));
        const body = Buffer.from(rest.slice(sp + 1));
        if (body.length < len) break;
        frames.push(body.subarray(0, len).toString());
        rest = body.subarray(len).toString();
      }
      return frames.length === 2;
    }, 'two frames');
    assert.match(
      frames[0],
      new RegExp(`^<12>1 \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\S+ api ${process.pid} - - first$`),
    );
    assert.match(frames[1], /^<14>1 .* - - second line$/);
    h.close();
  } finally {
    server.close();
  }
});

test("SysLogHandler over TCP sends Python's NUL-terminated messages", async () => {
  let received = '';
  const server = createServer((s) => {
    s.on('data', (d) => {
      received += d.toString('utf8');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const h = new SysLogHandler(['127.0.0.1', port], 'daemon', 'tcp');
    h.ident = 'api: ';
    const log = logger();
    log.addHandler(h);
    log.critical('down');
    log.debug('detail');
    await until(() => received.split('\0').length === 3, 'two messages');
    assert.equal(received, '<26>api: down\0<31>api: detail\0');
    h.close();
  } finally {
    server.close();
  }
});

test('NullHandler swallows records, and keeps lastResort away', () => {
  const log = logger();
  log.addHandler(new NullHandler());
  const original = process.stderr.write;
  const written: string[] = [];
  process.stderr.write = ((s: string) => {
    written.push(s);
    return true;
  }) as typeof process.stderr.write;
  try {
    log.critical('silent');
  } finally {
    process.stderr.write = original;
  }
  assert.deepEqual(written, []);
  void INFO;
});
