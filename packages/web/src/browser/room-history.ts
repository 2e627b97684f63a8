// The room's history: older pages loaded as the reader scrolls up (or presses the button),
// and the list's edges ("no messages yet", "start of the room").
import { olderMessages } from './api.js';
import type { MessageList } from './message-list.js';
import type { RoomElements } from './room-elements.js';

/** Messages per history page. */
export const historyPageSize = 50;

export class RoomHistory {
  /** Where the next older page starts; null once the room's first message is loaded. */
  olderCursor: string | null = null;
  #loading = false;
  readonly #ui: RoomElements;
  readonly #list: MessageList;
  readonly #roomName: string;
  readonly #topObserver: IntersectionObserver;

  constructor(ui: RoomElements, list: MessageList, roomName: string) {
    this.#ui = ui;
    this.#list = list;
    this.#roomName = roomName;
    ui.loadOlder.addEventListener('click', () => void this.loadOlder());
    this.#topObserver = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) void this.loadOlder();
      },
      { root: ui.scroller, rootMargin: '300px 0px 0px 0px' },
    );
  }

  /** Loads older pages whenever the top of the list comes near the view. */
  watchTop(): void {
    this.#topObserver.observe(this.#ui.loadOlder);
  }

  /** The list's edges: "no messages yet" for an empty room, "start of the room" once all is loaded. */
  updateEmpty(): void {
    this.#ui.empty.hidden = this.#list.size > 0 || this.olderCursor !== null;
    this.#ui.historyStart.hidden = this.olderCursor !== null || this.#list.size === 0;
  }

  setEnd(cursor: string | null): void {
    this.olderCursor = cursor;
    this.#ui.loadOlder.hidden = cursor === null;
    this.updateEmpty();
  }

  async loadOlder(): Promise<void> {
    const ui = this.#ui;
    if (this.#loading || this.olderCursor === null) return;
    this.#loading = true;
    ui.loadOlder.textContent = 'Loading older messages…';
    let loaded = false;
    try {
      const page = await olderMessages(this.#roomName, this.olderCursor, historyPageSize);
      this.#list.prependOlder(page.messages);
      this.setEnd(page.next);
      loaded = true;
    } catch {
      // Leave the button: the reader can press it, or scroll, to try again.
    } finally {
      this.#loading = false;
      ui.loadOlder.textContent = loaded ? 'Load older messages' : 'Could not load older messages: try again';
    }
    // A short page can leave the top edge in view; keep filling until it is not.
    if (loaded && this.olderCursor !== null && this.#topEdgeInView()) void this.loadOlder();
  }

  #topEdgeInView(): boolean {
    return this.#ui.loadOlder.getBoundingClientRect().bottom >= this.#ui.scroller.getBoundingClientRect().top;
  }
}
