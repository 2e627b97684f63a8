// The composer: a nickname first, then messages; a refused post keeps its text and, when the
// refusal says how long to wait, holds Send with a countdown.
import { ApiError, type Message } from './api.js';
import { durationText } from './duration-text.js';
import { maxNicknameLength, savedNickname, saveNickname } from './nickname.js';
import type { RoomElements } from './room-elements.js';
import type { PageStatus } from './room-status.js';
import { sendMessage } from './send-message.js';

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

export interface ComposerContext {
  ui: RoomElements;
  roomName: string;
  /** The room's status now: only an open room takes posts. */
  status: () => PageStatus;
  /** The api said the room changed (paused, closed, expired) when it refused a post. */
  setStatus: (status: PageStatus) => void;
  /** Shows a message this browser posted. */
  showSent: (message: Message) => void;
  announce: (text: string) => void;
}

export class Composer {
  #nickname = savedNickname();
  #sending = false;
  #waitTimer: number | undefined;
  readonly #context: ComposerContext;

  constructor(context: ComposerContext) {
    this.#context = context;
    const { ui } = context;
    ui.nickname.maxLength = maxNicknameLength;
    // The skip link lands in whichever field the composer shows: the nickname until one is saved.
    ui.skipLink.addEventListener('click', (event) => {
      event.preventDefault();
      (this.#nickname === null ? ui.nickname : ui.text).focus();
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
      this.#nickname = value;
      saveNickname(value);
      this.showNickname();
      ui.text.focus();
    });
    ui.changeNickname.addEventListener('click', () => {
      ui.nickname.value = this.#nickname ?? '';
      this.#nickname = null;
      this.showNickname();
      ui.nickname.focus();
    });
    ui.postForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#post();
    });
  }

  /** Whether Send is held for a refusal's countdown. */
  get holdingSend(): boolean {
    return this.#waitTimer !== undefined;
  }

  /** Until a nickname is saved the composer asks only for it; then only for the message. */
  showNickname(): void {
    const { ui } = this.#context;
    const hasNickname = this.#nickname !== null;
    ui.nicknameForm.hidden = hasNickname;
    ui.postForm.hidden = !hasNickname;
    ui.postingAsLine.hidden = !hasNickname;
    ui.postingAs.textContent = this.#nickname ?? '';
  }

  async #post(): Promise<void> {
    const { ui, roomName } = this.#context;
    if (this.#sending || this.#context.status() !== 'open' || this.#waitTimer !== undefined) return;
    const text = ui.text.value.trim();
    const nickname = this.#nickname;
    if (nickname === null || text === '') return;
    this.#sending = true;
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
      this.#context.showSent(message);
    } catch (error) {
      this.#showPostError(error);
    } finally {
      this.#sending = false;
      ui.send.disabled = this.#context.status() !== 'open' || this.#waitTimer !== undefined;
    }
  }

  /** Holds the Send button for `seconds`, counting down on screen; the typed text stays. */
  #waitBeforeSending(seconds: number): void {
    const { ui } = this.#context;
    clearInterval(this.#waitTimer);
    const until = Date.now() + seconds * 1000;
    ui.send.disabled = true;
    ui.postWait.hidden = false;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left > 0) {
        ui.postWait.textContent = `You can send in ${left} s.`;
        return;
      }
      clearInterval(this.#waitTimer);
      this.#waitTimer = undefined;
      ui.postWait.hidden = true;
      ui.postWait.textContent = '';
      ui.postError.textContent = '';
      ui.send.disabled = this.#context.status() !== 'open';
      if (ui.text.value.trim() !== '') this.#context.announce('You can send your message now.');
    };
    this.#waitTimer = window.setInterval(tick, 250);
    tick();
  }

  #showPostError(error: unknown): void {
    const { ui } = this.#context;
    if (error instanceof ApiError) {
      const reason = refusalReason[error.code];
      if (error.status === 429 && reason !== undefined) {
        const seconds = Math.max(1, error.retryAfterSeconds ?? 10);
        ui.postError.textContent = `${reason} Your message is kept: you can send it in ${durationText(seconds)}.`;
        this.#waitBeforeSending(seconds);
        return;
      }
      if (error.code === 'participant_muted') {
        ui.postError.textContent =
          'The host has muted you in this room, so your messages are not posted. Your text is kept.';
        return;
      }
      // The api's message says what to do.
      ui.postError.textContent = error.message;
      if (error.code === 'room_paused') this.#context.setStatus('paused');
      if (error.code === 'room_closed') this.#context.setStatus('closed');
      if (error.code === 'room_expired') this.#context.setStatus('expired');
    } else {
      ui.postError.textContent = 'Something went wrong. Try again.';
    }
  }
}
