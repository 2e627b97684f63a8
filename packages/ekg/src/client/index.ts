// ekg/client: a browser module (no Node.js imports, no framework) that keeps one room's stream open
// across drops and server restarts, delivering each event once and in seq order.

/** The event envelope (DESIGN.md): `seq` is per room and strictly increasing. */
export interface Envelope {
  room: string;
  seq: number;
  type: string;
  at: string;
  data: unknown;
}

/** Events `from`..`to` (inclusive) of `room` were not delivered: fetch them from the api. */
export interface Gap {
  room: string;
  from: number;
  to: number;
}

export type Transport = 'sse' | 'websocket';

/**
 * `connecting`: first attempt; `live`: the stream is open; `reconnecting`: waiting to try again
 * (after a drop, an error or a server restart notice); `closed`: `close()` was called.
 */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

/** The part of the EventSource API the client uses (the browser's, or e.g. undici's in Node.js). */
export interface EventSourceLike {
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** The part of the WebSocket API the client uses (the browser's, or e.g. the ws package's). */
export interface WebSocketLike {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  close(code?: number, reason?: string): void;
}

export interface ConnectOptions {
  /**
   * The seq of the last event the page already has (e.g. from the api's page load). Events up to it
   * are skipped; anything missing after it is replayed or announced through `onGap`. Omit to start
   * with whatever is published next.
   */
  lastSeq?: number;
  /** Called once per event, in seq order, never twice for one seq. */
  onEvent: (event: Envelope) => void;
  /**
   * Called when events were missed and ekg no longer holds them: fetch
   * `GET /api/rooms/:room/events?after=${gap.from - 1}` up to `gap.to`. Later events keep arriving
   * through `onEvent` meanwhile; insert the fetched ones by seq.
   */
  onGap?: (gap: Gap) => void;
  /** Called on each change of status (never twice in a row with the same one). */
  onStatus?: (status: ConnectionStatus) => void;
  /** Default `'sse'`. */
  transport?: Transport;
  /** First reconnect delay, ms; doubles per failed attempt (with jitter). Default 500. */
  minDelay?: number;
  /** Largest reconnect delay, ms. Default 30000. */
  maxDelay?: number;
  /**
   * SSE delivers named events only to listeners for that name: the six envelope types of DESIGN.md
   * are listened to; add any other type the server may send here.
   */
  extraTypes?: readonly string[];
  /** The EventSource constructor; default `globalThis.EventSource`. */
  EventSource?: new (
    url: string,
  ) => EventSourceLike;
  /** The WebSocket constructor; default `globalThis.WebSocket`. */
  WebSocket?: new (
    url: string,
  ) => WebSocketLike;
}

/** A live subscription; `lastSeq` is the last seq delivered (or skipped over by a gap), -1 before any. */
export interface Connection {
  readonly lastSeq: number;
  /** Closes the stream and stops reconnecting. `onStatus('closed')` follows. */
  close(): void;
}

const ENVELOPE_TYPES = [
  'message.created',
  'message.deleted',
  'room.paused',
  'room.resumed',
  'room.closed',
  'room.updated',
];

interface ControlMessage {
  type?: unknown;
  seq?: unknown;
  room?: unknown;
  from?: unknown;
  to?: unknown;
  after?: unknown;
}

class RoomStream implements Connection {
  lastSeq: number;
  readonly #baseUrl: string;
  readonly #room: string;
  readonly #options: ConnectOptions;
  readonly #transport: Transport;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  #eventSource: EventSourceLike | undefined;
  #webSocket: WebSocketLike | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #closed = false;
  #currentStatus: ConnectionStatus | undefined;

  constructor(baseUrl: string, room: string, options: ConnectOptions) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
    this.#room = room;
    this.#options = options;
    this.#transport = options.transport ?? 'sse';
    this.#minDelay = options.minDelay ?? 500;
    this.#maxDelay = options.maxDelay ?? 30000;
    this.lastSeq = options.lastSeq ?? -1;
    this.#status('connecting');
    this.#open();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#disconnect();
    this.#status('closed');
  }

  /** Reports status changes only: several failed attempts in a row are one `reconnecting`. */
  #status(status: ConnectionStatus): void {
    if (status === this.#currentStatus) return;
    this.#currentStatus = status;
    this.#options.onStatus?.(status);
  }

