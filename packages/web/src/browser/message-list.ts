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

/** What the host can do to one message from its buttons. */
export type MessageAction = 'delete' | 'mute' | 'unmute' | 'remove-all';

/** The message a button acts on, as its accessible name quotes it. */
export interface ActedOn {
  id: string;
  author: string;
  text: string;
}

const excerptLength = 40;

/** The start of a message's text, for button names: "Delete message from Alice: “Is light a…”". */
export function excerpt(text: string): string {
  const clean = text.trim();
  return clean.length <= excerptLength ? clean : `${clean.slice(0, excerptLength - 1).trimEnd()}…`;
}

export class MessageList {
  readonly #scroller: HTMLElement;
  readonly #list: HTMLOListElement;
  readonly #items = new Map<string, HTMLLIElement>();
  #canModerate = false;

  constructor(
    scroller: HTMLElement,
    list: HTMLOListElement,
    onAction: (action: MessageAction, message: ActedOn, button: HTMLButtonElement) => void,
  ) {
    this.#scroller = scroller;
    this.#list = list;
    list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
      const item = button?.closest<HTMLLIElement>('li.message');
      if (!button || !item?.dataset.id) return;
      const text = item.querySelector('.message-text')?.textContent ?? '';
      onAction(
        button.dataset.action as MessageAction,
        { id: item.dataset.id, author: item.dataset.author ?? '', text },
        button,
      );
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
      const existing = item.querySelector('.message-actions');
      if (canModerate && !existing)
        item.append(
          this.#actions(item.dataset.author ?? '', item.querySelector('.message-text')?.textContent ?? ''),
        );
      if (!canModerate) existing?.remove();
    }
  }

  /** Hides a message for now (a delete that can still be undone); returns false when it is not shown. */
  hide(id: string): boolean {
    const item = this.#items.get(id);
    if (!item) return false;
    const hadFocus = item.contains(document.activeElement);
    item.hidden = true;
    if (hadFocus) this.#focusNear(item);
    return true;
  }

  /** Shows a hidden message again (the delete was undone). */
  unhide(id: string): void {
    const item = this.#items.get(id);
    if (item) item.hidden = false;
  }

  /** Messages of `id`'s author are muted (or not): its Mute button says what pressing it does next. */
  setMuted(id: string, muted: boolean): void {
    const button = this.#items
      .get(id)
      ?.querySelector<HTMLButtonElement>('button[data-action="mute"], button[data-action="unmute"]');
    if (!button) return;
    const item = this.#items.get(id)!;
    this.#setMuteButton(
      button,
      item.dataset.author ?? '',
      item.querySelector('.message-text')?.textContent ?? '',
      muted,
    );
  }

  /** The visible message whose text is `id`'s, for moving focus after a removal. */
  #focusNear(item: HTMLLIElement): void {
    let next = item.nextElementSibling as HTMLLIElement | null;
    while (next?.hidden) next = next.nextElementSibling as HTMLLIElement | null;
    let previous = item.previousElementSibling as HTMLLIElement | null;
    while (previous?.hidden) previous = previous.previousElementSibling as HTMLLIElement | null;
    const target = next ?? previous;
    (target?.querySelector<HTMLButtonElement>('button[data-action="delete"]') ?? this.#scroller).focus();
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
    if (hadFocus) this.#focusNear(item);
    item.remove();
    this.#items.delete(id);
    if (above) s.scrollTop -= height;
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
    if (this.#canModerate) item.append(this.#actions(message.author, message.text));
    return item;
  }

  /** The host's buttons for one message; each one's name says which message it acts on. */
  #actions(author: string, text: string): HTMLDivElement {
    const actions = document.createElement('div');
    actions.className = 'message-actions';
    const quoted = `“${excerpt(text)}”`;
    const make = (action: MessageAction, label: string, name: string, style: string) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `message-action ${style}`;
      button.dataset.action = action;
      button.textContent = label;
      button.setAttribute('aria-label', name);
      return button;
    };
    const mute = make('mute', '', '', 'secondary');
    this.#setMuteButton(mute, author, text, false);
    actions.append(
      make('delete', 'Delete', `Delete message from ${author}: ${quoted}`, 'message-delete danger'),
      mute,
      make('remove-all', 'Remove all', `Remove all messages from ${author}, who wrote ${quoted}`, 'danger'),
    );
    return actions;
  }

  #setMuteButton(button: HTMLButtonElement, author: string, text: string, muted: boolean): void {
    button.dataset.action = muted ? 'unmute' : 'mute';
    button.textContent = muted ? 'Unmute' : 'Mute';
    button.setAttribute('aria-label', `${muted ? 'Unmute' : 'Mute'} ${author}, who wrote “${excerpt(text)}”`);
  }
}
