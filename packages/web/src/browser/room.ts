// Room page: history with infinite scroll upward, live messages, posting, and the owner's controls.
import {
  ApiError,
  deleteMessage,
  eventsAfter,
  getRoom,
  type Message,
  messageOfEvent,
  moderateRoom,
  muteAuthor,
  olderMessages,
  type Room,
  type RoomEvent,
  type RoomStatus,
  removeAuthorMessages,
  setSlowMode,
} from './api.js';
import { type FeedStatus, LiveFeed } from './live-feed.js';
import { type ActedOn, type MessageAction, MessageList } from './message-list.js';
import { maxNicknameLength, savedNickname, saveNickname } from './nickname.js';
import { roomFromLocation, roomPagePath } from './room-name.js';
import { sendMessage } from './send-message.js';

const pageSize = 50;
/** Messages kept in the screen reader's live region; older announcements are dropped. */
const announcementsKept = 5;

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const ui = {
  title: byId<HTMLHeadingElement>('room-title'),
  name: byId<HTMLParagraphElement>('room-name'),
  connection: byId<HTMLParagraphElement>('connection'),
  connectionText: byId<HTMLSpanElement>('connection-text'),
  transcriptLink: byId<HTMLAnchorElement>('transcript-link'),
  ownerControls: byId<HTMLDivElement>('owner-controls'),
  pause: byId<HTMLButtonElement>('pause-room'),
  resume: byId<HTMLButtonElement>('resume-room'),
  close: byId<HTMLButtonElement>('close-room'),
  banner: byId<HTMLDivElement>('banner'),
  scroller: byId<HTMLDivElement>('scroller'),
  messages: byId<HTMLOListElement>('messages'),
  loadOlder: byId<HTMLButtonElement>('load-older'),
  historyStart: byId<HTMLParagraphElement>('history-start'),
  empty: byId<HTMLParagraphElement>('empty'),
  newPill: byId<HTMLButtonElement>('new-pill'),
  announcer: byId<HTMLDivElement>('announcer'),
  nicknameForm: byId<HTMLFormElement>('nickname-form'),
  nickname: byId<HTMLInputElement>('nickname'),
  postForm: byId<HTMLFormElement>('post-form'),
  postingAsLine: byId<HTMLParagraphElement>('posting-as-line'),
  postingAs: byId<HTMLElement>('posting-as'),
  changeNickname: byId<HTMLButtonElement>('change-nickname'),
  text: byId<HTMLInputElement>('message-text'),
  send: byId<HTMLButtonElement>('send'),
  postError: byId<HTMLParagraphElement>('post-error'),
  composer: byId<HTMLElement>('composer'),
  nicknameError: byId<HTMLParagraphElement>('nickname-error'),
  skipLink: byId<HTMLAnchorElement>('skip-link'),
  ownerError: byId<HTMLParagraphElement>('owner-error'),
  ownerStatus: byId<HTMLParagraphElement>('owner-status'),
  slowModeSelect: byId<HTMLSelectElement>('slow-mode-select'),
  slowModeNote: byId<HTMLParagraphElement>('slow-mode-note'),
  postWait: byId<HTMLParagraphElement>('post-wait'),
  undoBar: byId<HTMLDivElement>('undo-bar'),
  undoText: byId<HTMLParagraphElement>('undo-text'),
  undoDelete: byId<HTMLButtonElement>('undo-delete'),
};

const roomName = roomFromLocation(location);
let status: RoomStatus | 'missing' = 'open';
let isOwner = false;
let olderCursor: string | null = null;
let loadingOlder = false;
let sending = false;
let nickname = savedNickname();

const list = new MessageList(ui.scroller, ui.messages, (action, message, button) =>
  onMessageAction(action, message, button),
);
/** How long a delete can be undone before it is sent, ms. */
const undoForMs = 5000;

// The message list scrolls on its own, so keyboard users must be able to focus it (WCAG 2.1.1).
ui.scroller.tabIndex = 0;
ui.name.textContent = `/${roomName}`;
ui.transcriptLink.href = `${roomPagePath(roomName)}/transcript`;

// ---- room status and owner controls ----

const bannerText: Record<RoomStatus | 'missing', string> = {
  open: '',
  paused: 'The host has paused this room. New messages are off for now.',
  closed: 'This room is closed. You can still read it and its transcript.',
  expired: 'This room has expired. You can still read its transcript until it is removed.',
  missing: 'There is no room with this name. Check the link, or create a room on the home page.',
};

