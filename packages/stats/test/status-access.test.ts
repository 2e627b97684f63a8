import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkStatusAccess, isLoopbackAddress, STATUS_COOKIE, statusCookieValue } from '../src/index.js';

const TOKEN = 'a-status-token';

describe('checkStatusAccess', () => {
  it('treats 127.0.0.0/8, ::1 and their mapped forms as loopback, and nothing else', () => {
    for (const address of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackAddress(address), true, address);
    }
    for (const address of [
      '10.0.0.1',
      '192.168.1.5',
      '203.0.113.7',
      '::ffff:10.0.0.1',
      'fe80::1',
      '',
      undefined,
    ]) {
      assert.equal(isLoopbackAddress(address), false, String(address));
    }
  });

  it('opens for loopback without a token, and for others only with the token or the cookie', () => {
    assert.deepEqual(checkStatusAccess({ clientAddress: '127.0.0.1' }, TOKEN), {
      allowed: true,
      by: 'loopback',
    });
    const none = checkStatusAccess({ clientAddress: '203.0.113.7' }, TOKEN);
    assert.equal(none.allowed, false);
    assert.equal(!none.allowed && none.code, 'status_token_required');
    const wrong = checkStatusAccess({ clientAddress: '203.0.113.7', authorization: 'Bearer nope' }, TOKEN);
    assert.equal(!wrong.allowed && wrong.code, 'status_token_wrong');
    const basic = checkStatusAccess({ clientAddress: '203.0.113.7', authorization: `Basic ${TOKEN}` }, TOKEN);
    assert.equal(basic.allowed, false);
    assert.deepEqual(
      checkStatusAccess({ clientAddress: '203.0.113.7', authorization: `Bearer ${TOKEN}` }, TOKEN),
      {
        allowed: true,
        by: 'token',
      },
    );
    const cookie = `theme=dark; ${STATUS_COOKIE}=${statusCookieValue(TOKEN)}`;
    assert.deepEqual(checkStatusAccess({ clientAddress: '203.0.113.7', cookie }, TOKEN), {
      allowed: true,
      by: 'cookie',
    });
    const forged = checkStatusAccess(
      { clientAddress: '203.0.113.7', cookie: `${STATUS_COOKIE}=${TOKEN}` },
      TOKEN,
    );
    assert.equal(forged.allowed, false);
    assert.notEqual(statusCookieValue(TOKEN), statusCookieValue(`${TOKEN}x`));
  });

  it('lets only loopback in when no token is set', () => {
    const refused = checkStatusAccess({ clientAddress: '203.0.113.7', authorization: 'Bearer ' }, '');
    assert.equal(!refused.allowed && refused.code, 'status_token_not_set');
    assert.equal(checkStatusAccess({ clientAddress: '::1' }, undefined).allowed, true);
  });
});
