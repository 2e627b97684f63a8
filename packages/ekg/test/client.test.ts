import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { EventSource } from 'undici';
import { WebSocket } from 'ws';
import {
  type ConnectionStatus,
  type ConnectOptions,
  connect,
  type EventSourceLike,
  type Gap,
  type WebSocketLike,
} from '../src/client/index.js';
import { startEkg } from '../src/index.js';
import { envelope, publish, waitUntil } from './harness.js';

interface Recorder {
  seqs: number[];
  gaps: Gap[];
  statuses: ConnectionStatus[];
  options: ConnectOptions;
}

function recorder(extra: Partial<ConnectOptions> = {}): Recorder {
  const record: Recorder = { seqs: [], gaps: [], statuses: [], options: { onEvent: () => {} } };
  record.options = {
    minDelay: 20,
    maxDelay: 200,
    EventSource: EventSource as unknown as new (url: string) => EventSourceLike,
    WebSocket: WebSocket as unknown as new (url: string) => WebSocketLike,
    onEvent: (event) => record.seqs.push(event.seq),
    onGap: (gap) => record.gaps.push(gap),
    onStatus: (status) => record.statuses.push(status),
    ...extra,
  };
  return record;
}

describe('ekg/client', () => {
  test('drops duplicate seqs and reports a skipped range as a gap, whatever the server sends', async () => {
    const frames = [1, 2, 2, 1, 3, 6, 6, 7]
      .map((seq) => `id: ${seq}\nevent: message.created\ndata: ${JSON.stringify(envelope('dup', seq))}\n\n`)
      .join('');
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      response.write(frames);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const record = recorder();
    const connection = connect(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      'dup',
      record.options,
    );
    try {
      await waitUntil(() => record.seqs.length === 5, 'five distinct events');
      assert.deepEqual(record.seqs, [1, 2, 3, 6, 7]);
      assert.deepEqual(record.gaps, [{ room: 'dup', from: 4, to: 5 }]);
      assert.equal(connection.lastSeq, 7);
    } finally {
      connection.close();
      server.closeAllConnections();
      server.close();
    }
    assert.equal(record.statuses.at(-1), 'closed');
  });

  for (const transport of ['sse', 'websocket'] as const) {
    test(`${transport}: resumes from lastSeq, passes the server's gap on, survives a restart`, async () => {
      let ekg = await startEkg({
        port: 0,
        host: '127.0.0.1',
        tokens: ['test-token'],
        bufferSize: 5,
        shutdownSpreadMs: 100,
      });
      const port = ekg.port;
      const base = `http://127.0.0.1:${port}`;
      const batch = [];
      for (let seq = 1; seq <= 12; seq++) batch.push(envelope('cli', seq));
      await publish(base, batch);
      const record = recorder({ transport, lastSeq: 2 });
      const connection = connect(base, 'cli', record.options);
      try {
        await waitUntil(() => record.seqs.length === 5, 'the buffered events');
        assert.deepEqual(record.gaps, [{ room: 'cli', from: 3, to: 7 }]);
        assert.deepEqual(record.seqs, [8, 9, 10, 11, 12]);
        assert.deepEqual(record.statuses, ['connecting', 'live']);

        await ekg.close();
        ekg = await startEkg({ port, host: '127.0.0.1', tokens: ['test-token'], bufferSize: 5 });
        await waitUntil(() => ekg.roomStats('cli')?.subscribers === 1, 'the client to come back');
        await publish(base, [envelope('cli', 13), envelope('cli', 14)]);
        await waitUntil(() => record.seqs.length === 7, 'the events after the restart');
        assert.deepEqual(record.seqs, [8, 9, 10, 11, 12, 13, 14]);
        assert.equal(record.gaps.length, 1);
        assert.deepEqual(record.statuses, ['connecting', 'live', 'reconnecting', 'live']);
      } finally {
        connection.close();
        await ekg.close();
      }
    });
  }

  test('backs off while ekg is unreachable and goes live once it is back', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const record = recorder({ transport: 'websocket' });
    const connection = connect(`http://127.0.0.1:${port}`, 'later', record.options);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(record.statuses, ['connecting', 'reconnecting']);
      const ekg = await startEkg({ port, host: '127.0.0.1', tokens: ['test-token'] });
      try {
        await waitUntil(() => record.statuses.at(-1) === 'live', 'the connection');
        await waitUntil(() => ekg.roomStats('later')?.subscribers === 1, 'the subscriber');
        await publish(`http://127.0.0.1:${port}`, envelope('later', 1));
        await waitUntil(() => record.seqs.length === 1, 'the event');
      } finally {
        connection.close();
        await ekg.close();
      }
    } finally {
      connection.close();
    }
  });

  test('a JavaScript caller reaches only lastSeq and close(), not the internals', async () => {
    const ekg = await startEkg({ port: 0, host: '127.0.0.1', tokens: ['test-token'] });
    const record = recorder();
    const connection = connect(`http://127.0.0.1:${ekg.port}`, 'sealed', record.options);
    try {
      await waitUntil(() => ekg.roomStats('sealed')?.subscribers === 1, 'the subscriber');
      const seen = connection as unknown as Record<string, unknown>;
      assert.deepEqual(Object.keys(seen), ['lastSeq']);
      assert.deepEqual(Object.getOwnPropertyNames(Object.getPrototypeOf(connection)).sort(), [
        'close',
        'constructor',
      ]);
      // With a reachable open() a second stream would leak, outside close()'s reach.
      for (const name of ['open', 'receive', 'schedule', 'options', 'attempt']) {
        assert.equal(seen[name], undefined, name);
      }
    } finally {
      connection.close();
      await ekg.close();
    }
  });
});