  #streamUrl(suffix: string): string {
    const query = this.lastSeq >= 0 ? `?lastEventId=${this.lastSeq}` : '';
    return `${this.#baseUrl}/rooms/${encodeURIComponent(this.#room)}/${suffix}${query}`;
  }

  #webSocketUrl(): string {
    let url = this.#streamUrl('ws');
    if (url.startsWith('/')) url = `${globalThis.location.origin}${url}`;
    return url.replace(/^http/, 'ws');
  }

  #open(): void {
    if (this.#transport === 'websocket') this.#openWebSocket();
    else this.#openEventSource();
  }

  #openEventSource(): void {
    const EventSourceClass =
      this.#options.EventSource ?? (globalThis.EventSource as new (url: string) => EventSourceLike);
    const source = new EventSourceClass(this.#streamUrl('events'));
    this.#eventSource = source;
    const onEnvelope = (event: MessageEvent) => {
      if (source === this.#eventSource) this.#receive(JSON.parse(event.data as string) as Envelope);
    };
    for (const type of ENVELOPE_TYPES) source.addEventListener(type, onEnvelope);
    for (const type of this.#options.extraTypes ?? []) source.addEventListener(type, onEnvelope);
    source.addEventListener('message', onEnvelope);
    source.addEventListener('gap', (event) => {
      if (source === this.#eventSource) this.#receiveGap(JSON.parse(event.data as string) as Gap);
    });
    source.addEventListener('reconnect', (event) => {
      if (source === this.#eventSource)
        this.#serverRestart(JSON.parse(event.data as string) as ControlMessage);
    });
    source.onopen = () => {
      if (source === this.#eventSource) this.#live();
    };
    // EventSource would reconnect by itself, without our backoff or resume point: take over.
    source.onerror = () => {
      if (source === this.#eventSource) this.#dropped();
    };
  }

  #openWebSocket(): void {
    const WebSocketClass =
      this.#options.WebSocket ?? (globalThis.WebSocket as new (url: string) => WebSocketLike);
    const socket = new WebSocketClass(this.#webSocketUrl());
    this.#webSocket = socket;
    socket.onopen = () => {
      if (socket === this.#webSocket) this.#live();
    };
    socket.onmessage = (event) => {
      if (socket !== this.#webSocket) return;
      const message = JSON.parse(String(event.data)) as ControlMessage;
      if (typeof message.seq === 'number') this.#receive(message as unknown as Envelope);
      else if (message.type === 'gap') this.#receiveGap(message as unknown as Gap);
      else if (message.type === 'reconnect') this.#serverRestart(message);
    };
    socket.onclose = () => {
      if (socket === this.#webSocket) this.#dropped();
    };
    socket.onerror = () => {
      if (socket === this.#webSocket) this.#dropped();
    };
  }

  #disconnect(): void {
    const source = this.#eventSource;
    const socket = this.#webSocket;
    this.#eventSource = undefined;
    this.#webSocket = undefined;
    source?.close();
    socket?.close();
  }

  #live(): void {
    this.#attempt = 0;
    this.#status('live');
  }

  #receive(envelope: Envelope): void {
    const lastSeq = this.lastSeq;
    if (lastSeq >= 0) {
      if (envelope.seq <= lastSeq) return;
      if (envelope.seq > lastSeq + 1)
        this.#options.onGap?.({ room: this.#room, from: lastSeq + 1, to: envelope.seq - 1 });
    }
    this.lastSeq = envelope.seq;
    this.#options.onEvent(envelope);
  }

  #receiveGap(gap: Gap): void {
    if (gap.to <= this.lastSeq) return;
    const from = Math.max(gap.from, this.lastSeq + 1);
    this.lastSeq = gap.to;
    this.#options.onGap?.({ room: this.#room, from, to: gap.to });
  }

  /** The server is restarting and said when to come back: no backoff, its delay is already jittered. */
  #serverRestart(message: ControlMessage): void {
    const after = typeof message.after === 'number' && message.after >= 0 ? message.after : this.#minDelay;
    this.#attempt = 0;
    this.#schedule(after);
  }

  #dropped(): void {
    const ceiling = Math.min(this.#maxDelay, this.#minDelay * 2 ** this.#attempt);
    this.#attempt++;
    // "Equal jitter": half fixed, half random, so clients spread out but never retry at once.
    this.#schedule(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  #schedule(delay: number): void {
    this.#disconnect();
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#status('reconnecting');
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed) this.#open();
    }, delay);
  }
}

/**
 * Subscribes to `room` on ekg and keeps the subscription alive until `close()`.
 *
 * `url` is ekg's base URL, without a trailing path: `''` when ekg is reached on the page's own
 * origin (as `backchannel start` and the nginx config route `/rooms/...` to ekg), or e.g.
 * `'https://ekg.example.com'` (then start ekg with `--cors-origin` set to the page's origin). The
 * stream is opened at `${url}/rooms/${room}/events` (SSE) or `${url}/rooms/${room}/ws` (WebSocket,
 * `http` becoming `ws`), with `?lastEventId=` set to the last seq delivered.
 *
 * Promises: `onEvent` sees each seq at most once and in increasing order; every seq skipped between
 * the first event and the latest one is reported once through `onGap`. On a drop it reconnects with
 * exponential backoff and jitter; when the server announces a restart it reconnects after the delay
 * the server chose.
 */
export function connect(url: string, room: string, options: ConnectOptions): Connection {
  return new RoomStream(url, room, options);
}
