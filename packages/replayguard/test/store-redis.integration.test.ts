import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import { openRedisReplayStore } from '../src/index.js';
import { replayStoreSuite } from './store-suite.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `replayguard-test:${randomUUID()}:`;

after(async () => {
  const client = new Redis(url);
  const keys = await client.keys(`${keyPrefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
});

replayStoreSuite('redis', () => openRedisReplayStore({ url, keyPrefix }));
