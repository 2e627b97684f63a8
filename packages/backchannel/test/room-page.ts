// What a person does on the room page, for the browser tests: open a room and pick a nickname,
// post a message, create a room from the home page.
import type { Page } from 'playwright-core';

/** Opens the room at `url`, waits until it is live, and saves `nickname`. */
export async function openRoom(page: Page, url: string, nickname: string): Promise<void> {
  await page.goto(url);
  await page.locator('#connection[data-state="live"]').waitFor();
  await page.fill('#nickname', nickname);
  await page.press('#nickname', 'Enter');
  await page.locator('#posting-as-line').waitFor({ state: 'visible' });
}

/** Sends `text` with Enter and waits until the page shows it. */
export async function post(page: Page, text: string): Promise<void> {
  await page.fill('#message-text', text);
  await page.press('#message-text', 'Enter');
  await page.locator('#messages .message-text', { hasText: text }).waitFor();
}

/** Creates the room `name` on the home page at `base` and returns its share link. */
export async function createRoom(page: Page, base: string, name: string): Promise<string> {
  await page.goto(`${base}/`);
  await page.fill('#room-name', name);
  await page.click('#create-submit');
  await page.locator('#share').waitFor({ state: 'visible' });
  return page.inputValue('#share-link');
}
