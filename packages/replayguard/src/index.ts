export { DEFAULT_TOLERANCE_SECONDS, type Now } from './clock.js';
export {
  WebhookSecretError,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './errors.js';
export type { WebhookHeaders } from './headers.js';
export {
  generateStandardWebhookSecret,
  type StandardWebhookHeaders,
  type StandardWebhookSignInput,
  type StandardWebhookVerified,
  type StandardWebhookVerifyInput,
  signStandardWebhook,
  verifyStandardWebhook,
} from './standard-webhooks.js';
