/** Stable error codes reflektor reports to users. */
export type ErrorCode =
  | 'bad_flag'
  | 'bad_target'
  | 'bad_config'
  | 'port_in_use'
  | 'data_dir'
  | 'unauthorized'
  | 'body_too_large'
  | 'queue_full'
  | 'no_route'
  | 'store_failed'
  | 'shutting_down'
  | 'not_found';

/** An error a user can act on: a stable `code`, a message saying what to do, and an HTTP status. */
export class ReflektorError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, status = 500) {
    super(message);
    this.name = 'ReflektorError';
    this.code = code;
    this.status = status;
  }
}
