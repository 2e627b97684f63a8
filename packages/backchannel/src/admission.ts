/** The origin's limits on concurrent work; see {@link Admission}. */
export interface AdmissionLimits {
  /** Plain requests (pages, `/api`, webhooks) in flight at once, all clients together. */
  maxRequests: number;
  /** Plain requests in flight at once from one client address. */
  maxRequestsPerAddress: number;
  /** Live event streams (SSE and WebSocket) open at once; they never count as requests. */
  maxStreams: number;
}

export type AdmissionKind = 'request' | 'stream';

/** Why a request was not admitted: which limit it met. */
export type Refusal = 'requests' | 'requests_per_address' | 'streams';

/** Given back when the admitted request or stream ends; calling it twice is harmless. */
export type Release = () => void;

/**
 * Counts what the origin is serving and refuses what would go over a limit, at once, so a
 * client is told "busy" (503) instead of waiting in a queue nobody drains. Streams have
 * their own count, so a full room of viewers never blocks a post and a flood of posts
 * never blocks a viewer.
 */
export class Admission {
  #requests = 0;
  #streams = 0;
  readonly #perAddress = new Map<string, number>();

  constructor(readonly limits: AdmissionLimits) {}

  get requests(): number {
    return this.#requests;
  }

  get streams(): number {
    return this.#streams;
  }

  /** Admits one request or stream from `address`, or says which limit refused it. */
  admit(kind: AdmissionKind, address: string): Release | Refusal {
    if (kind === 'stream') {
      if (this.#streams >= this.limits.maxStreams) return 'streams';
      this.#streams++;
      return this.#once(() => {
        this.#streams--;
      });
    }
    if (this.#requests >= this.limits.maxRequests) return 'requests';
    const fromAddress = this.#perAddress.get(address) ?? 0;
    if (fromAddress >= this.limits.maxRequestsPerAddress) return 'requests_per_address';
    this.#requests++;
    this.#perAddress.set(address, fromAddress + 1);
    return this.#once(() => {
      this.#requests--;
      const left = (this.#perAddress.get(address) ?? 1) - 1;
      if (left === 0) this.#perAddress.delete(address);
      else this.#perAddress.set(address, left);
    });
  }

  #once(release: () => void): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }
}
