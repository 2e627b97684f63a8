import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostPool, type HostPoolOptions } from '../src/index.js';

function rejects(options: unknown, option: string, message: RegExp): void {
  assert.throws(
    () => new HostPool(options as HostPoolOptions),
    (error: unknown) => {
      const e = error as { code: string; option: string; message: string };
      assert.equal(e.code, 'ERR_HOSTPOOL_CONFIG');
      assert.equal(e.option, option);
      assert.match(e.message, message);
      return true;
    },
  );
}

describe('construction-time validation', () => {
  it('names the bad host URL', () => {
    rejects({ hosts: [] }, 'hosts', /non-empty array/);
    rejects({}, 'hosts', /non-empty array/);
    rejects({ hosts: ['http://127.0.0.1:1', 'not a url'] }, 'hosts[1]', /not a valid URL/);
    rejects({ hosts: ['ftp://example.com'] }, 'hosts[0]', /http: or https:/);
    rejects({ hosts: ['http://h:1/?q=1'] }, 'hosts[0]', /without query/);
    rejects({ hosts: [42] }, 'hosts[0]', /base URL string/);
    rejects({ hosts: ['http://h:1', 'http://h:1/'] }, 'hosts[1]', /listed twice/);
  });

  it('names the bad option and what it expects', () => {
    const hosts = ['http://127.0.0.1:1'];
    rejects({ hosts, mode: 'fanout' }, 'mode', /"balance", "broadcast"/);
    rejects({ hosts, balance: 'random' }, 'balance', /"p2c"/);
    rejects({ hosts, connections: 0 }, 'connections', /integer >= 1, got 0/);
    rejects({ hosts, headersTimeout: -1 }, 'headersTimeout', /integer >= 0/);
    rejects({ hosts, connectTimeout: 1.5 }, 'connectTimeout', /integer/);
    rejects({ hosts, ewmaAlpha: 2 }, 'ewmaAlpha', /\(0, 1\]/);
    rejects({ hosts, retries: '2' }, 'retries', /got "2"/);
    rejects({ hosts, maxEjectionPercent: 150 }, 'maxEjectionPercent', /0 to 100/);
    rejects(
      { hosts, outlierDetection: { baseEjectionTime: 5000, maxEjectionTime: 1000 } },
      'outlierDetection.maxEjectionTime',
      /at least baseEjectionTime/,
    );
    rejects({ hosts, healthCheck: { path: 'health' } }, 'healthCheck.path', /starting with "\/"/);
    rejects({ hosts, healthCheck: 'yes' }, 'healthCheck', /expected an object/);
    rejects({ hosts, dns: { lookup: 'dig' } }, 'dns.lookup', /function/);
    rejects({ hosts, registry: {} }, 'registry', /prom-client Registry/);
    rejects({ hosts, timeout: 5 }, 'timeout', /unknown option/);
    rejects(
      { hosts, outlierDetection: { maxEjectionPercent: 10 } },
      'outlierDetection.maxEjectionPercent',
      /unknown option/,
    );
    rejects(
      { hosts, healthCheck: { every: 5 } },
      'healthCheck.every',
      /unknown option; known options are path/,
    );
  });

  it('rejects a request path that does not start with /', async () => {
    const p = new HostPool({ hosts: ['http://127.0.0.1:1'] });
    await assert.rejects(p.request({ path: 'x' }), { code: 'ERR_HOSTPOOL_CONFIG', option: 'request.path' });
    await p.close();
  });
});
