// The room page in Chromium against the whole stack: create a room, share it, post, and see
// messages arrive live in another browser; history loads upward in order; user text stays text.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from './chromium.js';
import { startTestStack, type TestStack } from './test-stack.js';

// The README's screenshots are taken by this test: `UPDATE_SCREENSHOTS=1 npm run test:e2e`
// refreshes docs/screenshots/; otherwise they go to a temporary folder and the tree stays as it is.
const screenshots = process.env.UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url))
  : `${mkdtempSync(join(tmpdir(), 'backchannel-screenshots-'))}/`;

/** Creates a room through the home page and returns the share link it shows. */
async function createRoomInPage(
  page: Page,
  url: string,
  name: string,
  title: string,
  screenshot?: string,
): Promise<string> {
  await page.goto(`${url}/`);
  await page.fill('#room-name', name);
  await page.fill('#room-title', title);
  await page.selectOption('#room-lifetime', 'week');
  if (screenshot) await page.screenshot({ path: screenshot });
  await page.click('#create-submit');
  await page.locator('#share').waitFor({ state: 'visible' });
  return page.inputValue('#share-link');
}

async function setNickname(page: Page, nickname: string): Promise<void> {
  await page.locator('#nickname').waitFor({ state: 'visible' });
  await page.fill('#nickname', nickname);
  await page.press('#nickname', 'Enter');
  await page.locator('#posting-as-line').waitFor({ state: 'visible' });
}

async function post(page: Page, text: string): Promise<void> {
  await page.fill('#message-text', text);
  await page.press('#message-text', 'Enter');
  await page.locator('#messages li.message .message-text', { hasText: text }).first().waitFor();
}

async function waitLive(page: Page): Promise<void> {
  await page.locator('#connection[data-state="live"]').waitFor();
}

/**
 * A request as a separate audience member would send it: the origin is a trusted proxy on
 * loopback, so the api takes `X-Forwarded-For` as the client and rate-limits each one apart.
 */
async function apiPost(
  stack: TestStack,
  path: string,
  body: unknown,
  client = '10.9.0.1',
): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body: JSON.stringify(body),
  });
}

