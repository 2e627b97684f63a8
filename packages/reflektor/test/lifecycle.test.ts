import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { ReflektorError } from '../src/errors.js';
import { parseCli, reflektorFlags } from '../src/options.js';
import { runCli, startCli } from './process.js';
import { Upstream, waitFor } from './upstream.js';

describe('reflektor process', () => {
  let dir: string;
  let upstream: Upstream;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reflektor-life-'));
    upstream = await new Upstream().start();
  });

  after(async () => {
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged request to SIGKILL under load, and resumes after restart', async () => {
    const data = join(dir, 'kill');
    const args = ['--data-dir', data, '--target', upstream.url, '--token', 't'];
    const first = await startCli(args);
    const agent = new Agent({ connections: 32 });
    const acked: string[] = [];
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop && i < 5000; i++) {
        try {
          const res = await request(`http://127.0.0.1:${first.port}/publish`, {
            method: 'POST',
            headers: { authorization: 'Bearer t', 'reflektor-ordering-key': `room-${w % 4}` },
            body: `{"w":${w},"i":${i}}`,
            dispatcher: agent,
          });
          const text = await res.body.text();
          if (res.statusCode === 202) acked.push((JSON.parse(text) as { id: string }).id);
        } catch {
          return; // the process is gone: this request was never acknowledged
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, w) => worker(w));
    await waitFor('some load', () => acked.length >= 300, 20_000);
    first.child.kill('SIGKILL');
    await first.exited;
    stop = true;
    await Promise.all(workers);
    await agent.close();
    const second = await startCli(args);
    try {
      await waitFor(
        `all ${acked.length} acknowledged requests delivered`,
        () => {
          const seen = new Set(upstream.ids());
          return acked.every((id) => seen.has(id));
        },
        30_000,
      );
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
  });

  it('exits 0 on SIGTERM and keeps undelivered requests for the next start', async () => {
    const data = join(dir, 'term');
    const down = await new Upstream().start();
    const downUrl = down.url;
    await down.stop();
    const run = await startCli(['--data-dir', data, '--target', downUrl, '--retry-max', '200ms']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(`http://127.0.0.1:${run.port}/x`, { method: 'POST', body: `t${i}` });
      ids.push(((await res.body.json()) as { id: string }).id);
    }
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
    await down.start();
    const again = await startCli(['--data-dir', data, '--target', downUrl]);
    try {
      await waitFor('delivery after restart', () => ids.every((id) => down.ids().includes(id)));
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
      await down.stop();
    }
  });

  it('--help lists every flag with its env variable', async () => {
    const { code, stdout } = await runCli(['--help']);
    assert.equal(code, 0);
    for (const [name, spec] of Object.entries(reflektorFlags)) {
      assert.ok(stdout.includes(`--${name}`), `--${name} in help`);
      if (spec.env) assert.ok(stdout.includes(spec.env), `${spec.env} in help`);
    }
  });

  it('refuses bad flags with exit 2, naming the flag', async () => {
    const cases: Array<[string[], string]> = [
      [['--target', upstream.url, '--mode', 'sideways'], '--mode'],
      [['--target', upstream.url, '--bogus'], '--bogus'],
    ];
    for (const [args, flag] of cases) {
      const { code, stderr } = await runCli(args);
      assert.equal(code, 2, `${args.join(' ')} → ${stderr}`);
      assert.ok(stderr.includes(flag), `${stderr} names ${flag}`);
    }
    const parsed: Array<[string[], string]> = [
      [['--target', 'not a url'], '--target'],
      [[], '--target'],
      [['--target', upstream.url, '--durability', 'maybe'], '--durability'],
      [['--target', upstream.url, '--max-body', 'lots'], '--max-body'],
      [['--target', upstream.url, '--max-age', '3 weeks'], '--max-age'],
      [['--target', upstream.url, '--port', '70000'], '--port'],
      [['--target', upstream.url, '--webhook-secret', 'plain'], '--webhook-secret'],
      [['--target', upstream.url, '--store', 'mysql://x'], '--store'],
      [['--config', join(dir, 'missing.json')], '--config'],
    ];
    for (const [args, flag] of parsed) {
      assert.throws(
        () => parseCli(args, {}),
        (error: Error) => error instanceof ReflektorError && error.message.includes(flag),
        `${args.join(' ')} names ${flag}`,
      );
    }
  });

  it('reads a routing file given with --config', () => {
    const file = join(dir, 'routes.json');
    writeFileSync(
      file,
      JSON.stringify({
        targets: [
          { name: 'ekg', prefix: '/publish', hosts: ['http://127.0.0.1:3004/'], mode: 'broadcast' },
          {
            name: 'hooks',
            prefix: '/hooks/',
            hosts: ['http://127.0.0.1:8080', 'http://127.0.0.1:8081'],
            mode: 'balance',
          },
        ],
      }),
    );
    const settings = parseCli(['--config', file], {});
    assert.notEqual(settings, 'help');
    if (settings === 'help') return;
    assert.deepEqual(settings.targets, [
      { name: 'ekg', prefix: '/publish', hosts: ['http://127.0.0.1:3004'], mode: 'broadcast' },
      {
        name: 'hooks',
        prefix: '/hooks/',
        hosts: ['http://127.0.0.1:8080', 'http://127.0.0.1:8081'],
        mode: 'balance',
      },
    ]);
    writeFileSync(file, JSON.stringify({ targets: [{ name: 'x', hosts: [], mode: 'broadcast' }] }));
    assert.throws(() => parseCli(['--config', file], {}), /--config .*needs at least one host/);
  });

  it('reads every flag from its env variable', () => {
    const settings = parseCli([], {
      REFLEKTOR_TARGET: `${upstream.url},http://127.0.0.1:1`,
      REFLEKTOR_MAX_QUEUE: '64mb',
      REFLEKTOR_MAX_AGE: '2h',
      REFLEKTOR_DURABILITY: 'os',
    });
    assert.notEqual(settings, 'help');
    if (settings === 'help') return;
    assert.deepEqual(settings.targets[0].hosts, [upstream.url, 'http://127.0.0.1:1']);
    assert.equal(settings.maxQueueBytes, 64 * 1024 * 1024);
    assert.equal(settings.maxQueue, 0);
    assert.equal(settings.maxAgeMs, 2 * 3600_000);
    assert.equal(settings.durability, 'os');
  });

  it('refuses a port in use and an unwritable data dir with exit 1, naming the flag', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const used = await runCli([
        '--target',
        upstream.url,
        '--data-dir',
        join(dir, 'p'),
        '--port',
        String(port),
        '--admin-port',
        '0',
      ]);
      assert.equal(used.code, 1);
      assert.match(used.stderr, new RegExp(`${port}.*--port`));
    } finally {
      blocker.close();
    }
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    chmodSync(file, 0o400);
    const unwritable = await runCli([
      '--target',
      upstream.url,
      '--data-dir',
      join(file, 'sub'),
      '--port',
      '0',
      '--admin-port',
      '0',
    ]);
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /--data-dir/);
  });

  it('refuses a data dir another live reflektor uses, and takes over one a killed process left', async () => {
    const data = join(dir, 'shared');
    const first = await startCli(['--target', upstream.url, '--data-dir', data]);
    try {
      const second = await runCli([
        '--target',
        upstream.url,
        '--data-dir',
        data,
        '--port',
        '0',
        '--admin-port',
        '0',
      ]);
      assert.equal(second.code, 1);
      assert.match(
        second.stderr,
        new RegExp(`--data-dir .* is in use by another reflektor \\(pid ${first.child.pid}\\)`),
      );
      assert.match(second.stderr, /code=data_dir/);
      // The first one was not disturbed: it still accepts.
      const res = await request(`http://127.0.0.1:${first.port}/x`, { method: 'POST', body: 'still here' });
      assert.equal(res.statusCode, 202);
      await res.body.dump();
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    // SIGKILL left the lock file behind with a pid that no longer runs: the next start takes it over.
    assert.equal(readFileSync(join(data, 'reflektor.pid'), 'utf8').trim(), String(first.child.pid));
    const next = await startCli(['--target', upstream.url, '--data-dir', data]);
    next.child.kill('SIGTERM');
    assert.equal(await next.exited, 0);
    // A clean stop removes it.
    assert.equal(existsSync(join(data, 'reflektor.pid')), false);
  });
});
