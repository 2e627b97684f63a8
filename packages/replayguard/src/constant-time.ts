import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two ASCII strings (hex or base64 digests, URL secrets) in time that depends only on
 * their lengths. Comparing the encoded text rather than decoded bytes matters: base64 decoders
 * ignore trailing bits, so two different signature strings can decode to the same bytes.
 */
export function constantTimeEqual(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'latin1');
  const b = Buffer.from(expected, 'latin1');
  if (a.length !== b.length) {
    // Still spend a comparison so that a wrong length is not measurably faster.
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}
