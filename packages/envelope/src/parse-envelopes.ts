import { EVENT_TYPE, type EventEnvelope, ROOM_NAME } from './envelope.js';

/** A body that is not an envelope (or array of them): `field` names the first bad one. */
export class InvalidEnvelope extends Error {
  override readonly name = 'InvalidEnvelope';

  constructor(
    /** e.g. `envelope[2].seq` */
    readonly field: string,
    /** e.g. `must be a positive integer` */
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

function checkEnvelope(value: unknown, where: string): EventEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEnvelope(where, 'must be a JSON object with room, seq, type, at and data');
  }
  const candidate = value as Record<string, unknown>;
  const { room, seq, type, at } = candidate;
  if (typeof room !== 'string' || !ROOM_NAME.test(room)) {
    throw new InvalidEnvelope(
      `${where}.room`,
      'must be 1-64 letters, digits, "-", "_" or "." starting with a letter or digit',
    );
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    throw new InvalidEnvelope(`${where}.seq`, 'must be a positive integer');
  }
  if (typeof type !== 'string' || !EVENT_TYPE.test(type)) {
    throw new InvalidEnvelope(
      `${where}.type`,
      'must be a 1-64 character event type such as "message.created"',
    );
  }
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) {
    throw new InvalidEnvelope(`${where}.at`, 'must be an ISO 8601 timestamp string');
  }
  if (!('data' in candidate) || candidate.data === undefined) {
    throw new InvalidEnvelope(`${where}.data`, 'is required (send {} when the event carries nothing)');
  }
  return candidate as unknown as EventEnvelope;
}

/**
 * Validates a parsed publish body: one envelope or a non-empty array of them. Returns the
 * envelopes in body order; throws {@link InvalidEnvelope} naming the first bad field, e.g.
 * `envelope[2].seq must be a positive integer`.
 */
export function parseEnvelopes(body: unknown): EventEnvelope[] {
  if (Array.isArray(body)) {
    if (body.length === 0) throw new InvalidEnvelope('body', 'must hold at least one envelope');
    return body.map((item, index) => checkEnvelope(item, `envelope[${index}]`));
  }
  return [checkEnvelope(body, 'envelope')];
}
