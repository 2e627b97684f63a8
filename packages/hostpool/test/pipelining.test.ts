import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HostPool } from '../src/index.js';

describe('pipelining and coalesced writes', () => {
  let server: Server;
  let base: string;
  /** Most requests seen in flight on one connection. */
  let deepest = 0;
  const sockets = new Set<Socket>();

  before(async () => {
    const inFlight = new Map<Socket, number>();
    server = createServer((req, res) => {
      const n = (inFlight.get(req.socket) ?? 0) + 1;
      inFlight.set(req.socket, n);
      deepest = Math.max(deepest, n);
      sockets.add(req.socket);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // Answer a little later, so that requests pile up on a connection.
        setTimeout(() => {
          inFlight.set(req.socket, (inFlight.get(req.socket) ?? 1) - 1);
          res.end(Buffer.concat(chunks));
        }, 5);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('pipelines retryable POSTs, each body arriving intact and in order per caller', async () => {
    deepest = 0;
    sockets.clear();
    const pool = new HostPool({ hosts: [base], connections: 2, pipelining: 8, coalesceWrites: true });
    try {
      const bodies = Array.from({ length: 64 }, (_, i) => `body-${i}`);
      const responses = await Promise.all(
        bodies.map((body) => pool.request({ method: 'POST', path: '/', body, retryable: true })),
      );
      assert.deepEqual(
        responses.map((r) => r.body.toString()),
        bodies,
      );
      assert.ok(deepest > 1, `expected pipelined requests, saw at most ${deepest} per connection`);
      assert.ok(sockets.size <= 2);
    } finally {
      await pool.close();
    }
  });

  it('does not pipeline a POST that may not be repeated', async () => {
    deepest = 0;
    const pool = new HostPool({ hosts: [base], connections: 2, pipelining: 8, coalesceWrites: true });
    try {
      await Promise.all(
        Array.from({ length: 16 }, () => pool.request({ method: 'POST', path: '/', body: 'x' })),
      );
      assert.equal(deepest, 1);
    } finally {
      await pool.close();
    }
  });

  it('rejects a coalesceWrites that is not a boolean', () => {
    assert.throws(
      () => new HostPool({ hosts: [base], coalesceWrites: 'yes' as unknown as boolean }),
      (error: Error & { option?: string }) => error.option === 'coalesceWrites',
    );
  });
});
