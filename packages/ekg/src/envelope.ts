// The envelope as ekg takes it: @backchannel/envelope's type and validation, a bad body
// answered 400 `invalid_envelope` naming the field.
import { type EventEnvelope, InvalidEnvelope, parseEnvelopes as parse } from '@backchannel/envelope';
import { EkgError } from './errors.js';

export type { EventEnvelope } from '@backchannel/envelope';
export { isRoomName, ROOM_NAME } from '@backchannel/envelope';

/**
 * Validates a parsed publish body: one envelope or a non-empty array of them, in body order.
 * Throws an {@link EkgError} (400, `invalid_envelope`) naming the first bad field, e.g.
 * `envelope[2].seq must be a positive integer`.
 */
export function parseEnvelopes(body: unknown): EventEnvelope[] {
  try {
    return parse(body);
  } catch (error) {
    if (error instanceof InvalidEnvelope) throw new EkgError('invalid_envelope', 400, error.message);
    throw error;
  }
}