describe('web: rooms in the browser', () => {
  let stack: TestStack;
  let browser: Browser;

  before(async () => {
    stack = await startTestStack();
    browser = await launchChromium();
    mkdirSync(screenshots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('creates a room, shares its link, and a post appears live in another browser', async () => {
    const host = await newPage(browser);
    const link = await createRoomInPage(
      host,
      stack.url,
      'physics-101',
      'Physics 101: waves',
      `${screenshots}home.png`,
    );
    assert.equal(link, `${stack.url}/physics-101`);
    await host.screenshot({ path: `${screenshots}home-share.png` });

    await host.click('#open-room');
    await host.waitForURL(link);
    await waitLive(host);
    assert.equal(await host.textContent('#room-title'), 'Physics 101: waves');
    assert.ok(await host.locator('#owner-controls').isVisible(), 'the creator sees the owner controls');

    const frameBefore = await host.locator('#composer').boundingBox();
    const student = await newPage(browser, { width: 390, height: 844 });
    // The student joins from the home page by pasting the shared link.
    await student.goto(`${stack.url}/`);
    await student.fill('#join-name', 'not a room!');
    await student.press('#join-name', 'Enter');
    assert.match((await student.textContent('#join-error')) ?? '', /room name/);
    await student.fill('#join-name', link);
    await student.press('#join-name', 'Enter');
    await student.waitForURL(link);
    await waitLive(student);
    await setNickname(student, 'ada');
    await post(student, 'Is light a wave or a particle?');

    // The host's page was already open and live: the message can only have come over the stream.
    await host.locator('.message-text', { hasText: 'Is light a wave or a particle?' }).waitFor();
    assert.equal(await host.locator('#messages li.message').count(), 1);

    // Arriving messages scroll inside the list; the frame around it does not move.
    assert.deepEqual(await host.locator('#composer').boundingBox(), frameBefore);

    await setNickname(host, 'Dr. Feynman');
    await post(host, 'Both, depending on how you look.');
    await student.locator('.message-text', { hasText: 'Both, depending on how you look.' }).waitFor();
    await post(student, 'Thanks! What about electrons?');
    await host.locator('.message-text', { hasText: 'What about electrons?' }).waitFor();

    // Each message once, in posting order, in both pages.
    for (const page of [host, student]) {
      assert.deepEqual(await page.locator('#messages .message-text').allTextContents(), [
        'Is light a wave or a particle?',
        'Both, depending on how you look.',
        'Thanks! What about electrons?',
      ]);
    }
    // The screen reader's live region announced the other person's message.
    assert.match((await student.textContent('#announcer')) ?? '', /Dr\. Feynman: Both, depending/);

    // The nickname is remembered: a reload asks for nothing.
    await student.reload();
    await waitLive(student);
    assert.equal(await student.textContent('#posting-as'), 'ada');
    assert.ok(await student.locator('#nickname-form').isHidden());

    await host.screenshot({ path: `${screenshots}room.png` });
    await student.screenshot({ path: `${screenshots}room-mobile.png` });

    const transcript = await newPage(browser, { width: 800, height: 700 });
    await transcript.goto(`${link}/transcript`);
    await transcript.locator('#transcript-messages li').nth(2).waitFor();
    assert.deepEqual(await transcript.locator('#transcript-messages .message-text').allTextContents(), [
      'Is light a wave or a particle?',
      'Both, depending on how you look.',
      'Thanks! What about electrons?',
    ]);
    await transcript.screenshot({ path: `${screenshots}transcript.png` });
    // On paper only the transcript itself is printed.
    await transcript.emulateMedia({ media: 'print' });
    assert.ok(await transcript.locator('#print').isHidden());
    assert.ok(await transcript.locator('#transcript-messages').isVisible());
    await Promise.all([host, student, transcript].map((page) => page.context().close()));
  });

  it('works with the keyboard alone', async () => {
    const page = await newPage(browser);
    await page.goto(`${stack.url}/physics-101`);
    await waitLive(page);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'skip-link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'nickname');
    await page.keyboard.type('kim');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'message-text');
    await page.keyboard.type('Typed without a mouse');
    await page.keyboard.press('Enter');
    await page.locator('.message-text', { hasText: 'Typed without a mouse' }).waitFor();
    assert.equal(await page.inputValue('#message-text'), '');
    // The scrolling list itself takes focus, so arrow keys and Page Up can scroll it.
    assert.equal(await page.getAttribute('#scroller', 'tabindex'), '0');
    await page.context().close();
  });

  it('counts messages that arrive while the tab is hidden in its title', async () => {
    const page = await newPage(browser);
    await page.goto(`${stack.url}/physics-101`);
    await waitLive(page);
    const title = await page.title();
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'visibilityState', { value, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    for (const text of ['first while away', 'second while away']) {
      assert.equal(
        (await apiPost(stack, '/api/rooms/physics-101/messages', { author: 'bo', text })).status,
        201,
      );
      await page.locator('.message-text', { hasText: text }).waitFor();
    }
    assert.equal(await page.title(), `(2) ${title}`);
    await setVisibility('visible');
    assert.equal(await page.title(), title);
    await page.context().close();
  });

  it('shows reconnecting while ekg restarts, then catches up without losing or repeating', async () => {
    assert.equal((await apiPost(stack, '/api/rooms', { name: 'restart-room' })).status, 201);
    const page = await newPage(browser);
    await page.goto(`${stack.url}/restart-room`);
    await waitLive(page);
    await setNickname(page, 'ada');
    await post(page, 'before the restart');
    // Record every state the status line goes through, however briefly.
    await page.evaluate(() => {
      const line = document.getElementById('connection')!;
      const states: string[] = [];
      (window as unknown as { connectionStates: string[] }).connectionStates = states;
      new MutationObserver(() => states.push(line.dataset.state ?? '')).observe(line, { attributes: true });
    });

    await stack.restart('ekg');
    const during = await apiPost(stack, '/api/rooms/restart-room/messages', {
      author: 'bo',
      text: 'while ekg restarted',
    });
    assert.equal(during.status, 201);
    await page.locator('.message-text', { hasText: 'while ekg restarted' }).waitFor();
    await waitLive(page);
    await post(page, 'after the restart');
    await page.locator('.message-text', { hasText: 'after the restart' }).waitFor();

    const states = await page.evaluate(
      () => (window as unknown as { connectionStates: string[] }).connectionStates,
    );
    assert.ok(states.includes('reconnecting'), `states seen: ${states.join(', ')}`);
    assert.equal(states.at(-1), 'live');
    assert.deepEqual(await page.locator('#messages .message-text').allTextContents(), [
      'before the restart',
      'while ekg restarted',
      'after the restart',
    ]);
    await page.context().close();
  });

  it('keeps posting through a rolling restart of every service without an error', async () => {
    assert.equal((await apiPost(stack, '/api/rooms', { name: 'deploy-room' })).status, 201);
    const page = await newPage(browser);
    await page.goto(`${stack.url}/deploy-room`);
    await waitLive(page);
    await setNickname(page, 'ada');
    await post(page, 'before the deploy');

    const restarted: string[] = [];
    let finished = false;
    const deploy = stack
      .restartAll((name) => restarted.push(name))
      .finally(() => {
        finished = true;
      });
    const texts: string[] = [];
    // Post the whole time the services restart (under the per-client limit of 20 in 10 s).
    for (let i = 1; i <= 15 && (i <= 3 || !finished); i++) {
      const text = `during the deploy ${i}`;
      texts.push(text);
      await post(page, text);
      assert.equal(await page.textContent('#post-error'), '', `no error shown after "${text}"`);
      await new Promise((resolve) => setTimeout(resolve, 600));
    }
    assert.ok(finished, 'the deploy finished while the page was posting');
    await deploy;
    assert.deepEqual(restarted, ['ekg', 'reflektor', 'api']);
    await waitLive(page);
    await post(page, 'after the deploy');
    assert.equal(await page.textContent('#post-error'), '');
    assert.deepEqual(await page.locator('#messages .message-text').allTextContents(), [
      'before the deploy',
      ...texts,
      'after the deploy',
    ]);
    await page.context().close();
  });

  it('shows markup in names, titles and messages as text and never runs it', async () => {
    const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    const host = await newPage(browser);
    await createRoomInPage(host, stack.url, 'xss-room', `<b>bold</b>${payload}`);
    await host.goto(`${stack.url}/xss-room`);
    await waitLive(host);
    await setNickname(host, '<i>mallory</i>');
    await post(host, payload);

    const reader = await newPage(browser);
    await reader.goto(`${stack.url}/xss-room`);
    await reader.locator('.message-text', { hasText: 'onerror' }).waitFor();
    for (const page of [host, reader]) {
      assert.equal(await page.textContent('#messages .message-text'), payload);
      assert.equal(await page.textContent('#messages .message-author'), '<i>mallory</i>');
      assert.equal(await page.textContent('#room-title'), `<b>bold</b>${payload}`);
      assert.equal(await page.locator('#messages img, #messages script, #messages i, h1 b').count(), 0);
      assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    }
    await reader.goto(`${stack.url}/xss-room/transcript`);
    await reader.locator('#transcript-messages li').first().waitFor();
    assert.equal(await reader.textContent('#transcript-messages .message-text'), payload);
    assert.equal(await reader.locator('#transcript-messages img, #transcript-messages script').count(), 0);
    assert.equal(await reader.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    await Promise.all([host, reader].map((page) => page.context().close()));
  });

  it('loads older history on scroll up, in order, keeping the reading position', async () => {
    const total = 130;
    assert.equal((await apiPost(stack, '/api/rooms', { name: 'history-room' })).status, 201);
    for (let i = 1; i <= total; i++) {
      const text = `m${String(i).padStart(3, '0')}`;
      const client = `10.1.${i >> 8}.${i & 255}`;
      let response = await apiPost(
        stack,
        '/api/rooms/history-room/messages',
        { author: 'seed', text },
        client,
      );
      // 130 posts at once are past the room's burst (100): wait as its Retry-After says.
      while (response.status === 429) {
        await response.arrayBuffer();
        await new Promise((resolve) =>
          setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000),
        );
        response = await apiPost(stack, '/api/rooms/history-room/messages', { author: 'seed', text }, client);
      }
      assert.equal(response.status, 201, await response.text());
    }

    const page = await newPage(browser, { width: 900, height: 600 });
    await page.goto(`${stack.url}/history-room`);
    await waitLive(page);
    // The newest page shows first, scrolled to the newest message at the bottom.
    await page.locator('.message-text', { hasText: 'm130' }).waitFor();
    assert.ok(await page.locator('.message-text', { hasText: 'm130' }).isVisible());
    const firstCount = await page.locator('#messages li.message').count();
    assert.ok(firstCount < total, `the first page holds only part of the room (${firstCount})`);

    // Scroll to the top: the message that was first stays where it was on screen.
    const firstId = await page.locator('#messages li.message').first().getAttribute('data-id');
    const anchor = page.locator(`#messages li.message[data-id="${firstId}"]`);
    // Scroll and measure in one task, before the older page can arrive.
    const topBefore = await page.evaluate((id) => {
      document.getElementById('scroller')!.scrollTop = 0;
      return document.querySelector(`#messages li.message[data-id="${id}"]`)!.getBoundingClientRect().y;
    }, firstId);
    await page.waitForFunction(
      (n) => document.querySelectorAll('#messages li.message').length > n,
      firstCount,
    );
    const topAfter = (await anchor.boundingBox())!.y;
    assert.ok(Math.abs(topAfter - topBefore) < 2, `the reading position moved by ${topAfter - topBefore}px`);

    // Keep scrolling up until the start of the room shows.
    const deadline = Date.now() + 60_000;
    while (!(await page.locator('#history-start').isVisible())) {
      assert.ok(Date.now() < deadline, 'the start of the room never showed');
      await page.evaluate(() => {
        document.getElementById('scroller')!.scrollTop = 0;
      });
      await page.waitForTimeout(100);
    }
    const texts = await page.locator('#messages .message-text').allTextContents();
    assert.deepEqual(
      texts,
      Array.from({ length: total }, (_, i) => `m${String(i + 1).padStart(3, '0')}`),
    );

    // Scrolled away from the bottom, a new message raises the pill instead of moving the view.
    const scrollTopBefore = await page.evaluate(() => document.getElementById('scroller')!.scrollTop);
    assert.equal(
      (await apiPost(stack, '/api/rooms/history-room/messages', { author: 'seed', text: 'fresh' })).status,
      201,
    );
    await page.locator('#new-pill').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => document.getElementById('scroller')!.scrollTop), scrollTopBefore);
    await page.click('#new-pill');
    await page.locator('#new-pill').waitFor({ state: 'hidden' });
    assert.ok(await page.locator('.message-text', { hasText: 'fresh' }).isVisible());
    await page.context().close();
  });
});
