/** Stable error codes the api answers with, each with its HTTP status. */
export const errorStatus = {
  invalid_request: 400,
  invalid_type: 400,
  invalid_unicode: 400,
  json_too_deep: 400,
  invalid_json: 400,
  invalid_room_name: 400,
  reserved_room_name: 400,
  invalid_message: 400,
  invalid_idempotency_key: 400,
  owner_token_required: 401,
  owner_token_invalid: 403,
  origin_forbidden: 403,
  participant_muted: 403,
  not_found: 404,
  room_not_found: 404,
  message_not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  room_taken: 409,
  participant_unknown: 409,
  room_paused: 409,
  room_state_conflict: 409,
  room_closed: 410,
  room_expired: 410,
  idempotency_key_reused: 422,
  body_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  rate_limited: 429,
  participant_rate_limited: 429,
  room_rate_limited: 429,
  address_rate_limited: 429,
  cookieless_rate_limited: 429,
  slow_mode: 429,
  internal_error: 500,
  shutting_down: 503,
  web_ui_missing: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** An error a client can act on: it becomes `{"error":{"code","message"}}` with `status`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The request field at fault (`text`, `limit`, `author`), when there is one. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = errorStatus[code];
    this.headers = headers;
    this.field = field;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  return field === undefined ? { error: { code, message } } : { error: { code, message, field } };
}
