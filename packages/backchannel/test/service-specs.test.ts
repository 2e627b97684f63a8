import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readStackConfig } from '../src/config.js';
import { serviceSpecs } from '../src/stack.js';

describe('serviceSpecs', () => {
  const config = readStackConfig(['--data-dir', '/srv/bc'], {});

  it('passes secrets through the environment, each child only its own, never on a command line', () => {
    const specs = serviceSpecs(config, { signSecret: 'whsec_c2VjcmV0', token: '-Xy_token' });
    for (const spec of Object.values(specs)) {
      assert.ok(
        !spec.args.some((arg) => arg.includes('-Xy_token') || arg.includes('whsec_c2VjcmV0')),
        spec.name,
      );
    }
    assert.equal(specs.ekg.env.EKG_WEBHOOK_SECRET, 'whsec_c2VjcmV0');
    assert.equal(specs.ekg.env.REFLEKTOR_TOKEN, undefined);
    assert.equal(specs.reflektor.env.REFLEKTOR_TOKEN, '-Xy_token');
    assert.equal(specs.reflektor.env.REFLEKTOR_WEBHOOK_SECRET, 'whsec_c2VjcmV0');
    assert.equal(specs.api.env.REFLEKTOR_TOKEN, '-Xy_token');
    assert.equal(specs.api.env.REFLEKTOR_WEBHOOK_SECRET, undefined);
    assert.equal(specs.api.env.EKG_WEBHOOK_SECRET, undefined);
  });

  it('passes each value joined to its flag, so a value starting with a dash stays a value', () => {
    const specs = serviceSpecs(config, { signSecret: 'whsec_c2VjcmV0', token: 't' });
    assert.ok(specs.api.args.every((arg) => arg.startsWith('--') && arg.includes('=')));
  });

  it('wires the services to each other on the configured ports and data folder', () => {
    const specs = serviceSpecs(config, { signSecret: 'whsec_c2VjcmV0', token: 't' });
    assert.ok(specs.reflektor.args.includes('--target=http://127.0.0.1:3004'));
    assert.ok(specs.reflektor.args.includes('--data-dir=/srv/bc/reflektor'));
    assert.ok(specs.api.args.includes('--reflektor-url=http://127.0.0.1:3002'));
    assert.ok(specs.api.args.includes('--data-dir=/srv/bc/api'));
    assert.ok(specs.ekg.args.includes('--host=127.0.0.1'));
    assert.ok(specs.ekg.args.includes('--trusted-proxy=127.0.0.1'));
    assert.ok(!specs.ekg.args.includes('--trust-proxy'));
    assert.equal(specs.reflektor.readyUrl, 'http://127.0.0.1:3003/ready');
  });
});
