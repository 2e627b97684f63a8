/**
 * Why a delivery was rejected. Stable: callers may switch on these and send them to clients.
 *
 * - `missing_header`: a required signature/id/timestamp header (or form field) is absent.
 * - `malformed_header`: the header is present but does not follow the provider's format.
 * - `bad_signature`: the header is well-formed but no signature matches any configured secret.
 * - `timestamp_out_of_tolerance`: the signed timestamp is further from now than the tolerance.
 * - `bad_secret`: a URL secret (Mailchimp) is missing or wrong.
 * - `malformed_body`: the body cannot be read the way the provider sends it.
 * - `json_too_deep`: the JSON body nests deeper than the limit (64 by default).
 * - `too_many_fields`: the form body has more fields than the limit (1,000 by default).
 */
export type WebhookVerificationErrorCode =
  | 'missing_header'
  | 'malformed_header'
  | 'bad_signature'
  | 'timestamp_out_of_tolerance'
  | 'bad_secret'
  | 'malformed_body'
  | 'json_too_deep'
  | 'too_many_fields';

const statusByCode: Record<WebhookVerificationErrorCode, number> = {
  missing_header: 400,
  malformed_header: 400,
  bad_signature: 400,
  timestamp_out_of_tolerance: 400,
  bad_secret: 401,
  malformed_body: 400,
  json_too_deep: 400,
  too_many_fields: 413,
};

/**
 * A delivery failed verification: the sender (or an attacker) is at fault, never the server.
 * `code` is stable, `status` is the HTTP status to answer with.
 */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationErrorCode;
  readonly status: number;

  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
    this.status = statusByCode[code];
  }
}

/**
 * A configured secret is unusable (empty, or not `whsec_<base64>` for Standard Webhooks).
 * This is a server configuration fault: answer 500 and fix the configuration.
 */
export class WebhookSecretError extends Error {
  readonly code = 'invalid_secret';
  readonly status = 500;

  constructor(message: string) {
    super(message);
    this.name = 'WebhookSecretError';
  }
}
