import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventSource } from 'undici';
import { WebSocket } from 'ws';
import {
  type ConnectionStatus,
  connect,
  type EventSourceLike,
  type Gap,
  type WebSocketLike,
} from '../src/client/index.js';
import { envelope, publish, spawnEkg, waitUntil } from './harness.js';

const ROOM = 'restart';
const TOTAL = 150;
const RESTART_AT = 50;

interface Client {
  transport: 'sse' | 'websocket';
  seqs: number[];
  gaps: Gap[];
  statuses: ConnectionStatus[];
  close(): void;
}

function openClient(port: number, transport: 'sse' | 'websocket'): Client {
  const client: Client = { transport, seqs: [], gaps: [], statuses: [], close: () => {} };
  const connection = connect(`http://127.0.0.1:${port}`, ROOM, {
    lastSeq: 0,
    transport,
    minDelay: 50,
    maxDelay: 400,
    EventSource: EventSource as unknown as new (url: string) => EventSourceLike,
    WebSocket: WebSocket as unknown as new (url: string) => WebSocketLike,
    onEvent: (event) => client.seqs.push(event.seq),
    onGap: (gap) => client.gaps.push(gap),
    onStatus: (status) => client.statuses.push(status),
  });
  client.close = () => connection.close();
  return client;
}

/** Publishes one event, retrying (refused connection, 503) until an instance accepts it. */
async function publishUntilAccepted(base: string, seq: number): Promise<number> {
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const answer = await publish(base, envelope(ROOM, seq));
      if (answer.status === 200) return attempts;
    } catch {
      // the old instance is gone and the new one not yet listening
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('SIGTERM restart under steady publishing: every client ends with every event once, in order', async () => {
  const args = ['--token', 'test-token', '--host', '127.0.0.1', '--shutdown-spread', '400'];
  const first = await spawnEkg([...args, '--port', '0']);
  const port = first.port;
  const base = `http://127.0.0.1:${port}`;
  const clients = [
    openClient(port, 'sse'),
    openClient(port, 'sse'),
    openClient(port, 'sse'),
    openClient(port, 'websocket'),
    openClient(port, 'websocket'),
    openClient(port, 'websocket'),
  ];
  await waitUntil(() => clients.every((c) => c.statuses.includes('live')), 'all clients live');

  let second: Awaited<ReturnType<typeof spawnEkg>> | undefined;
  let retried = 0;
  try {
    for (let seq = 1; seq <= TOTAL; seq++) {
      if (seq === RESTART_AT) {
        first.child.kill('SIGTERM');
        const exit = await first.exited;
        assert.deepEqual(exit, { code: 0, signal: null }, first.stderr);
        second = await spawnEkg([...args, '--port', String(port)]);
      }
      retried += (await publishUntilAccepted(base, seq)) - 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(
      () => clients.every((c) => c.seqs.length >= TOTAL),
      'every client to have every event',
      20000,
    );
    const expected = Array.from({ length: TOTAL }, (_, i) => i + 1);
    for (const client of clients) {
      assert.deepEqual(client.seqs, expected, `${client.transport} client`);
      assert.deepEqual(client.gaps, [], `${client.transport} client gaps`);
      assert.ok(client.statuses.includes('reconnecting'), `${client.transport} client reconnected`);
      assert.equal(client.statuses.at(-1), 'live');
    }
    assert.match(first.stderr, /shutting down: 6 clients told to reconnect/);
    assert.ok(retried >= 0);
  } finally {
    for (const client of clients) client.close();
    second?.child.kill('SIGTERM');
    if (second !== undefined) assert.equal((await second.exited).code, 0);
  }
});
