// A hostile-input campaign over every HTTP boundary of a running stack, through the origin and
// straight at each service: generated paths, headers, query strings, bodies and names. Every
// answer must be a documented status (never a 5xx, never a hang), every refusal a JSON error
// with a stable code, anything accepted must be stored as sent (after the documented NFC and
// trimming), and a normal request must still be answered afterwards. Prints its counts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { rawExchange } from './raw-http.js';
import { startTestStack, type TestStack } from './test-stack.js';

const runs = Number(process.env.HOSTILE_RUNS ?? 60);
const tally = { cases: 0, requests: 0, refused: 0, accepted: 0, crashes: 0, hangs: 0 };

/** Statuses the services document for client input. */
const documented = new Set([
  200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 406, 408, 409, 410, 413, 414, 415, 421, 422, 429, 431,
]);

interface Answer {
  status: number;
  body: string;
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  tally.requests++;
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(5000) });
    const streaming = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
    const body = streaming ? '' : await response.text();
    if (streaming) await response.body?.cancel();
    return { status: response.status, body };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') tally.hangs++;
    else tally.crashes++;
    throw error;
  }
}

/** The invariant of every answer: a documented status; a refusal carries a JSON error code. */
function checkAnswer(answer: Answer, what: string): void {
  if (answer.status >= 500) tally.crashes++;
  assert.ok(documented.has(answer.status), `${what}: status ${answer.status} ${answer.body.slice(0, 200)}`);
  if (answer.status >= 400) {
    tally.refused++;
    if (answer.body !== '') {
      const parsed = JSON.parse(answer.body) as { error?: { code?: unknown } };
      assert.equal(typeof parsed.error?.code, 'string', `${what}: ${answer.body.slice(0, 200)}`);
    }
  } else {
    tally.accepted++;
  }
}

// Text a script would try: any code unit (lone surrogates too), invisibles, separators, controls.
const hostileChar = fc.oneof(
  fc.constantFrom(
    '\u200b',
    '\u200d',
    '\u3164',
    '\u2028',
    '\u2029',
    '\ud800',
    '\udfff',
    '\u0000',
    '\u202e',
    'e\u0301',
    '👩‍🏫',
  ),
  fc.string({ unit: 'binary', maxLength: 3 }),
  fc.string({ maxLength: 3 }),
);
const hostileText = fc.array(hostileChar, { maxLength: 12 }).map((parts) => parts.join(''));
const anyJsonValue = fc.oneof(
  hostileText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileText, { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), hostileText, { maxKeys: 2 }),
);
const queryValue = fc.oneof(
  fc.constantFrom(
    'Infinity',
    '-Infinity',
    '1e400',
    'NaN',
    '-1',
    '0x10',
    '1.5',
    '',
    ' 1',
    '99999999999999999999',
    '%00',
    '10',
  ),
  fc.string({ maxLength: 8 }).map(encodeURIComponent),
  fc.nat().map(String),
);
const pathSegment = fc.oneof(
  fc.constantFrom(
    'metrics',
    '%6detrics',
    'metric%73',
    '..',
    '.',
    '%2e%2e',
    '%2f',
    '%zz',
    '%c0%af',
    'status',
    'api',
    'rooms',
    'events',
    'ws',
  ),
  fc.string({ maxLength: 6 }).map(encodeURIComponent),
);

