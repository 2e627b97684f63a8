import { jsonTooDeep } from '@backchannel/replayguard';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, type ErrorCode } from '../errors.js';

/** Longest request target (path and query) accepted, in characters; longer gets 414. */
export const MAX_URL_LENGTH = 8192;
/** Deepest JSON nesting accepted in a request body; deeper gets 400 `json_too_deep`. */
export const MAX_JSON_DEPTH = 64;

// A whole number in a query string is written in digits: no sign, exponent, `Infinity`, or
// more digits than a double holds exactly.
const DIGITS = /^[0-9]{1,15}$/;

/** The first string in `value` holding a lone UTF-16 surrogate, as a field path (`text`, `a.0`). */
function illFormedStringAt(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return /\p{Cs}/u.test(value) ? path : undefined;
  if (typeof value !== 'object' || value === null || depth > MAX_JSON_DEPTH) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = illFormedStringAt(item, path === '' ? key : `${path}.${key}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Checks a JSON body's text before parsing. @throws ApiError `json_too_deep` past {@link MAX_JSON_DEPTH} levels. */
export function checkJsonDepth(text: string): void {
  if (jsonTooDeep(text, MAX_JSON_DEPTH)) {
    throw new ApiError('json_too_deep', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
}

/**
 * Checks a parsed JSON body for a lone surrogate in any string: it would be broadcast as
 * sent but stored as U+FFFD, so what pages showed would differ from the history.
 * @throws ApiError `invalid_unicode` with the field.
 */
export function checkWellFormedUnicode(value: unknown): unknown {
  const field = illFormedStringAt(value, '');
  if (field !== undefined) {
    throw new ApiError(
      'invalid_unicode',
      `${field || 'The body'} contains an unpaired UTF-16 surrogate; send well-formed Unicode text.`,
      {},
      field || undefined,
    );
  }
  return value;
}

interface QuerySchema {
  properties?: Record<string, { type?: unknown }>;
}

/**
 * Reads a route's integer query parameters from digits only, before schema validation: the
 * schema validator no longer coerces types, so `limit=Infinity`, `1e400` or `-1` are refused
 * with 400 `invalid_request` naming the field instead of becoming numbers.
 */
function readQueryIntegers(request: FastifyRequest): void {
  const schema = request.routeOptions.schema?.querystring as QuerySchema | undefined;
  if (schema?.properties === undefined) return;
  const query = request.query as Record<string, unknown>;
  for (const [name, property] of Object.entries(schema.properties)) {
    if (property.type !== 'integer' || query[name] === undefined) continue;
    const raw = query[name];
    if (typeof raw !== 'string' || !DIGITS.test(raw)) {
      throw new ApiError('invalid_request', `${name} must be a whole number written in digits.`, {}, name);
    }
    query[name] = Number(raw);
  }
}

/**
 * Refuses what the api would otherwise bend: over-long URLs (414), bodies that are not JSON
 * (`text/plain` gets 415 instead of being read as a string), query numbers not written in
 * digits. Register before the routes.
 */
export function registerStrictInput(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.url.length > MAX_URL_LENGTH) {
      done(new ApiError('uri_too_long', `The URL is longer than ${MAX_URL_LENGTH} characters.`));
      return;
    }
    done();
  });
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      readQueryIntegers(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}

/** A schema validation failure as the api reports it: a stable code and the field at fault. */
export function validationFailure(error: FastifyError): { code: ErrorCode; message: string; field?: string } {
  const first = error.validation?.[0];
  const missing = (first?.params as { missingProperty?: unknown } | undefined)?.missingProperty;
  const fromPath = (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const field = typeof missing === 'string' ? missing : fromPath || undefined;
  if (first?.keyword === 'type') {
    const wanted = (first.params as { type?: unknown }).type;
    return {
      code: 'invalid_type',
      message: `${field ?? 'The body'} must be of type ${String(wanted)}.`,
      field,
    };
  }
  return { code: 'invalid_request', message: `Invalid request: ${error.message}.`, field };
}
