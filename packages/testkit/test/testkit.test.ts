import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { cpuTime, freePorts, percentile, RecordingUpstream, spawnUntilLine, waitFor } from '../src/index.js';

describe('testkit', () => {
  it('waitFor resolves with the first truthy value, retries throws, and times out naming what', async () => {
    let n = 0;
    assert.equal(await waitFor(() => (++n >= 3 ? n : undefined)), 3);
    let tries = 0;
    assert.equal(
      await waitFor(() => {
        if (++tries < 2) throw new Error('not yet');
        return 'up';
      }),
      'up',
    );
    await assert.rejects(
      waitFor(() => false, { what: 'the moon', timeoutMs: 30 }),
      /timed out after 30 ms waiting for the moon/,
    );
  });

  it('freePorts gives distinct ports that can be listened on', async () => {
    const ports = await freePorts(3);
    assert.equal(new Set(ports).size, 3);
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('spawnUntilLine resolves on the line and reports an early exit with the output', async () => {
    const up = await spawnUntilLine(
      process.execPath,
      ['-e', 'console.log("listening on 42"); setInterval(() => {}, 1000)'],
      {
        line: /listening on (\d+)/,
      },
    );
    assert.equal(up.match[1], '42');
    assert.deepEqual(await up.stop(), { code: null, signal: 'SIGTERM' });
    await assert.rejects(
      spawnUntilLine(process.execPath, ['-e', 'console.error("no config"); process.exit(3)'], {
        line: /ready/,
      }),
      /exited \(3\) before a line matching \/ready\/; output:\nno config/,
    );
  });

  it('RecordingUpstream records requests and answers as told', async () => {
    const upstream = await new RecordingUpstream().start();
    try {
      upstream.respond = (request) => ({ status: request.url === '/slow' ? 503 : 202, body: 'ok' });
      const a = await fetch(`${upstream.url}/publish`, { method: 'POST', body: 'hello' });
      assert.equal(a.status, 202);
      assert.equal((await fetch(`${upstream.url}/slow`)).status, 503);
      assert.equal(upstream.requests[0]?.body, 'hello');
      assert.equal(upstream.requests[0]?.method, 'POST');
    } finally {
      await upstream.close();
    }
  });

  it('percentile by nearest rank, unsorted input; cpuTime counts this process', () => {
    assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
    assert.equal(percentile([5, 1, 3, 2, 4], 100), 5);
    assert.equal(percentile([5, 1, 3, 2, 4], 0), 1);
    assert.ok(Number.isNaN(percentile([], 50)));
    const cpu = cpuTime();
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
    assert.ok(x > 0 && cpu.elapsedMs() > 0);
  });
});
