import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidEnvelope, isRoomName, parseEnvelopes } from '../src/index.js';

const good = {
  room: 'physics-101',
  seq: 1,
  type: 'message.created',
  at: '2026-12-01T10:00:00.000Z',
  data: {},
};

describe('the event envelope', () => {
  it('takes one envelope or a non-empty array, in body order', () => {
    assert.deepEqual(parseEnvelopes(good), [good]);
    const second = { ...good, seq: 2 };
    assert.deepEqual(parseEnvelopes([good, second]), [good, second]);
  });

  it('names the first bad field', () => {
    const cases: [unknown, string][] = [
      [[], 'body'],
      ['text', 'envelope'],
      [{ ...good, room: 'no spaces allowed' }, 'envelope.room'],
      [[good, { ...good, seq: 0 }], 'envelope[1].seq'],
      [{ ...good, seq: 1.5 }, 'envelope.seq'],
      [{ ...good, type: 'line\nbreak' }, 'envelope.type'],
      [{ ...good, at: 'yesterday' }, 'envelope.at'],
      [{ room: 'r', seq: 1, type: 't', at: good.at }, 'envelope.data'],
    ];
    for (const [body, field] of cases) {
      assert.throws(
        () => parseEnvelopes(body),
        (error: unknown) =>
          error instanceof InvalidEnvelope && error.field === field && error.message.startsWith(field),
        field,
      );
    }
  });

  it('room names: 1-64 of letters, digits, - _ . starting with a letter or digit', () => {
    assert.ok(isRoomName('a'));
    assert.ok(isRoomName('A1_b.c-d'));
    assert.ok(!isRoomName(''));
    assert.ok(!isRoomName('-a'));
    assert.ok(!isRoomName('x'.repeat(65)));
  });
});
