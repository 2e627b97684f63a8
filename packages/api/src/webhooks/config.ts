import { checkStandardWebhookSecret } from '@backchannel/replayguard';

/** Webhook secrets and limits, resolved and checked. A provider with no secret is switched off (404). */
export interface WebhookConfig {
  /** Stripe endpoint signing secrets (`whsec_…`); several while rolling. */
  stripeSecrets: string[];
  /** Mandrill webhook keys. */
  mandrillKeys: string[];
  /** The URL exactly as entered in Mandrill (Mandrill signs it). */
  mandrillUrl: string;
  /** Mailchimp URL secrets (`?secret=…`). */
  mailchimpSecrets: string[];
  /** Standard Webhooks senders: name (as in `/webhooks/in/:name`) → `whsec_` secrets. */
  standard: Record<string, string[]>;
  /** Largest distance between a signed timestamp and now, in seconds. */
  toleranceSeconds: number;
  /** Largest accepted webhook body, in bytes; larger answers 413. */
  bodyLimit: number;
}

/** Webhook settings as a config file holds them; every field optional. */
export interface WebhookSettings {
  /** The public URL webhooks arrive at (Mandrill signs `<publicUrl>/webhooks/mandrill`). */
  publicUrl?: string;
  stripeSecret?: string | string[];
  mandrillKey?: string | string[];
  mandrillUrl?: string;
  mailchimpSecret?: string | string[];
  /** name → secret(s), for `POST /webhooks/in/:name`. */
  standard?: Record<string, string | string[]>;
  toleranceSeconds?: number;
  bodyLimit?: number;
}

export const DEFAULT_WEBHOOK_BODY_LIMIT = 1024 * 1024;
const STANDARD_PREFIX = 'BACKCHANNEL_WEBHOOK_SECRET_';
const senderName = /^[a-z0-9][a-z0-9-]{0,62}$/;

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : value.split(',');
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/**
 * Reads webhook settings from the environment:
 * `BACKCHANNEL_PUBLIC_URL`, `BACKCHANNEL_STRIPE_SECRET`, `BACKCHANNEL_MANDRILL_KEY`, `BACKCHANNEL_MANDRILL_URL`,
 * `BACKCHANNEL_MAILCHIMP_SECRET`, `BACKCHANNEL_WEBHOOK_SECRET_<NAME>` (name lower-cased, `_` → `-`),
 * `BACKCHANNEL_WEBHOOK_TOLERANCE_SECONDS`, `BACKCHANNEL_WEBHOOK_BODY_LIMIT`. Comma-separated
 * values are several secrets (rotation).
 */
export function webhookSettingsFromEnv(env: NodeJS.ProcessEnv): WebhookSettings {
  const standard: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(STANDARD_PREFIX) && value !== undefined && value !== '') {
      standard[key.slice(STANDARD_PREFIX.length).toLowerCase().replaceAll('_', '-')] = value;
    }
  }
  const number = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0, got "${text}"`);
    return value;
  };
  return {
    publicUrl: env.BACKCHANNEL_PUBLIC_URL || undefined,
    stripeSecret: env.BACKCHANNEL_STRIPE_SECRET,
    mandrillKey: env.BACKCHANNEL_MANDRILL_KEY,
    mandrillUrl: env.BACKCHANNEL_MANDRILL_URL,
    mailchimpSecret: env.BACKCHANNEL_MAILCHIMP_SECRET,
    standard,
    toleranceSeconds: number('BACKCHANNEL_WEBHOOK_TOLERANCE_SECONDS'),
    bodyLimit: number('BACKCHANNEL_WEBHOOK_BODY_LIMIT'),
  };
}

/**
 * Resolves and checks webhook settings (`env` wins over `file`, field by field). Fails fast,
 * naming the setting, on a Stripe secret that is not `whsec_…`, a Standard Webhooks secret that
 * is not `whsec_<base64>`, or a bad sender name.
 * @param publicUrl the api's public URL, used unless the settings carry one (`BACKCHANNEL_PUBLIC_URL`);
 *   Mandrill's URL defaults to `<publicUrl>/webhooks/mandrill`.
 */
export function resolveWebhookConfig(input: {
  publicUrl: string;
  env?: WebhookSettings;
  file?: WebhookSettings;
}): WebhookConfig {
  const env = input.env ?? {};
  const file = input.file ?? {};
  const stripeSecrets = list(env.stripeSecret ?? file.stripeSecret);
  for (const secret of stripeSecrets) {
    if (!secret.startsWith('whsec_')) {
      throw new Error(
        "BACKCHANNEL_STRIPE_SECRET must be the endpoint's signing secret (whsec_…) from the Stripe dashboard, not an API key",
      );
    }
  }
  const standard: Record<string, string[]> = {};
  const names = new Set([...Object.keys(file.standard ?? {}), ...Object.keys(env.standard ?? {})]);
  for (const name of names) {
    const setting = `${STANDARD_PREFIX}${name.toUpperCase().replaceAll('-', '_')}`;
    if (!senderName.test(name)) {
      throw new Error(`${setting}: the sender name "${name}" must be lower-case letters, digits and -`);
    }
    const secrets = list(env.standard?.[name] ?? file.standard?.[name]);
    for (const secret of secrets) {
      try {
        checkStandardWebhookSecret(secret);
      } catch {
        throw new Error(`${setting} must be a whsec_<base64> secret`);
      }
    }
    if (secrets.length > 0) standard[name] = secrets;
  }
  const base = (env.publicUrl ?? file.publicUrl ?? input.publicUrl).replace(/\/+$/, '');
  return {
    stripeSecrets,
    mandrillKeys: list(env.mandrillKey ?? file.mandrillKey),
    mandrillUrl: env.mandrillUrl ?? file.mandrillUrl ?? `${base}/webhooks/mandrill`,
    mailchimpSecrets: list(env.mailchimpSecret ?? file.mailchimpSecret),
    standard,
    toleranceSeconds: env.toleranceSeconds ?? file.toleranceSeconds ?? 300,
    bodyLimit: env.bodyLimit ?? file.bodyLimit ?? DEFAULT_WEBHOOK_BODY_LIMIT,
  };
}
