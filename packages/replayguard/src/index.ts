export { DEFAULT_TOLERANCE_SECONDS, type Now } from './clock.js';
export {
  WebhookSecretError,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './errors.js';
export { type FormObject, type FormValue, parseFormPairs, parsePhpForm } from './form.js';
export type { WebhookHeaders } from './headers.js';
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
export {
  generateStandardWebhookSecret,
  type StandardWebhookHeaders,
  type StandardWebhookSignInput,
  type StandardWebhookVerified,
  type StandardWebhookVerifyInput,
  signStandardWebhook,
  verifyStandardWebhook,
} from './standard-webhooks.js';
export {
  type StripeSignInput,
  type StripeVerified,
  type StripeVerifyInput,
  signStripeWebhook,
  verifyStripeWebhook,
} from './stripe.js';
