import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readStackConfig } from '../src/config.js';
import { serviceSpecs } from '../src/stack.js';

describe('serviceSpecs', () => {
  const config = readStackConfig(['--data-dir', '/srv/bc'], {});

  it('passes each value joined to its flag, so a token starting with a dash stays a value', () => {
    const specs = serviceSpecs(config, { signSecret: 'whsec_c2VjcmV0', token: '-Xy_token' });
    assert.ok(specs.reflektor.args.includes('--token=-Xy_token'));
    assert.ok(specs.api.args.includes('--reflektor-token=-Xy_token'));
    assert.ok(specs.ekg.args.includes('--secret=whsec_c2VjcmV0'));
    assert.ok(specs.reflektor.args.includes('--sign-secret=whsec_c2VjcmV0'));
  });

  it('wires the services to each other on the configured ports and data folder', () => {
    const specs = serviceSpecs(config, { signSecret: 'whsec_c2VjcmV0', token: 't' });
    assert.ok(specs.reflektor.args.includes('--target=http://127.0.0.1:3004'));
    assert.ok(specs.reflektor.args.includes('--data=/srv/bc/reflektor'));
    assert.ok(specs.api.args.includes('--reflektor-url=http://127.0.0.1:3002'));
    assert.ok(specs.api.args.includes('--data=/srv/bc/api'));
    assert.ok(specs.ekg.args.includes('--host=127.0.0.1'));
    assert.ok(specs.ekg.args.includes('--trusted-proxy=127.0.0.1'));
    assert.ok(!specs.ekg.args.includes('--trust-proxy'));
    assert.equal(specs.reflektor.readyUrl, 'http://127.0.0.1:3003/ready');
  });
});
