import { EkgError } from './errors.js';

/**
 * The event envelope every service agrees on (DESIGN.md). `seq` is per room, strictly increasing,
 * assigned by the api; ekg never invents or renumbers one.
 */
export interface EventEnvelope {
  room: string;
  seq: number;
  type: string;
  at: string;
  data: unknown;
}

/** Room names: 1–64 characters of letters, digits, `-`, `_` and `.`, starting with a letter or digit. */
export const ROOM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Event types go on an SSE `event:` line, so they must be short and single-line. */
const EVENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** Whether `room` is a valid room name (see {@link ROOM_NAME}). */
export function isRoomName(room: string): boolean {
  return ROOM_NAME.test(room);
}

function invalid(field: string, message: string): EkgError {
  return new EkgError('invalid_envelope', 400, `${field} ${message}`);
}

function checkEnvelope(value: unknown, where: string): EventEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(where, 'must be a JSON object with room, seq, type, at and data');
  }
  const candidate = value as Record<string, unknown>;
  const { room, seq, type, at } = candidate;
  if (typeof room !== 'string' || !ROOM_NAME.test(room)) {
    throw invalid(
      `${where}.room`,
      'must be 1-64 letters, digits, "-", "_" or "." starting with a letter or digit',
    );
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    throw invalid(`${where}.seq`, 'must be a positive integer');
  }
  if (typeof type !== 'string' || !EVENT_TYPE.test(type)) {
    throw invalid(`${where}.type`, 'must be a 1-64 character event type such as "message.created"');
  }
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) {
    throw invalid(`${where}.at`, 'must be an ISO 8601 timestamp string');
  }
  if (!('data' in candidate) || candidate.data === undefined) {
    throw invalid(`${where}.data`, 'is required (send {} when the event carries nothing)');
  }
  return candidate as unknown as EventEnvelope;
}

/**
 * Validates a parsed publish body: one envelope or a non-empty array of them.
 * Returns the envelopes in body order. Throws an {@link EkgError} (400, `invalid_envelope`) naming
 * the first bad field, e.g. `envelope[2].seq must be a positive integer`.
 */
export function parseEnvelopes(body: unknown): EventEnvelope[] {
  if (Array.isArray(body)) {
    if (body.length === 0) throw invalid('body', 'must hold at least one envelope');
    return body.map((item, index) => checkEnvelope(item, `envelope[${index}]`));
  }
  return [checkEnvelope(body, 'envelope')];
}
