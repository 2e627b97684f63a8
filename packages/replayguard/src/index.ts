export { createWebhookHandler, type WebhookHandlerOptions } from './adapters/http.js';
export { DEFAULT_TOLERANCE_SECONDS, type Now } from './clock.js';
export {
  WebhookSecretError,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './errors.js';
export {
  DEFAULT_MAX_FORM_FIELDS,
  type FormObject,
  type FormValue,
  parseFormPairs,
  parsePhpForm,
} from './form.js';
export type { WebhookHeaders } from './headers.js';
export {
  mailchimpIntake,
  mandrillIntake,
  type SignedIntakeOptions,
  standardWebhooksIntake,
  stripeIntake,
  type WebhookEvent,
  type WebhookIntake,
  type WebhookRequest,
} from './intake.js';
export { DEFAULT_MAX_JSON_DEPTH, jsonNestingDepth, jsonTooDeep } from './json-depth.js';
export {
  type MailchimpEvent,
  type MailchimpVerified,
  type MailchimpVerifyInput,
  mailchimpEventId,
  parseMailchimpEvent,
  verifyMailchimpWebhook,
} from './mailchimp.js';
export {
  type MandrillEvent,
  type MandrillSignInput,
  type MandrillVerified,
  type MandrillVerifyInput,
  mandrillEventId,
  parseMandrillEvents,
  signMandrillWebhook,
  verifyMandrillWebhook,
} from './mandrill.js';
export { DEFAULT_BODY_LIMIT_BYTES, PayloadTooLargeError, readRawBody } from './raw-body.js';
export { type ReceiveOptions, receiveWebhook, type WebhookResponse } from './receive.js';
export {
  type ClaimOptions,
  type CompleteOptions,
  DEFAULT_REPLAY_TTL_MS,
  ReplayRecorder,
  type ReplayRecorderOptions,
} from './recorder.js';
export {
  checkStandardWebhookSecret,
  generateStandardWebhookSecret,
  type StandardWebhookHeaders,
  type StandardWebhookSignInput,
  type StandardWebhookVerified,
  type StandardWebhookVerifyInput,
  signStandardWebhook,
  verifyStandardWebhook,
} from './standard-webhooks.js';
export { MemoryReplayStore } from './store/memory.js';
export {
  openPostgresReplayStore,
  type PostgresQueryable,
  PostgresReplayStore,
  type PostgresReplayStoreOptions,
} from './store/postgres.js';
export {
  openRedisReplayStore,
  type RedisClient,
  RedisReplayStore,
  type RedisReplayStoreOptions,
} from './store/redis.js';
export {
  openSqliteReplayStore,
  type SqliteDatabase,
  SqliteReplayStore,
  type SqliteReplayStoreOptions,
  type SqliteStatement,
} from './store/sqlite.js';
export type { ReplayState, ReplayStore } from './store/store.js';
export {
  type StripeSignInput,
  type StripeVerified,
  type StripeVerifyInput,
  signStripeWebhook,
  verifyStripeWebhook,
} from './stripe.js';
