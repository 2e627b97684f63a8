// A whole classroom behind one school address, against the real stack (api, reflektor and ekg
// as child processes behind the origin, default limits): every browser has its own cookie jar
// and every request comes from 127.0.0.1, as from one NAT.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { startTestStack, type TestStack } from './test-stack.js';

const ROOM = 'period-3';
const agent = new Agent({ connections: 64 });

interface Outcome {
  status: number;
  code?: string;
  retryAfter?: string;
}

/** One browser: its own cookies, nothing else. */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly base: string,
    readonly name: string,
  ) {}

  get hasParticipantId(): boolean {
    return this.cookies.has('bc_participant');
  }

  async send(method: 'GET' | 'POST', path: string, json?: unknown): Promise<Outcome> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (json !== undefined) {
      headers['content-type'] = 'application/json';
      headers.origin = this.base;
    }
    const response = await request(`${this.base}${path}`, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      dispatcher: agent,
    });
    const set = response.headers['set-cookie'];
    for (const line of set === undefined ? [] : Array.isArray(set) ? set : [set]) {
      const pair = line.split(';')[0];
      this.cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    const text = await response.body.text();
    const outcome: Outcome = { status: response.statusCode };
    if (response.statusCode >= 400) {
      outcome.code = (JSON.parse(text) as { error: { code: string } }).error.code;
      const retryAfter = response.headers['retry-after'];
      if (typeof retryAfter === 'string') outcome.retryAfter = retryAfter;
    }
    return outcome;
  }

  open(): Promise<Outcome> {
    return this.send('GET', `/${ROOM}`);
  }

  post(text: string): Promise<Outcome> {
    return this.send('POST', `/api/rooms/${ROOM}/messages`, { author: this.name, text });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each browser posts every `everyMs` for `forMs`, starting at a random point of the first interval. */
async function postSteadily(browsers: Browser[], everyMs: number, forMs: number): Promise<Outcome[][]> {
  const end = Date.now() + forMs;
  return Promise.all(
    browsers.map(async (browser) => {
      const outcomes: Outcome[] = [];
      let next = Date.now() + Math.random() * everyMs;
      let n = 0;
      while (next < end) {
        await sleep(next - Date.now());
        outcomes.push(await browser.post(`${browser.name} answer ${++n}`));
        next += everyMs;
      }
      return outcomes;
    }),
  );
}

function refused(outcomes: Outcome[][]): Outcome[] {
  return outcomes.flat().filter((outcome) => outcome.status !== 201);
}

describe('a classroom behind one address', () => {
  let stack: TestStack;
  let students: Browser[];

  before(async () => {
    stack = await startTestStack();
    const created = await request(`${stack.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.url },
      body: JSON.stringify({ name: ROOM }),
    });
    assert.equal(created.statusCode, 201, await created.body.text());
    students = Array.from({ length: 40 }, (_, i) => new Browser(stack.url, `student-${i + 1}`));
    for (const student of students) assert.equal((await student.open()).status, 200);
  });

  after(async () => {
    await stack?.dispose();
    await agent.close();
  });

  it('40 browsers, each posting every 3 s for a minute: none refused', async () => {
    const outcomes = await postSteadily(students, 3000, 60_000);
    const refusals = refused(outcomes);
    assert.deepEqual(refusals.length, 0, `${refusals.length} of ${outcomes.flat().length} posts refused`);
    const posted = outcomes.flat().length;
    assert.ok(posted >= 40 * 19, `posted ${posted}`);
    assert.ok(
      students.every((student) => student.hasParticipantId),
      'every browser got a participant id',
    );
  });

  it('one of them posting 10 a second is refused with 429, Retry-After and a stable code; the other 39 are not', async () => {
    const [flooder, ...others] = students;
    const flood = (async () => {
      const outcomes: Outcome[] = [];
      const end = Date.now() + 15_000;
      let n = 0;
      while (Date.now() < end) {
        outcomes.push(await flooder.post(`flood ${++n}`));
        await sleep(100);
      }
      return outcomes;
    })();
    const steady = await postSteadily(others, 3000, 15_000);
    const flooded = await flood;
    assert.deepEqual(refused(steady), [], 'the other 39 were refused');
    const refusals = flooded.filter((outcome) => outcome.status === 429);
    assert.ok(
      refusals.length > flooded.length / 2,
      `${refusals.length} of ${flooded.length} flood posts refused`,
    );
    for (const refusal of refusals) {
      assert.equal(refusal.code, 'participant_rate_limited');
      assert.match(refusal.retryAfter ?? '', /^[1-9]\d*$/);
    }
  });

  it('500 new participant ids from one address in a minute: the cap stops them; existing participants keep posting', async () => {
    const newcomers = Array.from({ length: 500 }, (_, i) => new Browser(stack.url, `newcomer-${i + 1}`));
    for (let i = 0; i < newcomers.length; i += 50) {
      await Promise.all(newcomers.slice(i, i + 50).map((browser) => browser.open()));
    }
    const minted = newcomers.filter((browser) => browser.hasParticipantId).length;
    // Default cap: 200 a minute from one address (a few more trickle in while the 500 arrive).
    assert.ok(minted >= 150 && minted <= 230, `${minted} of 500 got an id`);
    // The ones past the cap share the address's cookieless budget.
    const withoutId = newcomers.filter((browser) => !browser.hasParticipantId).slice(0, 20);
    const cookieless = await Promise.all(withoutId.map((browser) => browser.post('let me in')));
    assert.ok(
      cookieless.some((outcome) => outcome.code === 'cookieless_rate_limited'),
      JSON.stringify(cookieless),
    );
    // The classroom is not affected.
    const after = await Promise.all(students.slice(1).map((student) => student.post('still here')));
    assert.deepEqual(
      after.filter((outcome) => outcome.status !== 201),
      [],
    );
  });
});
