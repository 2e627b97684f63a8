// The room's message list: oldest at the top, newest at the bottom, one <li> per message.
// Every piece of user data goes in through textContent, never as markup.
import type { Message } from './api.js';

/** How close to the bottom (in pixels) still counts as "reading the newest messages". */
const nearBottomPx = 48;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** A message's place in the room: the api's message id is the room's `seq` of its creation. */
function orderOf(id: string): number {
  const n = Number(id);
  return Number.isFinite(n) ? n : Number.NaN;
}

export class MessageList {
  readonly #scroller: HTMLElement;
  readonly #list: HTMLOListElement;
  readonly #items = new Map<string, HTMLLIElement>();
  #canModerate = false;

  constructor(scroller: HTMLElement, list: HTMLOListElement, onDelete: (id: string, author: string) => void) {
    this.#scroller = scroller;
    this.#list = list;
    list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button.message-delete');
      const item = button?.closest<HTMLLIElement>('li.message');
      if (button && item?.dataset.id) onDelete(item.dataset.id, item.dataset.author ?? '');
    });
  }

  get size(): number {
    return this.#items.size;
  }

  has(id: string): boolean {
    return this.#items.has(id);
  }

  /** Shows a delete button on every message (present and future) when true. */
  setCanModerate(canModerate: boolean): void {
    if (canModerate === this.#canModerate) return;
    this.#canModerate = canModerate;
    for (const item of this.#items.values()) {
      const existing = item.querySelector('button.message-delete');
      if (canModerate && !existing) item.append(this.#deleteButton(item.dataset.author ?? ''));
      if (!canModerate) existing?.remove();
    }
  }

  isNearBottom(): boolean {
    const s = this.#scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= nearBottomPx;
  }

  scrollToBottom(): void {
    this.#scroller.scrollTop = this.#scroller.scrollHeight;
  }

  /**
   * Adds a message that arrived live (or was just posted). Kept in id order, so a late
   * arrival lands in its place. Returns false when the message is already shown.
   */
  add(message: Message): boolean {
    if (this.#items.has(message.id)) return false;
    const item = this.#render(message);
    const order = orderOf(message.id);
    let before: HTMLLIElement | null = null;
    if (!Number.isNaN(order)) {
      // Walk back from the end: live messages nearly always belong there.
      let cursor = this.#list.lastElementChild as HTMLLIElement | null;
      while (cursor && orderOf(cursor.dataset.id ?? '') > order) {
        before = cursor;
        cursor = cursor.previousElementSibling as HTMLLIElement | null;
      }
    }
    this.#list.insertBefore(item, before);
    this.#items.set(message.id, item);
    return true;
  }

  /**
   * Puts an older page (oldest first) above what is shown, keeping the message the reader
   * is looking at in the same place on screen.
   */
  prependOlder(messages: Message[]): number {
    const fragment = document.createDocumentFragment();
    let added = 0;
    for (const message of messages) {
      if (this.#items.has(message.id)) continue;
      const item = this.#render(message);
      this.#items.set(message.id, item);
      fragment.append(item);
      added += 1;
    }
    if (added === 0) return 0;
    const s = this.#scroller;
    const distanceFromBottom = s.scrollHeight - s.scrollTop;
    this.#list.insertBefore(fragment, this.#list.firstElementChild);
    s.scrollTop = s.scrollHeight - distanceFromBottom;
    return added;
  }

  /** Removes a message; returns false when it was not shown. */
  remove(id: string): boolean {
    const item = this.#items.get(id);
    if (!item) return false;
    const s = this.#scroller;
    // Keep the reader's place when the removed message sits above what they are reading.
    const above = item.offsetTop + item.offsetHeight <= s.scrollTop;
    const height = item.offsetHeight;
    const hadFocus = item.contains(document.activeElement);
    const next = (item.nextElementSibling ?? item.previousElementSibling) as HTMLLIElement | null;
    item.remove();
    this.#items.delete(id);
    if (above) s.scrollTop -= height;
    if (hadFocus) (next?.querySelector<HTMLButtonElement>('button.message-delete') ?? s).focus();
    return true;
  }

  #render(message: Message): HTMLLIElement {
    const item = document.createElement('li');
    item.className = 'message';
    item.dataset.id = message.id;
    item.dataset.author = message.author;

    const meta = document.createElement('p');
    meta.className = 'message-meta';
    const author = document.createElement('span');
    author.className = 'message-author';
    author.textContent = message.author;
    meta.append(author);
    const when = new Date(message.at);
    if (!Number.isNaN(when.getTime())) {
      const time = document.createElement('time');
      time.dateTime = when.toISOString();
      time.textContent = timeFormat.format(when);
      meta.append(time);
    }

    const text = document.createElement('p');
    text.className = 'message-text';
    text.textContent = message.text;

    item.append(meta, text);
    if (this.#canModerate) item.append(this.#deleteButton(message.author));
    return item;
  }

  #deleteButton(author: string): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'message-delete danger';
    button.textContent = 'Delete';
    button.setAttribute('aria-label', `Delete message from ${author}`);
    return button;
  }
}
