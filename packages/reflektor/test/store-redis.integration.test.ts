import { randomBytes } from 'node:crypto';
import { RedisStore } from '../src/index.js';
import { storeSuite } from './store-suite.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomBytes(4).toString('hex');

storeSuite(
  'redis',
  (name) => new RedisStore({ url, prefix: `reflektor-test-${run}-${name}`, partitions: 4 }),
);
