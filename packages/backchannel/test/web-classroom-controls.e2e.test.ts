// The host's controls over people in Chromium against the whole stack, with a host page and a
// student page: slow mode (shown to everyone; a refused post keeps its text and counts down),
// mute, remove all from one participant, an undoable delete, and the page's controls and
// colours (44 × 44 px targets, dark scheme).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from './chromium.js';
import { createRoom, openRoom, post } from './room-page.js';
import { startTestStack, type TestStack } from './test-stack.js';

describe('web: the host controls people, not just messages', () => {
  let stack: TestStack;
  let browser: Browser;
  let host: Page;
  let student: Page;
  let roomUrl: string;

  before(async () => {
    stack = await startTestStack();
    browser = await launchChromium();
    host = await newPage(browser, { width: 1000, height: 700 });
    roomUrl = await createRoom(host, stack.url, 'class-7b');
    await openRoom(host, roomUrl, 'teacher');
    student = await newPage(browser, { width: 390, height: 844 });
    await openRoom(student, roomUrl, 'sam');
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('slow mode is shown to everyone; a refused post keeps its text and counts down', async () => {
    await host.selectOption('#slow-mode-select', '30');
    await student.locator('#slow-mode-note', { hasText: 'one message every 30 seconds' }).waitFor();
    assert.match((await student.textContent('#announcer')) ?? '', /slow mode: one message every 30 seconds/);
    await host.locator('#slow-mode-note', { hasText: '30 seconds' }).waitFor();

    await post(student, 'my answer is 42');
    await student.fill('#message-text', 'and another thought');
    await student.press('#message-text', 'Enter');
    await student.locator('#post-error', { hasText: 'Slow mode is on' }).waitFor();
    assert.match(
      (await student.textContent('#post-error')) ?? '',
      /Your message is kept: you can send it in \d+ seconds/,
    );
    assert.equal(await student.inputValue('#message-text'), 'and another thought');
    assert.ok(await student.locator('#send').isDisabled());
    const first = Number(/in (\d+) s/.exec((await student.textContent('#post-wait')) ?? '')?.[1]);
    assert.ok(first >= 25 && first <= 30, `countdown starts at ${first}`);
    await student.waitForTimeout(2100);
    const later = Number(/in (\d+) s/.exec((await student.textContent('#post-wait')) ?? '')?.[1]);
    assert.ok(later <= first - 2, `countdown ${first} → ${later}`);
    // The post-error is an alert: a screen reader hears the reason and the wait once.
    assert.equal(await student.getAttribute('#post-error', 'role'), 'alert');

    await host.selectOption('#slow-mode-select', '0');
    await student.locator('#slow-mode-note').waitFor({ state: 'hidden' });
  });

  it('the countdown ends, Send comes back and the kept text can be sent', async () => {
    // A short slow mode so the whole countdown runs.
    await host.selectOption('#slow-mode-select', '10');
    await student.locator('#slow-mode-note', { hasText: '10 seconds' }).waitFor();
    await student.locator('#send:enabled').waitFor({ timeout: 40_000 });
    await post(student, 'and another thought');
    await student.fill('#message-text', 'too quick');
    await student.press('#message-text', 'Enter');
    await student.locator('#post-wait').waitFor({ state: 'visible' });
    await student.locator('#post-wait').waitFor({ state: 'hidden', timeout: 15_000 });
    assert.ok(await student.locator('#send').isEnabled());
    assert.match((await student.textContent('#announcer')) ?? '', /You can send your message now/);
    await student.press('#message-text', 'Enter');
    await student.locator('#messages .message-text', { hasText: 'too quick' }).waitFor();
    await host.selectOption('#slow-mode-select', '0');
    await student.locator('#slow-mode-note').waitFor({ state: 'hidden' });
  });

  it('mute: the student is told, keeps the text, and can post again once unmuted', async () => {
    const message = host.locator('#messages li.message', { hasText: 'my answer is 42' });
    await message.getByRole('button', { name: 'Mute sam, who wrote “my answer is 42”' }).click();
    await host.locator('#owner-status', { hasText: 'Muted sam' }).waitFor();
    await student.fill('#message-text', 'hello? anyone?');
    await student.press('#message-text', 'Enter');
    await student.locator('#post-error', { hasText: 'muted you' }).waitFor();
    assert.equal(await student.inputValue('#message-text'), 'hello? anyone?');
    assert.equal(await host.locator('.message-text', { hasText: 'hello? anyone?' }).count(), 0);

    await message.getByRole('button', { name: 'Unmute sam, who wrote “my answer is 42”' }).click();
    await host.locator('#owner-status', { hasText: 'sam can post again' }).waitFor();
    await student.press('#message-text', 'Enter');
    await host.locator('.message-text', { hasText: 'hello? anyone?' }).waitFor();
  });

  it('a delete can be undone for a few seconds; then it reaches every page', async () => {
    await post(student, 'oops, wrong room');
    await host.locator('.message-text', { hasText: 'oops, wrong room' }).waitFor();
    const item = host.locator('#messages li.message', { hasText: 'oops, wrong room' });
    await item.getByRole('button', { name: 'Delete message from sam: “oops, wrong room”' }).click();
    await host.locator('#undo-bar').waitFor({ state: 'visible' });
    assert.ok(await item.isHidden());
    await host.click('#undo-delete');
    assert.ok(await item.isVisible());
    await host.waitForTimeout(6000);
    assert.equal(
      await student.locator('.message-text', { hasText: 'oops, wrong room' }).count(),
      1,
      'undone: never sent',
    );

    await item.getByRole('button', { name: 'Delete message from sam: “oops, wrong room”' }).click();
    await student
      .locator('.message-text', { hasText: 'oops, wrong room' })
      .waitFor({ state: 'detached', timeout: 15_000 });
    await item.waitFor({ state: 'detached' });
  });

  it('remove all from one participant reaches every page and the transcript; others stay', async () => {
    const other = await newPage(browser, { width: 390, height: 844 });
    await openRoom(other, roomUrl, 'kim');
    await post(other, 'kim asks a real question');
    for (const text of ['spam 1', 'spam 2', 'spam 3']) await post(student, text);
    await host.locator('.message-text', { hasText: 'spam 3' }).waitFor();

    host.once('dialog', (dialog) => void dialog.accept());
    await host
      .locator('#messages li.message', { hasText: 'spam 2' })
      .getByRole('button', { name: 'Remove all messages from sam, who wrote “spam 2”' })
      .click();
    await host.locator('#owner-status', { hasText: /Removed \d+ messages from sam/ }).waitFor();
    for (const page of [host, student, other]) {
      await page.locator('.message-text', { hasText: 'spam 1' }).waitFor({ state: 'detached' });
      await page.locator('.message-text', { hasText: 'kim asks a real question' }).waitFor();
      assert.equal(await page.locator('.message-text', { hasText: /spam|my answer|hello\?/ }).count(), 0);
    }
    const transcript = await (await fetch(`${stack.url}/api/rooms/class-7b/transcript.txt`)).text();
    assert.doesNotMatch(transcript, /spam|my answer is 42/);
    assert.match(transcript, /kim asks a real question/);
    await other.context().close();
  });

  it('every control is at least 44 × 44 px, and the page follows a dark colour scheme', async () => {
    await post(student, 'still here after all that');
    await host.locator('.message-text', { hasText: 'still here after all that' }).waitFor();
    for (const page of [host, student]) {
      const small = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLElement>('button, a[href], select, input'))
          .filter(
            (element) => element.offsetParent !== null && !element.closest('.visually-hidden, .skip-link'),
          )
          .map((element) => ({
            what: element.id || element.textContent?.trim() || element.tagName,
            box: element.getBoundingClientRect(),
          }))
          .filter(({ box }) => box.width < 44 || box.height < 44)
          .map(({ what, box }) => `${what} ${Math.round(box.width)}×${Math.round(box.height)}`),
      );
      assert.deepEqual(small, [], `controls under 44 px: ${small.join(', ')}`);
    }

    const dark = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    const page = await dark.newPage();
    await page.goto(roomUrl);
    await page.locator('.message-text', { hasText: 'still here after all that' }).waitFor();
    const colours = await page.evaluate(() => {
      const luminance = (css: string) => {
        const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map((part) => {
          const c = Number(part) / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const contrast = (a: string, b: string) => {
        const [x, y] = [luminance(a), luminance(b)].sort((m, n) => n - m);
        return (x + 0.05) / (y + 0.05);
      };
      const body = getComputedStyle(document.body);
      const message = document.querySelector<HTMLElement>('.message')!;
      const meta = getComputedStyle(document.querySelector<HTMLElement>('.message-meta')!);
      return {
        bodyLuminance: luminance(body.backgroundColor),
        text: contrast(getComputedStyle(message).color, getComputedStyle(message).backgroundColor),
        muted: contrast(meta.color, getComputedStyle(message).backgroundColor),
      };
    });
    assert.ok(colours.bodyLuminance < 0.05, `dark background, luminance ${colours.bodyLuminance}`);
    assert.ok(colours.text >= 4.5, `text contrast ${colours.text}`);
    assert.ok(colours.muted >= 4.5, `secondary text contrast ${colours.muted}`);
    await dark.close();
  });
});