function setStatus(next: RoomStatus | 'missing'): void {
  status = next;
  ui.banner.dataset.status = next;
  ui.banner.textContent = bannerText[next];
  ui.banner.hidden = next === 'open';
  const canPost = next === 'open';
  ui.text.disabled = !canPost;
  ui.send.disabled = !canPost || waitTimer !== undefined;
  ui.text.placeholder = canPost ? 'Write a message…' : 'Posting is off in this room';
  ui.composer.hidden = next === 'missing';
  ui.pause.hidden = next !== 'open';
  ui.resume.hidden = next !== 'paused';
  ui.close.hidden = next === 'closed' || next === 'expired' || next === 'missing';
  // A closed or expired room has nothing left to pause or close; its messages keep their Delete buttons.
  ui.ownerControls.hidden = !isOwner || (next !== 'open' && next !== 'paused');
}

function isRoomStatus(value: unknown): value is RoomStatus {
  return value === 'open' || value === 'paused' || value === 'closed' || value === 'expired';
}

const expiryFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function setTitle(room: Room): void {
  const title = room.title || room.name;
  ui.title.textContent = title;
  baseTitle = `${title} · backchannel`;
  showUnseenInTitle();
  const expires = new Date(room.expiresAt);
  if (room.status !== 'expired' && !Number.isNaN(expires.getTime())) {
    ui.name.textContent = `/${room.name} · kept until ${expiryFormat.format(expires)}`;
  }
}

function setOwner(owner: boolean): void {
  isOwner = owner;
  list.setCanModerate(owner);
  ui.ownerControls.hidden = !owner || (status !== 'open' && status !== 'paused');
}

async function moderate(action: 'pause' | 'resume' | 'close', button: HTMLButtonElement): Promise<void> {
  if (action === 'close' && !confirm('Close this room for good? Nobody will be able to post again.')) return;
  button.disabled = true;
  ui.ownerError.textContent = '';
  try {
    await moderateRoom(roomName, action);
    setStatus(action === 'pause' ? 'paused' : action === 'resume' ? 'open' : 'closed');
    (action === 'pause' ? ui.resume : action === 'resume' ? ui.pause : ui.scroller).focus();
  } catch (error) {
    showOwnerError(error);
  } finally {
    button.disabled = false;
  }
}

ui.pause.addEventListener('click', () => void moderate('pause', ui.pause));
ui.resume.addEventListener('click', () => void moderate('resume', ui.resume));
ui.close.addEventListener('click', () => void moderate('close', ui.close));

// ---- the host's controls on messages and people ----

interface PendingDelete {
  message: ActedOn;
  timer: number;
}

/** Deletes the host pressed that can still be undone, by message id. */
const pendingDeletes = new Map<string, PendingDelete>();
/** The delete the Undo button takes back. */
let undoable: string | null = null;

function onMessageAction(action: MessageAction, message: ActedOn, button: HTMLButtonElement): void {
  ui.ownerError.textContent = '';
  if (action === 'delete') scheduleDelete(message);
  else if (action === 'remove-all') void removeAll(message, button);
  else void setMuted(message, action === 'mute', button);
}

/** Hides the message at once and sends the delete after a few seconds, unless it is undone. */
function scheduleDelete(message: ActedOn): void {
  if (pendingDeletes.has(message.id) || !list.hide(message.id)) return;
  const timer = window.setTimeout(() => void sendDelete(message.id), undoForMs);
  pendingDeletes.set(message.id, { message, timer });
  undoable = message.id;
  ui.undoText.textContent = `Message from ${message.author} deleted.`;
  ui.undoBar.hidden = false;
  updateEmpty();
}

function hideUndo(id: string): void {
  if (undoable !== id) return;
  undoable = null;
  ui.undoBar.hidden = true;
}

ui.undoDelete.addEventListener('click', () => {
  const id = undoable;
  const pending = id === null ? undefined : pendingDeletes.get(id);
  if (id === null || pending === undefined) return;
  clearTimeout(pending.timer);
  pendingDeletes.delete(id);
  hideUndo(id);
  list.unhide(id);
  updateEmpty();
  announce(`Delete undone: the message from ${pending.message.author} is back.`);
  ui.messages
    .querySelector<HTMLButtonElement>(`li[data-id="${CSS.escape(id)}"] button[data-action="delete"]`)
    ?.focus();
});

async function sendDelete(id: string): Promise<void> {
  const pending = pendingDeletes.get(id);
  if (pending === undefined) return;
  pendingDeletes.delete(id);
  hideUndo(id);
  try {
    await deleteMessage(roomName, id);
    list.remove(id);
    updateEmpty();
  } catch (error) {
    list.unhide(id);
    showOwnerError(error);
  }
}