describe('hostile-input campaign', () => {
  let stack: TestStack;
  let apiUrl = '';
  let adminUrl = '';
  let originPort = 0;
  const room = 'campaign';

  before(async () => {
    stack = await startTestStack();
    apiUrl = `http://127.0.0.1:${stack.config.apiPort}`;
    adminUrl = `http://127.0.0.1:${stack.config.reflektorAdminPort}`;
    originPort = Number(new URL(stack.url).port);
    const created = await fetch(`${stack.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.url },
      body: JSON.stringify({ name: room }),
    });
    assert.equal(created.status, 201);
  });

  after(async () => {
    const pids = Object.values(stack.services).map((service) => service.pid);
    console.log(
      `hostile-input campaign: ${tally.cases} cases, ${tally.requests} requests, ${tally.accepted} accepted, ` +
        `${tally.refused} refused with a code, ${tally.crashes} crashes, ${tally.hangs} hangs; services ${pids.join(', ')}`,
    );
    await stack?.dispose();
  });

  /** After each property: every service still answers a normal request, and none restarted. */
  async function stillServing(): Promise<void> {
    for (const base of [stack.url, apiUrl]) {
      const answer = await send(`${base}/api/rooms/${room}`);
      assert.equal(answer.status, 200);
    }
    const health = stack.health();
    for (const [name, state] of Object.entries(health)) {
      assert.equal(state.restarts, 0, `${name} restarted`);
    }
  }

  it('the origin: any path, percent-encoding and target form', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(pathSegment, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('origin', 'absolute-foreign', 'absolute-own'),
        async (segments, form) => {
          tally.cases++;
          const path = `/${segments.join('/')}`;
          const host = `127.0.0.1:${originPort}`;
          const target =
            form === 'origin'
              ? path
              : form === 'absolute-own'
                ? `http://${host}${path}`
                : `http://x.example${path}`;
          tally.requests++;
          const answer = await rawExchange(
            originPort,
            `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
            { timeoutMs: 5000, settleMs: 300 },
          );
          assert.ok(answer.status > 0 && answer.status < 500, `${target}: ${answer.status}`);
          if (answer.status >= 400) tally.refused++;
          else tally.accepted++;
          assert.doesNotMatch(answer.body, /process_cpu_user_seconds_total/, `${target} served metrics`);
          if (form === 'absolute-foreign') assert.equal(answer.status, 421, target);
        },
      ),
      { numRuns: runs * 2 },
    );
    await stillServing();
  });

  it('messages: any JSON body, through the origin and straight at the api; accepted means stored as sent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ author: hostileText, text: hostileText }),
          fc.record({ author: anyJsonValue, text: anyJsonValue }, { requiredKeys: [] }),
        ),
        fc.boolean(),
        async (body, viaOrigin) => {
          tally.cases++;
          const base = viaOrigin ? stack.url : apiUrl;
          const answer = await send(`${base}/api/rooms/${room}/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: stack.url },
            body: JSON.stringify(body),
          });
          checkAnswer(answer, JSON.stringify(body));
          if (answer.status === 201) {
            const message = (
              JSON.parse(answer.body) as { message: { id: string; author: string; text: string } }
            ).message;
            assert.equal(message.author, String(body.author).normalize('NFC').trim());
            assert.equal(message.text, String(body.text).normalize('NFC').trim());
            const page = await send(`${apiUrl}/api/rooms/${room}/messages?limit=100`);
            const stored = (
              JSON.parse(page.body) as { messages: { id: string; author: string; text: string }[] }
            ).messages.find((m) => m.id === message.id);
            assert.deepEqual(stored && { author: stored.author, text: stored.text }, {
              author: message.author,
              text: message.text,
            });
          }
        },
      ),
      { numRuns: runs * 3 },
    );
    await stillServing();
  });

  it('query strings: any limit, before, after', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('messages', 'events'),
        fc.dictionary(fc.constantFrom('limit', 'before', 'after', 'x'), queryValue, { maxKeys: 3 }),
        fc.boolean(),
        async (resource, query, viaOrigin) => {
          tally.cases++;
          const search = Object.entries(query)
            .map(([k, v]) => `${k}=${v}`)
            .join('&');
          const answer = await send(
            `${viaOrigin ? stack.url : apiUrl}/api/rooms/${room}/${resource}?${search}`,
          );
          checkAnswer(answer, search);
          const numbersInDigits = Object.entries(query).every(
            ([name, value]) => name === 'x' || /^[0-9]{1,15}$/.test(decodeURIComponent(value)),
          );
          if (!numbersInDigits) assert.equal(answer.status, 400, `${resource}?${search}`);
          if (answer.status === 400) {
            const error = (JSON.parse(answer.body) as { error: { code: string } }).error;
            assert.match(error.code, /^invalid_(request|type)$/, search);
          }
        },
      ),
      { numRuns: runs * 2 },
    );
    await stillServing();
  });

  it('room names and titles of any type and text', async () => {
    await fc.assert(
      fc.asyncProperty(anyJsonValue, anyJsonValue, async (name, title) => {
        tally.cases++;
        const answer = await send(`${stack.url}/api/rooms`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: stack.url },
          body: JSON.stringify({ name, title }),
        });
        checkAnswer(answer, JSON.stringify({ name, title }));
        if (typeof name !== 'string') assert.equal(answer.status, 400);
      }),
      { numRuns: runs },
    );
    await stillServing();
  });

  it('webhooks: any body and content type, unsigned or with a made-up signature', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/webhooks/stripe',
          '/webhooks/mandrill',
          '/webhooks/mailchimp?secret=x',
          '/webhooks/in/any',
        ),
        fc.constantFrom(
          'application/json',
          'application/x-www-form-urlencoded',
          'text/plain',
          'multipart/form-data',
        ),
        fc.oneof(
          hostileText,
          fc.json(),
          fc.nat({ max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => `a[]=${i}`).join('&')),
          fc.nat({ max: 5000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
        ),
        async (path, type, body) => {
          tally.cases++;
          const answer = await send(`${stack.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': type, 'stripe-signature': 't=1,v1=00', 'webhook-id': 'x' },
            body,
          });
          checkAnswer(answer, `${path} ${type}`);
        },
      ),
      { numRuns: runs },
    );
    await stillServing();
  });

  it('streams: any room name and resume point', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(pathSegment, fc.constant(room)), queryValue, async (name, last) => {
        tally.cases++;
        const answer = await send(`${stack.url}/rooms/${name}/events?lastEventId=${last}`, {
          headers: { 'last-event-id': last.replace(/[^\x20-\x7e]/g, '') },
        });
        checkAnswer(answer, `${name} ${last}`);
      }),
      { numRuns: runs },
    );
    await stillServing();
  });

  it('reflektor admin: nothing a web page sends changes its state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'DELETE', 'PUT'),
        fc.constantFrom('/pause', '/resume', '/dead/replay', '/dead/x', '/dead/x/replay'),
        fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
          'application/json',
        ),
        fc.constantFrom('https://evil.example', 'null', `http://127.0.0.1:${stack.config.port}`),
        async (method, path, type, origin) => {
          tally.cases++;
          const answer = await send(`${adminUrl}${path}`, {
            method,
            headers: { 'content-type': type, origin },
            body: method === 'DELETE' ? undefined : '{}',
          });
          checkAnswer(answer, `${method} ${path} ${type} ${origin}`);
          assert.ok(answer.status === 403 || answer.status === 415, `${method} ${path}: ${answer.status}`);
        },
      ),
      { numRuns: runs },
    );
    const stats = (
      JSON.parse((await send(`${adminUrl}/stats`)).body) as { lanes: { hosts: { paused?: boolean }[] }[] }
    ).lanes;
    assert.ok(!JSON.stringify(stats).includes('"paused":true'), JSON.stringify(stats));
    await stillServing();
  });
});
