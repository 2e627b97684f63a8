import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateStandardWebhookSecret } from '@backchannel/replayguard';
import { resolveWebhookConfig, webhookSettingsFromEnv } from '../src/webhooks/config.js';

describe('webhook configuration', () => {
  it('reads every variable, splits rotation lists and maps sender names', () => {
    const billing = generateStandardWebhookSecret();
    const billingNext = generateStandardWebhookSecret();
    const config = resolveWebhookConfig({
      publicUrl: 'http://localhost:3000',
      env: webhookSettingsFromEnv({
        BACKCHANNEL_PUBLIC_URL: 'https://chat.example.org/',
        BACKCHANNEL_STRIPE_SECRET: 'whsec_old, whsec_new',
        BACKCHANNEL_MANDRILL_KEY: 'mkey',
        BACKCHANNEL_MAILCHIMP_SECRET: 'mc',
        BACKCHANNEL_WEBHOOK_SECRET_BILLING_EU: `${billing},${billingNext}`,
        BACKCHANNEL_WEBHOOK_TOLERANCE_SECONDS: '60',
        BACKCHANNEL_WEBHOOK_BODY_LIMIT: '2048',
        UNRELATED: 'x',
      }),
    });
    assert.deepEqual(config, {
      stripeSecrets: ['whsec_old', 'whsec_new'],
      mandrillKeys: ['mkey'],
      mandrillUrl: 'https://chat.example.org/webhooks/mandrill',
      mailchimpSecrets: ['mc'],
      standard: { 'billing-eu': [billing, billingNext] },
      toleranceSeconds: 60,
      bodyLimit: 2048,
    });
  });

  it('lets the environment win over the config file, field by field, with defaults for the rest', () => {
    const config = resolveWebhookConfig({
      publicUrl: 'http://localhost:3000',
      env: webhookSettingsFromEnv({ BACKCHANNEL_MAILCHIMP_SECRET: 'from-env' }),
      file: {
        mailchimpSecret: 'from-file',
        mandrillKey: 'file-key',
        mandrillUrl: 'https://hooks.example.org/m',
      },
    });
    assert.deepEqual(config.mailchimpSecrets, ['from-env']);
    assert.deepEqual(config.mandrillKeys, ['file-key']);
    assert.equal(config.mandrillUrl, 'https://hooks.example.org/m');
    assert.deepEqual(config.stripeSecrets, []);
    assert.equal(config.toleranceSeconds, 300);
    assert.equal(config.bodyLimit, 1024 * 1024);
  });

  it('fails fast, naming the variable, on unusable secrets and values', () => {
    const publicUrl = 'http://localhost:3000';
    assert.throws(
      () => resolveWebhookConfig({ publicUrl, env: { stripeSecret: 'sk_live_123' } }),
      /BACKCHANNEL_STRIPE_SECRET/,
    );
    assert.throws(
      () =>
        resolveWebhookConfig({
          publicUrl,
          env: webhookSettingsFromEnv({ BACKCHANNEL_WEBHOOK_SECRET_BILLING: 'whsec_%%' }),
        }),
      /BACKCHANNEL_WEBHOOK_SECRET_BILLING must be a whsec_<base64> secret/,
    );
    assert.throws(
      () =>
        resolveWebhookConfig({
          publicUrl,
          file: { standard: { 'Bad Name': generateStandardWebhookSecret() } },
        }),
      /sender name "Bad Name"/,
    );
    assert.throws(
      () => webhookSettingsFromEnv({ BACKCHANNEL_WEBHOOK_BODY_LIMIT: 'lots' }),
      /BACKCHANNEL_WEBHOOK_BODY_LIMIT must be a number/,
    );
  });
});