// Leaving the page sends the deletes still waiting out their undo time.
window.addEventListener('pagehide', () => {
  for (const id of pendingDeletes.keys()) {
    void fetch(`/api/rooms/${encodeURIComponent(roomName)}/messages/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      credentials: 'same-origin',
      keepalive: true,
    }).catch(() => {});
  }
});

async function setMuted(message: ActedOn, muted: boolean, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    await muteAuthor(roomName, message.id, muted);
    list.setMuted(message.id, muted);
    ui.ownerStatus.textContent = muted
      ? `Muted ${message.author}: their new messages are refused.`
      : `${message.author} can post again.`;
  } catch (error) {
    showOwnerError(error);
  } finally {
    button.disabled = false;
  }
}

async function removeAll(message: ActedOn, button: HTMLButtonElement): Promise<void> {
  if (!confirm(`Remove every message from ${message.author} in this room? This cannot be undone.`)) return;
  button.disabled = true;
  try {
    const removed = await removeAuthorMessages(roomName, message.id);
    ui.ownerStatus.textContent = `Removed ${removed} ${removed === 1 ? 'message' : 'messages'} from ${message.author}.`;
  } catch (error) {
    showOwnerError(error);
  } finally {
    button.disabled = false;
  }
}

// ---- slow mode ----

let slowModeSeconds = 0;

function durationText(seconds: number): string {
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

/** Shows everyone the room's slow mode; `announced` says it aloud when it changed while the page was open. */
function showSlowMode(seconds: number, announced: boolean): void {
  if (seconds === slowModeSeconds && announced) return;
  slowModeSeconds = seconds;
  ui.slowModeNote.hidden = seconds === 0;
  ui.slowModeNote.textContent = seconds === 0 ? '' : `Slow mode: one message every ${durationText(seconds)}.`;
  if (!Array.from(ui.slowModeSelect.options).some((option) => option.value === String(seconds))) {
    ui.slowModeSelect.append(new Option(durationText(seconds), String(seconds)));
  }
  ui.slowModeSelect.value = String(seconds);
  if (announced) {
    announce(
      seconds === 0
        ? 'Slow mode is off.'
        : `The host turned on slow mode: one message every ${durationText(seconds)}.`,
    );
  }
}

ui.slowModeSelect.addEventListener('change', async () => {
  const seconds = Number(ui.slowModeSelect.value);
  ui.ownerError.textContent = '';
  ui.slowModeSelect.disabled = true;
  try {
    const room = await setSlowMode(roomName, seconds);
    showSlowMode(room.slowModeSeconds, true);
  } catch (error) {
    ui.slowModeSelect.value = String(slowModeSeconds);
    showOwnerError(error);
  } finally {
    ui.slowModeSelect.disabled = false;
  }
});

function showOwnerError(error: unknown): void {
  ui.ownerError.textContent = error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}

// ---- connection status ----

const connectionText: Record<FeedStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

function setConnection(feed: FeedStatus): void {
  if (ui.connection.dataset.state === feed) return;
  ui.connection.dataset.state = feed;
  ui.connectionText.textContent = connectionText[feed];
}

// ---- messages ----

/** The list's edges: "no messages yet" for an empty room, "start of the room" once all is loaded. */
function updateEmpty(): void {
  ui.empty.hidden = list.size > 0 || olderCursor !== null;
  ui.historyStart.hidden = olderCursor !== null || list.size === 0;
}

function announce(text: string): void {
  const line = document.createElement('p');
  line.textContent = text;
  ui.announcer.append(line);
  while (ui.announcer.childElementCount > announcementsKept) ui.announcer.firstElementChild?.remove();
}

/** Messages that arrived while the tab was hidden, shown as "(3) Title" in the tab. */
let unseen = 0;
let baseTitle = document.title;

function showUnseenInTitle(): void {
  document.title = unseen > 0 ? `(${unseen}) ${baseTitle}` : baseTitle;
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') {
    unseen = 0;
    showUnseenInTitle();
  }
});

function showNewMessage(message: Message, fromMe: boolean): void {
  const wasAtBottom = list.isNearBottom();
  if (!list.add(message)) return;
  updateEmpty();
  if (!fromMe && document.visibilityState === 'hidden') {
    unseen += 1;
    showUnseenInTitle();
  }
  if (wasAtBottom || fromMe) {
    list.scrollToBottom();
  } else {
    ui.newPill.hidden = false;
  }
  if (!fromMe) announce(`${message.author}: ${message.text}`);
}

function onEvent(event: RoomEvent): void {
  switch (event.type) {
    case 'message.created':
      showNewMessage(messageOfEvent(event), false);
      break;
    case 'message.deleted': {
      const id = String(event.data.id);
      const pending = pendingDeletes.get(id);
      if (pending !== undefined) {
        clearTimeout(pending.timer);
        pendingDeletes.delete(id);
        hideUndo(id);
      }
      list.remove(id);
      updateEmpty();
      break;
    }
    case 'room.paused':
      setStatus('paused');
      break;
    case 'room.resumed':
      setStatus('open');
      break;
    case 'room.closed':
      setStatus('closed');
      break;
    case 'room.updated':
      // Carries the room's status, and its slow mode when that changed.
      if (isRoomStatus(event.data.status)) setStatus(event.data.status);
      if (typeof event.data.slowModeSeconds === 'number') showSlowMode(event.data.slowModeSeconds, true);
      break;
  }
}

function setHistoryEnd(cursor: string | null): void {
  olderCursor = cursor;
  ui.loadOlder.hidden = cursor === null;
  updateEmpty();
}

async function loadOlder(): Promise<void> {
  if (loadingOlder || olderCursor === null) return;
  loadingOlder = true;
  ui.loadOlder.textContent = 'Loading older messages…';
  let loaded = false;
  try {
    const page = await olderMessages(roomName, olderCursor, pageSize);
    list.prependOlder(page.messages);
    setHistoryEnd(page.next);
    loaded = true;
  } catch {
    // Leave the button: the reader can press it, or scroll, to try again.
  } finally {
    loadingOlder = false;
    ui.loadOlder.textContent = loaded ? 'Load older messages' : 'Could not load older messages: try again';
  }
  // A short page can leave the top edge in view; keep filling until it is not.
  if (loaded && olderCursor !== null && topEdgeInView()) void loadOlder();
}

function topEdgeInView(): boolean {
  return ui.loadOlder.getBoundingClientRect().bottom >= ui.scroller.getBoundingClientRect().top;
}

ui.loadOlder.addEventListener('click', () => void loadOlder());

const topObserver = new IntersectionObserver(
  (entries) => {
    if (entries.some((entry) => entry.isIntersecting)) void loadOlder();
  },
  { root: ui.scroller, rootMargin: '300px 0px 0px 0px' },
);

/** Whether the reader was at the newest messages when they last scrolled. */
let atNewest = true;

ui.scroller.addEventListener(
  'scroll',
  () => {
    atNewest = list.isNearBottom();
    if (!ui.newPill.hidden && atNewest) ui.newPill.hidden = true;
  },
  { passive: true },
);

// The on-screen keyboard (or a rotated phone, or a resized window) shrinks the list: a reader
// who was at the newest messages stays there.
const keepNewestInView = () => {
  if (atNewest) list.scrollToBottom();
};
new ResizeObserver(keepNewestInView).observe(ui.scroller);
window.visualViewport?.addEventListener('resize', keepNewestInView);

ui.newPill.addEventListener('click', () => {
  list.scrollToBottom();
  ui.newPill.hidden = true;
  if (ui.text.disabled || ui.postForm.hidden) ui.scroller.focus();
  else ui.text.focus();
});

// ---- nickname and posting ----

/** Until a nickname is saved the composer asks only for it; then only for the message. */
function showNickname(): void {
  const hasNickname = nickname !== null;
  ui.nicknameForm.hidden = hasNickname;
  ui.postForm.hidden = !hasNickname;
  ui.postingAsLine.hidden = !hasNickname;
  ui.postingAs.textContent = nickname ?? '';
}

ui.nickname.maxLength = maxNicknameLength;

// The skip link lands in whichever field the composer shows: the nickname until one is saved.
ui.skipLink.addEventListener('click', (event) => {
  event.preventDefault();
  (nickname === null ? ui.nickname : ui.text).focus();
});

ui.nicknameForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = ui.nickname.value.trim();
  if (value === '') {
    ui.nickname.setAttribute('aria-invalid', 'true');
    ui.nicknameError.textContent = 'Choose a nickname first (up to 40 characters).';
    ui.nickname.focus();
    return;
  }
  ui.nickname.removeAttribute('aria-invalid');
  ui.nicknameError.textContent = '';
  nickname = value;
  saveNickname(value);
  showNickname();
  ui.text.focus();
});

ui.changeNickname.addEventListener('click', () => {
  ui.nickname.value = nickname ?? '';
  nickname = null;
  showNickname();
  ui.nickname.focus();
});

/** Why a post was refused, in plain words, for the limits a person can meet. */
const refusalReason: Record<string, string> = {
  participant_rate_limited: 'You are sending messages faster than this room allows.',
  slow_mode: 'Slow mode is on in this room.',
  room_rate_limited: 'This room is very busy right now.',
  address_rate_limited: 'Too many messages are coming from your network right now.',
  cookieless_rate_limited:
    'Too many messages are coming from browsers without cookies on your network. Allowing cookies for this site helps.',
  rate_limited: 'Too many messages right now.',
};

let waitTimer: number | undefined;

/** Holds the Send button for `seconds`, counting down on screen; the typed text stays. */
function waitBeforeSending(seconds: number): void {
  clearInterval(waitTimer);
  const until = Date.now() + seconds * 1000;
  ui.send.disabled = true;
  ui.postWait.hidden = false;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left > 0) {
      ui.postWait.textContent = `You can send in ${left} s.`;
      return;
    }
    clearInterval(waitTimer);
    waitTimer = undefined;
    ui.postWait.hidden = true;
    ui.postWait.textContent = '';
    ui.postError.textContent = '';
    ui.send.disabled = status !== 'open';
    if (ui.text.value.trim() !== '') announce('You can send your message now.');
  };
  waitTimer = window.setInterval(tick, 250);
  tick();
}

function showPostError(error: unknown): void {
  if (error instanceof ApiError) {
    const reason = refusalReason[error.code];
    if (error.status === 429 && reason !== undefined) {
      const seconds = Math.max(1, error.retryAfterSeconds ?? 10);
      ui.postError.textContent = `${reason} Your message is kept: you can send it in ${durationText(seconds)}.`;
      waitBeforeSending(seconds);
      return;
    }
    if (error.code === 'participant_muted') {
      ui.postError.textContent =
        'The host has muted you in this room, so your messages are not posted. Your text is kept.';
      return;
    }
    // The api's message says what to do.
    ui.postError.textContent = error.message;
    if (error.code === 'room_paused') setStatus('paused');
    if (error.code === 'room_closed') setStatus('closed');
    if (error.code === 'room_expired') setStatus('expired');
  } else {
    ui.postError.textContent = 'Something went wrong. Try again.';
  }
}

ui.postForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (sending || status !== 'open' || waitTimer !== undefined) return;
  const text = ui.text.value.trim();
  if (nickname === null || text === '') return;
  sending = true;
  ui.send.disabled = true;
  ui.postError.textContent = '';
  try {
    // One key per message: a retry after a restart or a dropped answer cannot post it twice.
    const message = await sendMessage({
      room: roomName,
      author: nickname,
      text,
      onRetry: () => {
        ui.postError.textContent = 'Still sending… the server is restarting or the network dropped.';
      },
    });
    ui.postError.textContent = '';
    // Keep whatever was typed while it was sending.
    if (ui.text.value.trim() === text) ui.text.value = '';
    showNewMessage(message, true);
  } catch (error) {
    showPostError(error);
  } finally {
    sending = false;
    ui.send.disabled = status !== 'open' || waitTimer !== undefined;
  }
});

// ---- start ----

/** The room could not be shown: no such room (404), or the api did not answer. */
function showLoadFailure(error: unknown): void {
  const missing = error instanceof ApiError && error.status === 404;
  ui.title.textContent = missing ? 'Room not found' : 'Room unavailable';
  ui.connection.hidden = true;
  setStatus('missing');
  if (!missing) ui.banner.textContent = 'Could not load the room. Reload the page to try again.';
  setHistoryEnd(null);
}

async function start(): Promise<void> {
  showNickname();
  let room: Room;
  try {
    room = await getRoom(roomName);
    setTitle(room);
    setOwner(room.owner);
    setStatus(room.status);
    showSlowMode(room.slowModeSeconds ?? 0, false);
    const newest = await olderMessages(roomName, null, pageSize);
    list.prependOlder(newest.messages);
    setHistoryEnd(newest.next);
  } catch (error) {
    showLoadFailure(error);
    return;
  }
  list.scrollToBottom();
  topObserver.observe(ui.loadOlder);

  // From the seq read before the history page: anything newer is replayed, and shown once.
  const feed = new LiveFeed({
    room: roomName,
    lastSeq: room.lastSeq,
    onEvent,
    onStatus: setConnection,
    fetchEventsAfter: (afterSeq) => eventsAfter(roomName, afterSeq),
  });
  feed.start();
}

void start();
