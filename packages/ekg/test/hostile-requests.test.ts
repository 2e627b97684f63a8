import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { getLogger, Handler, type LogRecord } from '@backchannel/logging';
import { type EkgServer, startEkg } from '../src/index.js';
import { publish } from './harness.js';

class Records extends Handler {
  readonly records: LogRecord[] = [];
  override emit(record: LogRecord): void {
    this.records.push(record);
  }
}

/** Sends raw bytes and resolves with the first line of what came back ('' when reset or closed). */
function exchange(port: number, bytes: string, { end = false } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.write(bytes);
    if (end) socket.end();
    setTimeout(() => socket.destroy(), 3000).unref();
  });
}

describe('ekg answers hostile requests instead of resetting them', () => {
  let ekg: EkgServer;
  const records = new Records();
  before(async () => {
    ekg = await startEkg({ port: 0, host: '127.0.0.1', tokens: ['test-token'] });
    getLogger('ekg').addHandler(records);
  });
  after(async () => {
    getLogger('ekg').removeHandler(records);
    await ekg.close();
  });

  it('answers 431 to a 64 KB header', async () => {
    const line = await exchange(
      ekg.port,
      `GET /rooms/r/events HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    );
    assert.match(line, /^HTTP\/1\.1 431 /);
  });

  it('answers 400 to bytes that are not HTTP', async () => {
    const line = await exchange(ekg.port, 'HELLO THERE\r\n\r\n');
    assert.match(line, /^HTTP\/1\.1 400 /);
  });

  it('refuses a publish nested deeper than 64 levels with 400 json_too_deep', async () => {
    const answer = await publish(
      `http://127.0.0.1:${ekg.port}`,
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    );
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error?.code, 'json_too_deep');
  });

  it('logs an aborted upload to /publish at WARNING, not ERROR', async () => {
    records.records.length = 0;
    await exchange(
      ekg.port,
      'POST /publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\nContent-Length: 1000\r\n\r\n{"room"',
      { end: true },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(records.records.length > 0, 'the aborted upload is logged');
    assert.ok(
      records.records.every((record) => record.levelname !== 'ERROR'),
      records.records.map((r) => r.levelname).join(),
    );
  });
});
