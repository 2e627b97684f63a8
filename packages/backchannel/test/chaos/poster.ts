// A person posting at a steady pace through the page's own send code (Idempotency-Key, retries
// through restarts). Every acknowledged post is recorded; every post that ended in an error a
// person would have seen is recorded too.
import { sendMessage } from '@backchannel/web/browser/send-message';

export interface Acknowledged {
  id: string;
  text: string;
  at: number;
}

export class Poster {
  readonly acknowledged: Acknowledged[] = [];
  readonly failed: { text: string; error: string }[] = [];
  #running = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly base: string,
    readonly room: string,
    readonly intervalMs: number,
  ) {}

  start(): void {
    this.#running = true;
    this.#loop = (async () => {
      for (let i = 0; this.#running; i++) {
        const started = Date.now();
        await this.post(`${this.name} #${i}`);
        const wait = this.intervalMs - (Date.now() - started);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    })();
  }

  async post(text: string): Promise<Acknowledged | undefined> {
    try {
      const message = await sendMessage({
        base: this.base,
        room: this.room,
        author: this.name,
        text,
        retryForMs: 60_000,
        maxDelayMs: 1000,
      });
      const ack = { id: message.id, text: message.text, at: Date.now() };
      this.acknowledged.push(ack);
      return ack;
    } catch (error) {
      this.failed.push({ text, error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }
}
