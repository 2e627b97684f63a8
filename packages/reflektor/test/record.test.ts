import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitHeaders } from '../src/record.js';

const DROPPED = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
  'reflektor-id',
  'reflektor-attempt',
];

describe('splitHeaders', () => {
  it('drops every hop-by-hop and recomputed header, in any case, and keeps the rest in order', () => {
    const raw: string[] = [];
    for (const name of DROPPED) raw.push(name.toUpperCase(), 'x');
    const kept = [
      'x-te',
      'a',
      'tee',
      'b',
      'hosts',
      'c',
      'content-type',
      'd',
      'x-reflektor-id',
      'e',
      'upgraded',
      'f',
    ];
    raw.push(...kept);
    const split = splitHeaders(raw, false);
    assert.deepEqual(split.kept, kept);
    assert.equal(split.contentLength, Number.NaN);
  });

  it('drops the headers Connection names, keeps the ordering key and reads Content-Length', () => {
    const split = splitHeaders(
      [
        'Connection',
        'close, X-Hop',
        'X-Hop',
        '1',
        'Reflektor-Ordering-Key',
        'room-1',
        'Content-Length',
        '12',
        'X-End',
        '2',
      ],
      false,
    );
    assert.deepEqual(split.kept, ['reflektor-ordering-key', 'room-1', 'x-end', '2']);
    assert.equal(split.orderingKey, 'room-1');
    assert.equal(split.contentLength, 12);
  });

  it("drops Authorization only when it carries reflektor's own token", () => {
    assert.deepEqual(splitHeaders(['Authorization', 'Bearer t'], true).kept, []);
    assert.deepEqual(splitHeaders(['Authorization', 'Bearer t'], false).kept, ['authorization', 'Bearer t']);
  });
});
