// Stripe-style verifications per second on one core: replayguard against the stripe package's
// own verifier, in the same run, on the same signed payload. Also Standard Webhooks against the
// standardwebhooks package. Run: node packages/replayguard/dist/bench/verify.js [seconds-per-round]
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import {
  signStandardWebhook,
  signStripeWebhook,
  verifyStandardWebhook,
  verifyStripeWebhook,
} from '../src/index.js';

const secondsPerRound = Number(process.argv[2] ?? 2);
const rounds = 3;
const maxIterationsPerRound = 5_000_000;

// A realistic checkout.session.completed event, about 2 KB.
const event = {
  id: 'evt_1QbenchmarkAbCdEfGhIjKlMn',
  object: 'event',
  api_version: '2024-06-20',
  created: 1764150000,
  type: 'checkout.session.completed',
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  data: {
    object: {
      id: 'cs_test_a1b2c3d4e5f6g7h8i9j0',
      object: 'checkout.session',
      amount_subtotal: 1500,
      amount_total: 1500,
      client_reference_id: 'physics-101',
      currency: 'eur',
      customer_details: { email: 'teacher@example.org', name: 'Ada Lovelace', address: { country: 'GB' } },
      metadata: { plan: 'conference', rooms: '1' },
      mode: 'payment',
      payment_status: 'paid',
      status: 'complete',
      success_url: 'https://chat.example.org/physics-101?upgraded=1',
      line_items: Array.from({ length: 8 }, (_, i) => ({
        id: `li_${i}`,
        description: 'Room upgrade',
        quantity: 1,
      })),
    },
  },
};
const payload = JSON.stringify(event, null, 2);
const body = Buffer.from(payload);
const stripeSecret = 'whsec_bench_0123456789abcdefghijklmnop';
const standardSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const stripe = new Stripe('sk_test_bench');

interface Contender {
  name: string;
  run: () => unknown;
}

function measure(contender: Contender): number {
  const deadline = performance.now() + secondsPerRound * 1000;
  let count = 0;
  const start = performance.now();
  while (count < maxIterationsPerRound) {
    // Check the clock every 256 calls so that reading it does not dominate.
    for (let i = 0; i < 256; i++) contender.run();
    count += 256;
    if (performance.now() >= deadline) break;
  }
  return count / ((performance.now() - start) / 1000);
}

function compare(title: string, ours: Contender, peer: Contender): string[] {
  // Warm up both, then alternate rounds so that noise from other processes hits both alike.
  for (let i = 0; i < 20_000; i++) {
    ours.run();
    peer.run();
  }
  let best = { ours: 0, peer: 0 };
  for (let round = 0; round < rounds; round++) {
    best = { ours: Math.max(best.ours, measure(ours)), peer: Math.max(best.peer, measure(peer)) };
  }
  const format = (n: number) => Math.round(n).toLocaleString('en-US');
  return [
    `| ${title} | ${ours.name} | ${format(best.ours)} | ${(best.ours / best.peer).toFixed(2)}× |`,
    `| | ${peer.name} | ${format(best.peer)} | 1.00× |`,
  ];
}

const now = Math.floor(Date.now() / 1000);
const stripeHeader = signStripeWebhook({ body, secret: stripeSecret, timestamp: now });
const standardHeaders = signStandardWebhook({
  id: 'msg_bench',
  body,
  secret: standardSecret,
  timestamp: now,
});
const reference = new Webhook(standardSecret);

// Sanity: every contender accepts the signed input before it is timed.
verifyStripeWebhook({ body, headers: stripeHeader, secrets: stripeSecret });
stripe.webhooks.constructEvent(body, stripeHeader, stripeSecret);
verifyStandardWebhook({ body, headers: standardHeaders, secrets: standardSecret });
reference.verify(payload, standardHeaders);

const lines = [
  `payload ${body.length} bytes, ${rounds} alternating rounds of ${secondsPerRound} s, best round shown, node ${process.version}`,
  '',
  '| what | verifier | verifications/s | ratio |',
  '|---|---|---:|---:|',
  ...compare(
    'Stripe signature only',
    {
      name: 'replayguard verifyStripeWebhook',
      run: () => verifyStripeWebhook({ body, headers: stripeHeader, secrets: stripeSecret }),
    },
    {
      name: 'stripe webhooks.signature.verifyHeader',
      run: () => stripe.webhooks.signature!.verifyHeader(body, stripeHeader, stripeSecret, 300),
    },
  ),
  ...compare(
    'Stripe signature + JSON event',
    {
      name: 'replayguard verify + JSON.parse',
      run: () => {
        verifyStripeWebhook({ body, headers: stripeHeader, secrets: stripeSecret });
        return JSON.parse(payload);
      },
    },
    {
      name: 'stripe webhooks.constructEvent',
      run: () => stripe.webhooks.constructEvent(body, stripeHeader, stripeSecret),
    },
  ),
  ...compare(
    'Standard Webhooks',
    {
      name: 'replayguard verifyStandardWebhook',
      run: () => verifyStandardWebhook({ body, headers: standardHeaders, secrets: standardSecret }),
    },
    {
      name: 'standardwebhooks Webhook.verify',
      run: () => reference.verify(payload, standardHeaders),
    },
  ),
];
console.log(lines.join('\n'));
