import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { StoredRecord } from '../src/record.js';
import {
  decodeFrame,
  FRAME_HEADER_BYTES,
  FrameEncoder,
  payloadIntact,
  readFrameHeader,
} from '../src/store/journal/frame.js';

// Any string a library caller may hand over, and the kinds HTTP parsers produce.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '[', '\n', 'grüße ✓', '😀'),
);

const recordArb = fc.record({
  id: text,
  target: text,
  onlyLane: fc.option(text, { nil: null }),
  method: text,
  url: text,
  headers: fc.array(text, { maxLength: 8 }).map((list) => (list.length % 2 === 0 ? list : list.slice(1))),
  body: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  orderingKey: fc.option(text, { nil: null }),
  acceptedAt: fc.integer({ min: 0, max: 2 ** 48 }),
});

describe('journal frames', () => {
  it('decode to exactly the records encoded, whatever their strings, headers and bodies', () => {
    const encoder = new FrameEncoder();
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (list, firstSeq) => {
          const records: StoredRecord[] = list.map((r, i) => ({
            ...r,
            seq: firstSeq + i,
            ref: String(firstSeq + i),
          }));
          const frame = Buffer.from(encoder.encode(records));
          const header = readFrameHeader(frame, 0);
          assert.ok(header);
          const payload = frame.subarray(FRAME_HEADER_BYTES);
          assert.ok(payloadIntact(header, payload));
          const decoded = decodeFrame(header, payload);
          assert.deepEqual(
            decoded.map((r) => ({ ...r, body: [...r.body] })),
            records.map((r) => ({ ...r, body: [...r.body] })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a changed byte anywhere in the payload fails the CRC', () => {
    const encoder = new FrameEncoder();
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (list, where, flip) => {
          const records: StoredRecord[] = list.map((r, i) => ({ ...r, seq: 1 + i, ref: String(1 + i) }));
          const frame = Buffer.from(encoder.encode(records));
          const header = readFrameHeader(frame, 0)!;
          const payload = frame.subarray(FRAME_HEADER_BYTES);
          payload[where % payload.length] ^= flip;
          assert.equal(payloadIntact(header, payload), false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
