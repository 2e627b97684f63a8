// The status page in Chromium against the whole stack: it draws its charts, and as messages are
// posted and a stream opens, the post-latency series grows and the connection count changes,
// without a reload. Beyond loopback it asks for the status token instead.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from './chromium.js';
import { SseReader, startTestStack, type TestStack } from './test-stack.js';

// `UPDATE_SCREENSHOTS=1 npm run test:e2e` refreshes docs/screenshots/; otherwise a temporary folder.
const screenshots = process.env.UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url))
  : `${mkdtempSync(join(tmpdir(), 'backchannel-screenshots-'))}/`;

/** A post as one audience member beyond the machine would send it (the origin vouches for the address). */
function postAs(stack: TestStack, room: string, text: string, client: string): Promise<Response> {
  return fetch(`${stack.url}/api/rooms/${room}/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': client,
      origin: stack.config.publicUrl,
    },
    body: JSON.stringify({ author: `guest ${client}`, text }),
  });
}

async function chartPoints(page: Page, chart: string): Promise<number> {
  return Number((await page.getAttribute(`figure[data-chart="${chart}"]`, 'data-points')) ?? '0');
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('web: the status page', () => {
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

  it('draws the charts and follows 200 posts and a new stream live, without a reload', async () => {
    const page = await newPage(browser, { width: 1280, height: 1500 });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${stack.url}/status`);
    await page.locator('#live[data-state="live"]').waitFor();
    await page.locator('figure[data-chart="api-latency"] canvas').waitFor();
    assert.ok((await page.locator('figure.status-chart canvas').count()) >= 10);
    assert.equal(await page.inputValue('#quantile'), 'p90');
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    const pointsBefore = await chartPoints(page, 'api-latency');
    const connectionsText = page.locator('figure[data-chart="ekg-connections"] .status-now');
    assert.match((await connectionsText.textContent()) ?? '', /SSE: 0 open/);

    const created = await fetch(`${stack.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.config.publicUrl },
      body: JSON.stringify({ name: 'status-e2e', title: 'Status e2e' }),
    });
    assert.equal(created.status, 201);
    const listener = new SseReader(`${stack.url}/rooms/status-e2e/events`);
    await listener.opened;
    try {
      // Spread over about ten seconds, as a class posting would be, so the charts show a stretch.
      for (let i = 0; i < 200; i++) {
        if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 1000));
        const response = await postAs(stack, 'status-e2e', `message ${i}`, `198.51.100.${(i % 200) + 1}`);
        assert.equal(response.status, 201, await response.text());
      }
      await listener.waitFor((event) => event.id === '200', 15_000);
      await waitUntil(
        'the post latency chart has new points',
        async () => (await chartPoints(page, 'api-latency')) > pointsBefore,
      );
      await waitUntil('the connection count shows the open stream', async () =>
        /SSE: 1 open/.test((await connectionsText.textContent()) ?? ''),
      );
      await waitUntil(
        'the end-to-end chart has points',
        async () => (await chartPoints(page, 'end-to-end')) > 0,
      );
      const postLine =
        (await page.locator('figure[data-chart="api-latency"] .status-now').textContent()) ?? '';
      assert.match(postLine, /post a message: \d/);
      assert.deepEqual(navigations, [], 'the page updated without a reload');
      assert.deepEqual(errors, []);
      // Hovering a chart shows the values of the second under the pointer in its legend.
      const over = page.locator('figure[data-chart="api-requests"] .u-over');
      const box = await over.boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
      const legend = page.locator('figure[data-chart="api-requests"] .u-legend');
      await waitUntil('the legend shows the hovered second', async () =>
        /Time\s*\d.*requests\s*\d+ \/s/.test((await legend.textContent()) ?? ''),
      );
      await page.mouse.move(0, 0);
      await page.screenshot({ path: `${screenshots}status.png` });
    } finally {
      listener.close();
    }
  });

  it('is readable on a phone in dark mode', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
      deviceScaleFactor: 2,
    });
    const page = await context.newPage();
    await page.goto(`${stack.url}/status`);
    await page.locator('figure[data-chart="api-latency"] canvas').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling (page is ${width} px wide)`);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(15, 17, 21)');
    await page.screenshot({ path: `${screenshots}status-phone-dark.png` });
    await context.close();
  });

  it('asks a browser beyond this machine for the status token, and lets it in once signed in', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.9' } });
    const page = await context.newPage();
    await page.goto(`${stack.url}/status`);
    await page.locator('#login').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#dashboard').isVisible(), false);
    await page.fill('#token', 'not-the-token');
    await page.click('#login button[type="submit"]');
    await page.locator('#login-wrong').waitFor({ state: 'visible' });
    await page.fill('#token', stack.statusToken.token);
    await page.click('#login button[type="submit"]');
    await page.locator('figure[data-chart="api-latency"] canvas').waitFor();
    await page.locator('#live[data-state="live"]').waitFor();
    await context.close();
  });
});
