// A classroom in real Chromium: ten browser profiles (ten cookie jars) from one address, each
// student typing and sending a message every 3 s through the page, with the default limits.
// The system test (classroom.test.ts) does the same with 40 HTTP clients for a minute.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from './chromium.js';
import { startTestStack, type TestStack } from './test-stack.js';

const STUDENTS = 10;
const ROUNDS = 6;

describe('web: a classroom behind one address', () => {
  let stack: TestStack;
  let browser: Browser;
  let teacher: Page;
  const students: Page[] = [];

  before(async () => {
    stack = await startTestStack();
    browser = await launchChromium();
    teacher = await newPage(browser, { width: 1000, height: 700 });
    await teacher.goto(`${stack.url}/`);
    await teacher.fill('#room-name', 'room-12');
    await teacher.click('#create-submit');
    await teacher.locator('#share').waitFor({ state: 'visible' });
    const link = await teacher.inputValue('#share-link');
    await teacher.goto(link);
    await teacher.locator('#connection[data-state="live"]').waitFor();
    for (let i = 0; i < STUDENTS; i++) {
      const page = await newPage(browser, { width: 390, height: 700 });
      await page.goto(link);
      await page.locator('#connection[data-state="live"]').waitFor();
      await page.fill('#nickname', `student ${i + 1}`);
      await page.press('#nickname', 'Enter');
      await page.locator('#posting-as-line').waitFor({ state: 'visible' });
      students.push(page);
    }
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('every student gets their own participant cookie, and nobody is refused', async () => {
    const ids = new Set<string>();
    for (const page of students) {
      const cookie = (await page.context().cookies()).find((c) => c.name === 'bc_participant');
      assert.ok(cookie, 'a participant cookie');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      ids.add(cookie.value);
    }
    assert.equal(ids.size, STUDENTS);

    for (let round = 1; round <= ROUNDS; round++) {
      const started = Date.now();
      // All at once, as when the teacher asks a question.
      await Promise.all(
        students.map(async (page, i) => {
          await page.fill('#message-text', `answer ${round} from ${i + 1}`);
          await page.press('#message-text', 'Enter');
        }),
      );
      await Promise.all(
        students.map((page, i) =>
          page
            .locator('#messages .message-text', { hasText: new RegExp(`^answer ${round} from ${i + 1}$`) })
            .waitFor(),
        ),
      );
      for (const page of students) assert.equal(await page.textContent('#post-error'), '');
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3000 - (Date.now() - started))));
    }
    await teacher
      .locator('#messages .message-text', { hasText: new RegExp(`^answer ${ROUNDS} from ${STUDENTS}$`) })
      .waitFor();
    assert.equal(await teacher.locator('#messages li.message').count(), STUDENTS * ROUNDS);
  });
});
