import { defineWebhookSuite } from './webhooks-suite.js';

defineWebhookSuite('postgres');
