// Debian's Chromium driven by playwright-core, with the flags this machine's closed network
// needs (no background networking, no component updates) and a fresh profile per page.
import { type Browser, chromium, type Page } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser profile: its own localStorage and cookies, so owner and audience differ. */
export async function newPage(browser: Browser, viewport = { width: 1100, height: 760 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(45_000);
  return page;
}
