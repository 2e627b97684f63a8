// A subscriber that runs the page's own code: the web app's LiveFeed over ekg's client, on SSE
// (undici's EventSource) or WebSocket (ws), recording every event it would show.
import type { RoomEvent } from '@backchannel/web/browser/api';
import { LiveFeed } from '@backchannel/web/browser/live-feed';
import { type ConnectOptions, connect } from 'ekg/client';
import { EventSource } from 'undici';
import WebSocket from 'ws';

export interface ShownEvent {
  seq: number;
  type: string;
  text: string | undefined;
}

export class Subscriber {
  readonly shown: ShownEvent[] = [];
  readonly statuses: string[] = [];
  #feed: LiveFeed;

  constructor(
    readonly name: string,
    base: string,
    room: string,
    lastSeq: number,
    transport: 'sse' | 'websocket',
  ) {
    this.#feed = new LiveFeed({
      room,
      lastSeq,
      onEvent: (event) => this.shown.push(toShown(event)),
      onStatus: (status) => this.statuses.push(status),
      fetchEventsAfter: async (after) => {
        const response = await fetch(
          `${base}/api/rooms/${encodeURIComponent(room)}/events?after=${after}&limit=500`,
          { signal: AbortSignal.timeout(5000) },
        );
        if (!response.ok) throw new Error(`events answered ${response.status}`);
        return ((await response.json()) as { events: RoomEvent[] }).events;
      },
      connect: (_url: string, roomName: string, options: ConnectOptions) =>
        connect(base, roomName, {
          ...options,
          transport,
          minDelay: 200,
          maxDelay: 2000,
          EventSource: EventSource as unknown as ConnectOptions['EventSource'],
          WebSocket: WebSocket as unknown as ConnectOptions['WebSocket'],
        }),
    });
  }

  start(): void {
    this.#feed.start();
  }

  get lastSeq(): number {
    return this.#feed.lastSeq;
  }

  close(): void {
    this.#feed.close();
  }
}

function toShown(event: RoomEvent): ShownEvent {
  const text = typeof event.data.text === 'string' ? event.data.text : undefined;
  return { seq: event.seq, type: event.type, text };
}
