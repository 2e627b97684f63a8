// The room's slow mode: a note everyone sees, and the host's select that changes it.
import { setSlowMode } from './api.js';
import { durationText } from './duration-text.js';
import type { RoomElements } from './room-elements.js';
import { showOwnerError } from './room-status.js';

export class SlowMode {
  seconds = 0;
  readonly #ui: RoomElements;
  readonly #announce: (text: string) => void;

  constructor(ui: RoomElements, roomName: string, announce: (text: string) => void) {
    this.#ui = ui;
    this.#announce = announce;
    ui.slowModeSelect.addEventListener('change', async () => {
      const seconds = Number(ui.slowModeSelect.value);
      ui.ownerError.textContent = '';
      ui.slowModeSelect.disabled = true;
      try {
        const room = await setSlowMode(roomName, seconds);
        this.show(room.slowModeSeconds, true);
      } catch (error) {
        ui.slowModeSelect.value = String(this.seconds);
        showOwnerError(ui.ownerError, error);
      } finally {
        ui.slowModeSelect.disabled = false;
      }
    });
  }

  /** Shows everyone the room's slow mode; `announced` says it aloud when it changed while the page was open. */
  show(seconds: number, announced: boolean): void {
    const ui = this.#ui;
    if (seconds === this.seconds && announced) return;
    this.seconds = seconds;
    ui.slowModeNote.hidden = seconds === 0;
    ui.slowModeNote.textContent =
      seconds === 0 ? '' : `Slow mode: one message every ${durationText(seconds)}.`;
    if (!Array.from(ui.slowModeSelect.options).some((option) => option.value === String(seconds))) {
      ui.slowModeSelect.append(new Option(durationText(seconds), String(seconds)));
    }
    ui.slowModeSelect.value = String(seconds);
    if (announced) {
      this.#announce(
        seconds === 0
          ? 'Slow mode is off.'
          : `The host turned on slow mode: one message every ${durationText(seconds)}.`,
      );
    }
  }
}
