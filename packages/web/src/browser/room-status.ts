// The room's status as the page shows it (banner, composer on or off) and the owner's
// pause, resume and close buttons.
import { ApiError, moderateRoom, type RoomStatus } from './api.js';
import type { MessageList } from './message-list.js';
import type { RoomElements } from './room-elements.js';

/** A room's status, or `missing` when the page's room does not exist or could not be loaded. */
export type PageStatus = RoomStatus | 'missing';

const bannerText: Record<PageStatus, string> = {
  open: '',
  paused: 'The host has paused this room. New messages are off for now.',
  closed: 'This room is closed. You can still read it and its transcript.',
  expired: 'This room has expired. You can still read its transcript until it is removed.',
  missing: 'There is no room with this name. Check the link, or create a room on the home page.',
};

export function isRoomStatus(value: unknown): value is RoomStatus {
  return value === 'open' || value === 'paused' || value === 'closed' || value === 'expired';
}

/** Shows an owner action's failure under the owner's controls. */
export function showOwnerError(line: HTMLElement, error: unknown): void {
  line.textContent = error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}

/** The room's status on the page, and whether this browser owns the room. */
export class RoomStatusView {
  status: PageStatus = 'open';
  isOwner = false;
  readonly #ui: RoomElements;
  readonly #list: MessageList;
  readonly #sendHeld: () => boolean;

  /** `sendHeld` says whether the composer holds Send for a refusal's countdown. */
  constructor(ui: RoomElements, list: MessageList, roomName: string, sendHeld: () => boolean) {
    this.#ui = ui;
    this.#list = list;
    this.#sendHeld = sendHeld;
    const moderate = async (action: 'pause' | 'resume' | 'close', button: HTMLButtonElement) => {
      if (action === 'close' && !confirm('Close this room for good? Nobody will be able to post again.'))
        return;
      button.disabled = true;
      ui.ownerError.textContent = '';
      try {
        await moderateRoom(roomName, action);
        this.set(action === 'pause' ? 'paused' : action === 'resume' ? 'open' : 'closed');
        (action === 'pause' ? ui.resume : action === 'resume' ? ui.pause : ui.scroller).focus();
      } catch (error) {
        showOwnerError(ui.ownerError, error);
      } finally {
        button.disabled = false;
      }
    };
    ui.pause.addEventListener('click', () => void moderate('pause', ui.pause));
    ui.resume.addEventListener('click', () => void moderate('resume', ui.resume));
    ui.close.addEventListener('click', () => void moderate('close', ui.close));
  }

  set(next: PageStatus): void {
    const ui = this.#ui;
    this.status = next;
    ui.banner.dataset.status = next;
    ui.banner.textContent = bannerText[next];
    ui.banner.hidden = next === 'open';
    const canPost = next === 'open';
    ui.text.disabled = !canPost;
    ui.send.disabled = !canPost || this.#sendHeld();
    ui.text.placeholder = canPost ? 'Write a message…' : 'Posting is off in this room';
    ui.composer.hidden = next === 'missing';
    ui.pause.hidden = next !== 'open';
    ui.resume.hidden = next !== 'paused';
    ui.close.hidden = next === 'closed' || next === 'expired' || next === 'missing';
    // A closed or expired room has nothing left to pause or close; its messages keep their Delete buttons.
    ui.ownerControls.hidden = !this.isOwner || (next !== 'open' && next !== 'paused');
  }

  setOwner(owner: boolean): void {
    this.isOwner = owner;
    this.#list.setCanModerate(owner);
    this.#ui.ownerControls.hidden = !owner || (this.status !== 'open' && this.status !== 'paused');
  }
}
