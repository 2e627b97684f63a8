// New messages at the bottom of the list: followed when the reader is at the newest, announced
// otherwise with the "new messages" pill, counted in the tab's title while the tab is hidden.
import type { Message } from './api.js';
import type { MessageList } from './message-list.js';
import type { RoomElements } from './room-elements.js';
import type { UnseenTitle } from './unseen-title.js';

export interface NewMessagesContext {
  ui: RoomElements;
  list: MessageList;
  unseenTitle: UnseenTitle;
  /** Called after a message was added to the list. */
  listChanged: () => void;
  announce: (text: string) => void;
}

export class NewMessages {
  /** Whether the reader was at the newest messages when they last scrolled. */
  #atNewest = true;
  readonly #context: NewMessagesContext;

  constructor(context: NewMessagesContext) {
    this.#context = context;
    const { ui, list } = context;
    ui.scroller.addEventListener(
      'scroll',
      () => {
        this.#atNewest = list.isNearBottom();
        if (!ui.newPill.hidden && this.#atNewest) ui.newPill.hidden = true;
      },
      { passive: true },
    );
    // The on-screen keyboard (or a rotated phone, or a resized window) shrinks the list: a reader
    // who was at the newest messages stays there.
    const keepNewestInView = () => {
      if (this.#atNewest) list.scrollToBottom();
    };
    new ResizeObserver(keepNewestInView).observe(ui.scroller);
    window.visualViewport?.addEventListener('resize', keepNewestInView);
    ui.newPill.addEventListener('click', () => {
      list.scrollToBottom();
      ui.newPill.hidden = true;
      if (ui.text.disabled || ui.postForm.hidden) ui.scroller.focus();
      else ui.text.focus();
    });
  }

  /** Adds a message that arrived live, or one this browser just posted (`fromMe`). */
  show(message: Message, fromMe: boolean): void {
    const { ui, list } = this.#context;
    const wasAtBottom = list.isNearBottom();
    if (!list.add(message)) return;
    this.#context.listChanged();
    if (!fromMe) this.#context.unseenTitle.countIfHidden();
    if (wasAtBottom || fromMe) {
      list.scrollToBottom();
    } else {
      ui.newPill.hidden = false;
    }
    if (!fromMe) this.#context.announce(`${message.author}: ${message.text}`);
  }
}
