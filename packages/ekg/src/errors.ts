/**
 * An error a publisher or a browser can act on: a stable `code`, the HTTP `status` it is answered
 * with, and a message that says what to do.
 */
export class EkgError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'EkgError';
    this.code = code;
    this.status = status;
  }
}

/** The JSON body every error response carries: `{"error": {"code": "…", "message": "…"}}`. */
export function errorBody(error: EkgError): string {
  return JSON.stringify({ error: { code: error.code, message: error.message } });
}
