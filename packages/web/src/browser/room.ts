// Room page: history with infinite scroll upward, live messages, posting, and the owner's controls.
// This file wires the page's parts together and starts it; each part lives in its own file.

import { announcerFor } from './announcer.js';
import {
  ApiError,
  eventsAfter,
  getRoom,
  messageOfEvent,
  olderMessages,
  type Room,
  type RoomEvent,
} from './api.js';
import { Composer } from './composer.js';
import { showConnection } from './connection-status.js';
import { HostControls } from './host-controls.js';
import { LiveFeed } from './live-feed.js';
import { MessageList } from './message-list.js';
import { NewMessages } from './new-messages.js';
import { roomElements as ui } from './room-elements.js';
import { historyPageSize, RoomHistory } from './room-history.js';
import { roomFromLocation, roomPagePath } from './room-name.js';
import { isRoomStatus, RoomStatusView } from './room-status.js';
import { SlowMode } from './slow-mode.js';
import { UnseenTitle } from './unseen-title.js';

const roomName = roomFromLocation(location);
const announce = announcerFor(ui.announcer);
const unseenTitle = new UnseenTitle();

const list = new MessageList(ui.scroller, ui.messages, (action, message, button) =>
  hostControls.onMessageAction(action, message, button),
);
const history = new RoomHistory(ui, list, roomName);
const listChanged = () => history.updateEmpty();
const roomStatus: RoomStatusView = new RoomStatusView(ui, list, roomName, () => composer.holdingSend);
const hostControls = new HostControls({ ui, list, roomName, listChanged, announce });
const slowMode = new SlowMode(ui, roomName, announce);
const newMessages = new NewMessages({ ui, list, unseenTitle, listChanged, announce });
const composer: Composer = new Composer({
  ui,
  roomName,
  status: () => roomStatus.status,
  setStatus: (status) => roomStatus.set(status),
  showSent: (message) => newMessages.show(message, true),
  announce,
});

// The message list scrolls on its own, so keyboard users must be able to focus it (WCAG 2.1.1).
ui.scroller.tabIndex = 0;
ui.name.textContent = `/${roomName}`;
ui.transcriptLink.href = `${roomPagePath(roomName)}/transcript`;

const expiryFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function showTitle(room: Room): void {
  const title = room.title || room.name;
  ui.title.textContent = title;
  unseenTitle.setBase(`${title} · backchannel`);
  const expires = new Date(room.expiresAt);
  if (room.status !== 'expired' && !Number.isNaN(expires.getTime())) {
    ui.name.textContent = `/${room.name} · kept until ${expiryFormat.format(expires)}`;
  }
}

function onEvent(event: RoomEvent): void {
  switch (event.type) {
    case 'message.created':
      newMessages.show(messageOfEvent(event), false);
      break;
    case 'message.deleted': {
      const id = String(event.data.id);
      hostControls.forgetDelete(id);
      list.remove(id);
      history.updateEmpty();
      break;
    }
    case 'room.paused':
      roomStatus.set('paused');
      break;
    case 'room.resumed':
      roomStatus.set('open');
      break;
    case 'room.closed':
      roomStatus.set('closed');
      break;
    case 'room.updated':
      // Carries the room's status, and its slow mode when that changed.
      if (isRoomStatus(event.data.status)) roomStatus.set(event.data.status);
      if (typeof event.data.slowModeSeconds === 'number') slowMode.show(event.data.slowModeSeconds, true);
      break;
  }
}

/** The room could not be shown: no such room (404), or the api did not answer. */
function showLoadFailure(error: unknown): void {
  const missing = error instanceof ApiError && error.status === 404;
  ui.title.textContent = missing ? 'Room not found' : 'Room unavailable';
  ui.connection.hidden = true;
  roomStatus.set('missing');
  if (!missing) ui.banner.textContent = 'Could not load the room. Reload the page to try again.';
  history.setEnd(null);
}

async function start(): Promise<void> {
  composer.showNickname();
  let room: Room;
  try {
    room = await getRoom(roomName);
    showTitle(room);
    roomStatus.setOwner(room.owner);
    roomStatus.set(room.status);
    slowMode.show(room.slowModeSeconds ?? 0, false);
    const newest = await olderMessages(roomName, null, historyPageSize);
    list.prependOlder(newest.messages);
    history.setEnd(newest.next);
  } catch (error) {
    showLoadFailure(error);
    return;
  }
  list.scrollToBottom();
  history.watchTop();

  // From the seq read before the history page: anything newer is replayed, and shown once.
  const feed = new LiveFeed({
    room: roomName,
    lastSeq: room.lastSeq,
    onEvent,
    onStatus: (status) => showConnection(ui, status),
    fetchEventsAfter: (afterSeq) => eventsAfter(roomName, afterSeq),
  });
  feed.start();
}

void start();
