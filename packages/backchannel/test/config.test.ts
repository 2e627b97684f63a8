import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readStackConfig, startHelp } from '../src/config.js';

describe('readStackConfig', () => {
  it('uses the documented defaults', () => {
    const config = readStackConfig([], {}, '/srv/app');
    assert.deepEqual(
      [config.port, config.apiPort, config.reflektorPort, config.reflektorAdminPort, config.ekgPort],
      [3000, 3001, 3002, 3003, 3004],
    );
    assert.equal(config.dataDir, '/srv/app/data');
    assert.equal(config.publicUrl, 'http://localhost:3000');
    assert.equal(config.logFormat, 'text');
  });

  it('takes environment variables, and flags over them', () => {
    const env = { PORT: '8080', BACKCHANNEL_EKG_PORT: '9004', BACKCHANNEL_DATA_DIR: '/var/lib/bc' };
    const config = readStackConfig(['--port', '8081'], env, '/srv');
    assert.equal(config.port, 8081);
    assert.equal(config.ekgPort, 9004);
    assert.equal(config.dataDir, '/var/lib/bc');
    assert.equal(config.publicUrl, 'http://localhost:8081');
  });

  it('names the flag of a bad port', () => {
    assert.throws(
      () => readStackConfig(['--api-port', '70000'], {}),
      (error: unknown) =>
        error instanceof ConfigError && error.flag === 'api-port' && /--api-port/.test(error.message),
    );
    assert.throws(
      () => readStackConfig([], { BACKCHANNEL_REFLEKTOR_PORT: 'abc' }),
      (error: unknown) => error instanceof ConfigError && /BACKCHANNEL_REFLEKTOR_PORT/.test(error.message),
    );
  });

  it('refuses two services on one port and unknown flags', () => {
    assert.throws(
      () => readStackConfig(['--port', '4000', '--ekg-port', '4000'], {}),
      /--port and --ekg-port are both 4000/,
    );
    assert.throws(() => readStackConfig(['--colour'], {}), /--help/);
    assert.throws(() => readStackConfig(['--log-format', 'xml'], {}), /--log-format/);
    assert.throws(
      () => readStackConfig([], { LOG_LEVEL: 'loud' }),
      /LOG_LEVEL \(environment\) must be one of/,
    );
  });

  it('lists every flag with its variable in the help', () => {
    const help = startHelp();
    for (const name of [
      '--port',
      'PORT',
      '--data-dir',
      'BACKCHANNEL_DATA_DIR',
      '--reflektor-admin-port',
      'BACKCHANNEL_EKG_PORT',
    ]) {
      assert.ok(help.includes(name), name);
    }
  });
});
