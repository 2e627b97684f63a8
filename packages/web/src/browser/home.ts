// Home page: create a room (name suggestion, lifetime, share link) or join one.
import { ApiError, createRoom } from './api.js';
import { isRoomName, roomFromInput, suggestRoomName } from './room-name.js';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const createForm = byId<HTMLFormElement>('create-form');
const nameInput = byId<HTMLInputElement>('room-name');
const titleInput = byId<HTMLInputElement>('room-title');
const lifetimeSelect = byId<HTMLSelectElement>('room-lifetime');
const createError = byId<HTMLParagraphElement>('create-error');
const createSubmit = byId<HTMLButtonElement>('create-submit');
const share = byId<HTMLDivElement>('share');
const shareLink = byId<HTMLInputElement>('share-link');
const copyButton = byId<HTMLButtonElement>('copy-link');
const copyStatus = byId<HTMLParagraphElement>('copy-status');
const openRoom = byId<HTMLAnchorElement>('open-room');
const joinForm = byId<HTMLFormElement>('join-form');
const joinInput = byId<HTMLInputElement>('join-name');
const joinError = byId<HTMLParagraphElement>('join-error');

nameInput.value = suggestRoomName();

byId<HTMLButtonElement>('suggest-name').addEventListener('click', () => {
  nameInput.value = suggestRoomName();
  nameInput.focus();
});

nameInput.addEventListener('input', () => {
  const lower = nameInput.value.toLowerCase().replace(/\s+/g, '-');
  if (lower !== nameInput.value) nameInput.value = lower;
});

function showError(target: HTMLElement, input: HTMLInputElement | null, message: string): void {
  target.textContent = message;
  if (input !== null) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

createForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  createError.textContent = '';
  nameInput.removeAttribute('aria-invalid');
  const name = nameInput.value.trim();
  if (!isRoomName(name)) {
    showError(createError, nameInput, 'Use 3–64 lowercase letters, digits or hyphens for the room name.');
    return;
  }
  createSubmit.disabled = true;
  try {
    const created = await createRoom(name, titleInput.value.trim(), lifetimeSelect.value);
    const room = created.room.name || name;
    // The api's public URL is the one the audience can reach (this page may be on localhost).
    const link = created.room.url || new URL(`/${encodeURIComponent(room)}`, location.origin).href;
    shareLink.value = link;
    openRoom.href = link;
    copyStatus.textContent = '';
    createForm.hidden = true;
    share.hidden = false;
    share.focus();
  } catch (error) {
    const message = error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
    const aboutName = error instanceof ApiError && (error.status === 409 || error.code.includes('name'));
    showError(createError, aboutName ? nameInput : null, message);
  } finally {
    createSubmit.disabled = false;
  }
});

copyButton.addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(shareLink.value);
    copyStatus.textContent = 'Link copied.';
  } catch {
    shareLink.select();
    copyStatus.textContent = 'Select the link and copy it (Ctrl+C or ⌘C).';
  }
});

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  joinError.textContent = '';
  joinInput.removeAttribute('aria-invalid');
  const room = roomFromInput(joinInput.value);
  if (room === null) {
    showError(joinError, joinInput, 'Enter a room name such as physics-101, or paste the room link.');
    return;
  }
  location.assign(`/${encodeURIComponent(room)}`);
});
