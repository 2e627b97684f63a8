import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { HostPool } from '../src/index.js';

/** Every name HostPool adds to EventEmitter's, as JavaScript sees it; anything else is an internal that leaked. */
const PUBLIC_NAMES = [
  'add',
  'broadcast',
  'close',
  'constructor',
  'destroy',
  'hosts',
  'name',
  'refreshDns',
  'remove',
  'replace',
  'request',
];

describe('public surface', () => {
  test('a HostPool exposes no internal member to JavaScript: only EventEmitter fields and its own API', async () => {
    const pool = new HostPool({
      hosts: ['http://127.0.0.1:1'],
      healthCheck: { path: '/health', interval: 60_000 },
      dns: true,
    });
    try {
      const emitterFields = Object.getOwnPropertyNames(new EventEmitter()).sort();
      assert.deepEqual(Object.getOwnPropertyNames(pool).sort(), emitterFields);
      assert.deepEqual(Object.getOwnPropertyNames(HostPool.prototype).sort(), PUBLIC_NAMES);
      const untyped = pool as unknown as Record<string, unknown>;
      for (const internal of [
        'send',
        'settle',
        'eject',
        'setState',
        'pickHost',
        'settings',
        'members',
        'healthy',
      ]) {
        assert.equal(untyped[internal], undefined, `pool.${internal} is reachable`);
      }
    } finally {
      await pool.close();
    }
  });
});
