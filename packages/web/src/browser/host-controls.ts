// The host's controls on messages and people: delete (with a few seconds to undo), mute and
// unmute an author, remove all of an author's messages.
import { deleteMessage, muteAuthor, removeAuthorMessages } from './api.js';
import type { ActedOn, MessageAction, MessageList } from './message-list.js';
import type { RoomElements } from './room-elements.js';
import { showOwnerError } from './room-status.js';

/** How long a delete can be undone before it is sent, ms. */
const undoForMs = 5000;

interface PendingDelete {
  message: ActedOn;
  timer: number;
}

export interface HostControlsContext {
  ui: RoomElements;
  list: MessageList;
  roomName: string;
  /** Called after messages were hidden, shown again or removed. */
  listChanged: () => void;
  announce: (text: string) => void;
}

export class HostControls {
  /** Deletes the host pressed that can still be undone, by message id. */
  readonly #pendingDeletes = new Map<string, PendingDelete>();
  /** The delete the Undo button takes back. */
  #undoable: string | null = null;
  readonly #context: HostControlsContext;

  constructor(context: HostControlsContext) {
    this.#context = context;
    const { ui, list, roomName } = context;
    ui.undoDelete.addEventListener('click', () => {
      const id = this.#undoable;
      const pending = id === null ? undefined : this.#pendingDeletes.get(id);
      if (id === null || pending === undefined) return;
      clearTimeout(pending.timer);
      this.#pendingDeletes.delete(id);
      this.#hideUndo(id);
      list.unhide(id);
      context.listChanged();
      context.announce(`Delete undone: the message from ${pending.message.author} is back.`);
      ui.messages
        .querySelector<HTMLButtonElement>(`li[data-id="${CSS.escape(id)}"] button[data-action="delete"]`)
        ?.focus();
    });
    // Leaving the page sends the deletes still waiting out their undo time.
    window.addEventListener('pagehide', () => {
      for (const id of this.#pendingDeletes.keys()) {
        void fetch(`/api/rooms/${encodeURIComponent(roomName)}/messages/${encodeURIComponent(id)}`, {
          method: 'DELETE',
          credentials: 'same-origin',
          keepalive: true,
        }).catch(() => {});
      }
    });
  }

  /** Runs the action the host pressed on a message. */
  onMessageAction(action: MessageAction, message: ActedOn, button: HTMLButtonElement): void {
    this.#context.ui.ownerError.textContent = '';
    if (action === 'delete') this.#scheduleDelete(message);
    else if (action === 'remove-all') void this.#removeAll(message, button);
    else void this.#setMuted(message, action === 'mute', button);
  }

  /** A message was deleted (by anyone): a delete of it still waiting to be sent is dropped. */
  forgetDelete(id: string): void {
    const pending = this.#pendingDeletes.get(id);
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.#pendingDeletes.delete(id);
    this.#hideUndo(id);
  }

  /** Hides the message at once and sends the delete after a few seconds, unless it is undone. */
  #scheduleDelete(message: ActedOn): void {
    const { ui, list } = this.#context;
    if (this.#pendingDeletes.has(message.id) || !list.hide(message.id)) return;
    const timer = window.setTimeout(() => void this.#sendDelete(message.id), undoForMs);
    this.#pendingDeletes.set(message.id, { message, timer });
    this.#undoable = message.id;
    ui.undoText.textContent = `Message from ${message.author} deleted.`;
    ui.undoBar.hidden = false;
    this.#context.listChanged();
  }

  #hideUndo(id: string): void {
    if (this.#undoable !== id) return;
    this.#undoable = null;
    this.#context.ui.undoBar.hidden = true;
  }

  async #sendDelete(id: string): Promise<void> {
    const { ui, list, roomName } = this.#context;
    const pending = this.#pendingDeletes.get(id);
    if (pending === undefined) return;
    this.#pendingDeletes.delete(id);
    this.#hideUndo(id);
    try {
      await deleteMessage(roomName, id);
      list.remove(id);
      this.#context.listChanged();
    } catch (error) {
      list.unhide(id);
      showOwnerError(ui.ownerError, error);
    }
  }

  async #setMuted(message: ActedOn, muted: boolean, button: HTMLButtonElement): Promise<void> {
    const { ui, list, roomName } = this.#context;
    button.disabled = true;
    try {
      await muteAuthor(roomName, message.id, muted);
      list.setMuted(message.id, muted);
      ui.ownerStatus.textContent = muted
        ? `Muted ${message.author}: their new messages are refused.`
        : `${message.author} can post again.`;
    } catch (error) {
      showOwnerError(ui.ownerError, error);
    } finally {
      button.disabled = false;
    }
  }

  async #removeAll(message: ActedOn, button: HTMLButtonElement): Promise<void> {
    const { ui, roomName } = this.#context;
    if (!confirm(`Remove every message from ${message.author} in this room? This cannot be undone.`)) return;
    button.disabled = true;
    try {
      const removed = await removeAuthorMessages(roomName, message.id);
      ui.ownerStatus.textContent = `Removed ${removed} ${removed === 1 ? 'message' : 'messages'} from ${message.author}.`;
    } catch (error) {
      showOwnerError(ui.ownerError, error);
    } finally {
      button.disabled = false;
    }
  }
}
