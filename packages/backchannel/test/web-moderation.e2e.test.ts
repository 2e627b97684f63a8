// The owner's controls in Chromium against the whole stack: a deleted message disappears in
// every page, pause and close show banners everywhere, and nobody else gets the controls.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from './chromium.js';
import { createRoom, openRoom, post } from './room-page.js';
import { startTestStack, type TestStack } from './test-stack.js';

describe('web: the owner moderates', () => {
  let stack: TestStack;
  let browser: Browser;
  let owner: Page;
  let audience: Page;
  let roomUrl: string;

  before(async () => {
    stack = await startTestStack();
    browser = await launchChromium();
    owner = await newPage(browser, { width: 1000, height: 700 });
    roomUrl = await createRoom(owner, stack.url, 'moderated-room');
    await openRoom(owner, roomUrl, 'host');
    audience = await newPage(browser, { width: 1000, height: 700 });
    await openRoom(audience, roomUrl, 'bob');
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('deletes a message and it disappears from the other page', async () => {
    await post(audience, 'spam spam spam');
    await post(audience, 'a real question');
    await owner.locator('.message-text', { hasText: 'spam spam spam' }).waitFor();
    await owner.locator('.message-text', { hasText: 'a real question' }).waitFor();

    const spam = owner.locator('#messages li.message', { hasText: 'spam spam spam' });
    await spam.getByRole('button', { name: 'Delete message from bob: “spam spam spam”' }).click();
    await spam.waitFor({ state: 'detached' });
    await audience.locator('.message-text', { hasText: 'spam spam spam' }).waitFor({ state: 'detached' });
    assert.deepEqual(await audience.locator('#messages .message-text').allTextContents(), [
      'a real question',
    ]);

    // It stays gone for a newcomer too.
    const late = await newPage(browser, { width: 1000, height: 700 });
    await late.goto(roomUrl);
    await late.locator('.message-text', { hasText: 'a real question' }).waitFor();
    assert.equal(await late.locator('.message-text', { hasText: 'spam spam spam' }).count(), 0);
    await late.context().close();
  });

  it('shows no controls to the audience, and the api refuses them', async () => {
    assert.ok(await audience.locator('#owner-controls').isHidden());
    assert.equal(await audience.locator('button.message-delete').count(), 0);
    assert.ok((await owner.locator('button.message-delete').count()) > 0);

    const refused = await audience.evaluate(async () => {
      const statusOf = async (path: string, init: RequestInit) => (await fetch(path, init)).status;
      const id = document.querySelector<HTMLElement>('#messages li.message')!.dataset.id;
      return {
        pause: await statusOf('/api/rooms/moderated-room/pause', { method: 'POST' }),
        close: await statusOf('/api/rooms/moderated-room/close', { method: 'POST' }),
        delete: await statusOf(`/api/rooms/moderated-room/messages/${id}`, { method: 'DELETE' }),
        wrongToken: await statusOf('/api/rooms/moderated-room/pause', {
          method: 'POST',
          headers: { Authorization: 'Bearer bco_not-the-owner' },
        }),
      };
    });
    assert.deepEqual(refused, { pause: 401, close: 401, delete: 401, wrongToken: 403 });
    await audience.locator('.message-text', { hasText: 'a real question' }).waitFor();
  });

  it('pauses, resumes and closes the room, with a banner in every page', async () => {
    await owner.click('#pause-room');
    await audience.locator('#banner[data-status="paused"]').waitFor();
    assert.match((await audience.textContent('#banner')) ?? '', /paused/);
    assert.ok(await audience.locator('#message-text').isDisabled());
    assert.ok(await owner.locator('#resume-room').isVisible());

    await owner.click('#resume-room');
    await audience.locator('#banner').waitFor({ state: 'hidden' });
    assert.ok(await audience.locator('#message-text').isEnabled());
    await post(audience, 'back again');

    owner.once('dialog', (dialog) => void dialog.accept());
    await owner.click('#close-room');
    await audience.locator('#banner[data-status="closed"]').waitFor();
    assert.match((await audience.textContent('#banner')) ?? '', /closed/);
    assert.ok(await audience.locator('#message-text').isDisabled());
    await owner.locator('#banner[data-status="closed"]').waitFor();

    // The api agrees: posting to the closed room is refused.
    const status = await audience.evaluate(
      async () =>
        (
          await fetch('/api/rooms/moderated-room/messages', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ author: 'bob', text: 'still here?' }),
          })
        ).status,
    );
    assert.equal(status, 410);
  });
});
