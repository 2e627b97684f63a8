import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { rawExchange } from './raw-http.js';
import { startTestStack, type TestStack } from './test-stack.js';

// The whole app behind its origin, as a browser on the network meets it.
describe('the front door of a running stack', () => {
  let stack: TestStack;
  let port = 0;
  before(async () => {
    stack = await startTestStack();
    port = Number(new URL(stack.url).port);
    const created = await fetch(`${stack.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.url },
      body: JSON.stringify({ name: 'physics' }),
    });
    assert.equal(created.status, 201);
  });
  after(async () => {
    await stack?.dispose();
  });

  it("passes the api's 413 for a body over the limit through the origin, every time", async () => {
    const body = Buffer.alloc(3_000_000, 'a');
    for (const path of ['/api/rooms/physics/messages', '/webhooks/stripe']) {
      for (let i = 0; i < 8; i++) {
        const response = await fetch(`${stack.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: stack.url },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        assert.equal(response.status, 413, `${path}, attempt ${i}`);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'body_too_large');
      }
    }
  });

  it("keeps the api's metrics private however the path is spelled", async () => {
    for (const path of ['/metrics', '/%6detrics', '/metric%73', '//metrics', '/./metrics']) {
      const answer = await rawExchange(
        port,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(answer.status, 404, path);
      assert.doesNotMatch(answer.body, /process_cpu/, path);
    }
    const absolute = await rawExchange(
      port,
      'GET http://x/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    assert.equal(absolute.status, 421);
  });

  it("puts no secret on any service's command line", () => {
    for (const service of Object.values(stack.services)) {
      const pid = service.pid;
      assert.ok(pid !== undefined);
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      assert.ok(
        !commandLine.some((arg) => /^--(token|secret|sign-secret|reflektor-token)=/.test(arg)),
        `${commandLine.join(' ')}`,
      );
    }
  });
});
