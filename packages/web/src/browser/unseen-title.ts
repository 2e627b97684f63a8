/** Counts messages that arrived while the tab was hidden and shows them as "(3) Title" in the tab. */
export class UnseenTitle {
  #unseen = 0;
  #base = document.title;

  constructor() {
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') {
        this.#unseen = 0;
        this.#show();
      }
    });
  }

  /** The tab's title without the count. */
  setBase(title: string): void {
    this.#base = title;
    this.#show();
  }

  /** One more message arrived; counted only while the tab is hidden. */
  countIfHidden(): void {
    if (document.visibilityState !== 'hidden') return;
    this.#unseen += 1;
    this.#show();
  }

  #show(): void {
    document.title = this.#unseen > 0 ? `(${this.#unseen}) ${this.#base}` : this.#base;
  }
}
