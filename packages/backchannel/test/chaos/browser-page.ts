// One real Chromium page in the room, posting through its composer like a person and watching
// for anything a person would see go wrong: an error under the message box, a page error.
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from '../chromium.js';
import { openRoom } from '../room-page.js';

/** What the composer may say while it retries on its own: not an error to the person. */
const stillSending = /^Still sending/;

export class BrowserPage {
  readonly errorsShown: string[] = [];
  readonly pageErrors: string[] = [];
  readonly posted: string[] = [];
  #browser: Browser | undefined;
  #page: Page | undefined;
  #running = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(
    readonly url: string,
    readonly room: string,
  ) {}

  async open(): Promise<void> {
    this.#browser = await launchChromium();
    const page = await newPage(this.#browser);
    this.#page = page;
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
    // The error line is watched from inside the page, so a message shown for a moment counts.
    await page.exposeFunction('chaosErrorShown', (text: string) => {
      if (text !== '' && !stillSending.test(text)) this.errorsShown.push(text);
    });
    await page.addInitScript(() => {
      document.addEventListener('DOMContentLoaded', () => {
        const line = document.getElementById('post-error');
        if (!line) return;
        const report = (window as unknown as { chaosErrorShown: (t: string) => void }).chaosErrorShown;
        new MutationObserver(() => report(line.textContent ?? '')).observe(line, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
    });
    await openRoom(page, `${this.url}/${this.room}`, 'chromium');
  }

  /** Types and sends a message every `intervalMs`, waiting for the box to clear (sent). */
  start(intervalMs: number): void {
    const page = this.#page;
    if (!page) throw new Error('open() first');
    this.#running = true;
    this.#loop = (async () => {
      for (let i = 0; this.#running; i++) {
        try {
          await this.#postOne(page, `chromium #${i}`);
        } catch (error) {
          if (this.#running) this.pageErrors.push(`driving the page failed: ${String(error)}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
  }

  async #postOne(page: Page, text: string): Promise<void> {
    await page.fill('#message-text', text);
    await page.press('#message-text', 'Enter');
    // Sent when the box empties; a refusal leaves the text and shows an error (recorded).
    await page
      .waitForFunction(
        () =>
          (document.getElementById('message-text') as HTMLInputElement).value === '' ||
          ((document.getElementById('post-error')?.textContent ?? '') !== '' &&
            !/^Still sending/.test(document.getElementById('post-error')?.textContent ?? '')),
        undefined,
        { timeout: 90_000, polling: 100 },
      )
      .catch(() => this.errorsShown.push(`"${text}" was still sending after 90 s`));
    if ((await page.inputValue('#message-text')) === '') this.posted.push(text);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** The texts of the messages the page shows, top to bottom. */
  async shownTexts(): Promise<string[]> {
    return this.#page ? this.#page.locator('#messages li.message .message-text').allTextContents() : [];
  }

  /** The ids (seqs) of the messages the page shows, top to bottom. */
  async shownIds(): Promise<string[]> {
    return this.#page
      ? this.#page.$$eval('#messages li.message', (items) =>
          items.map((item) => (item as HTMLElement).dataset.id ?? ''),
        )
      : [];
  }

  async close(): Promise<void> {
    this.#running = false;
    await this.#browser?.close();
  }
}
