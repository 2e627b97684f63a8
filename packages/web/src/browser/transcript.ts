// Transcript page: the whole room, oldest first, laid out for reading and printing.
import { ApiError, getTranscript } from './api.js';
import { roomFromLocation, roomPagePath } from './room-name.js';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const roomName = roomFromLocation(location);
const roomPath = roomPagePath(roomName);
const title = byId<HTMLHeadingElement>('transcript-title');
const meta = byId<HTMLParagraphElement>('transcript-meta');
const statusLine = byId<HTMLParagraphElement>('transcript-status');
const list = byId<HTMLOListElement>('transcript-messages');

byId<HTMLAnchorElement>('back-to-room').href = roomPath;
byId<HTMLAnchorElement>('download-text').href = `/api/rooms/${encodeURIComponent(roomName)}/transcript.txt`;
byId<HTMLAnchorElement>('download-json').href = `/api/rooms/${encodeURIComponent(roomName)}/transcript.json`;
byId<HTMLButtonElement>('print').addEventListener('click', () => print());

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

async function load(): Promise<void> {
  try {
    const transcript = await getTranscript(roomName);
    const room = transcript.room;
    const heading = room.title || room.name;
    title.textContent = `${heading} — transcript`;
    document.title = `${heading} · transcript · backchannel`;
    meta.textContent = `/${room.name} · ${transcript.messages.length} message${transcript.messages.length === 1 ? '' : 's'}`;
    const fragment = document.createDocumentFragment();
    for (const message of transcript.messages) {
      const item = document.createElement('li');
      const when = new Date(message.at);
      if (!Number.isNaN(when.getTime())) {
        const time = document.createElement('time');
        time.dateTime = when.toISOString();
        time.textContent = dateTime.format(when);
        item.append(time);
      }
      const author = document.createElement('strong');
      author.className = 'message-author';
      author.textContent = message.author;
      const text = document.createElement('span');
      text.className = 'message-text';
      text.textContent = message.text;
      item.append(author, text);
      fragment.append(item);
    }
    list.append(fragment);
    statusLine.textContent = transcript.messages.length === 0 ? 'No messages in this room.' : '';
    statusLine.hidden = transcript.messages.length > 0;
  } catch (error) {
    statusLine.textContent =
      error instanceof ApiError && error.status === 404
        ? 'There is no room with this name.'
        : 'Could not load the transcript. Reload the page to try again.';
  }
}

void load();
