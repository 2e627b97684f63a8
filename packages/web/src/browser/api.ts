// The api as the pages see it: same-origin fetches to /api, errors turned into ApiError.

/** Room status as the api reports it. */
export type RoomStatus = 'open' | 'paused' | 'closed' | 'expired';

/** A room as `GET /api/rooms/:room` shows it. */
export interface Room {
  name: string;
  /** The api fills an empty title with the room's name. */
  title: string;
  status: RoomStatus;
  expiresAt: string;
  /** The room's last event seq when the api answered. */
  lastSeq: number;
  /** Whether this request carried the room's owner token (its HttpOnly cookie, or a Bearer header). */
  owner: boolean;
  /** The room's link on the api's configured public URL: the one to share. */
  url: string;
}

/** A message; `id` is the seq of its `message.created` event, as a decimal string. */
export interface Message {
  id: string;
  author: string;
  text: string;
  /** ISO 8601 time it was posted. */
  at: string;
}

export interface MessagePage {
  messages: Message[];
  next: string | null;
}

/** The event envelope (DESIGN.md). */
export interface RoomEvent {
  room: string;
  seq: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** A failed api call: `code` is the api's stable error code, or `network` when nothing answered. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/**
 * One same-origin call. The owner's token travels only in the api's HttpOnly cookie (scoped to
 * `/api/rooms/<room>`), so page script never holds it and the api decides who owns a room.
 */
async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('network', 'Could not reach the server. Check your connection and try again.', 0);
  }
  const text = await response.text();
  const parsed: unknown = text === '' ? null : safeParse(text);
  if (!response.ok) throw refusalOf(response.status, parsed);
  return parsed as T;
}

/** The ApiError for a non-2xx answer: the api's `{error:{code,message}}`, or a generic one. */
export function refusalOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return new ApiError(
    error?.code ?? `http_${status}`,
    error?.message ?? `The server answered ${status}. Try again in a moment.`,
    status,
  );
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const roomPath = (room: string): string => `/api/rooms/${encodeURIComponent(room)}`;

export interface CreatedRoom {
  room: Room;
  ownerToken: string;
}

export async function createRoom(name: string, title: string, lifetime: string): Promise<CreatedRoom> {
  const body: Record<string, string> = { name, lifetime };
  if (title !== '') body.title = title;
  return request<CreatedRoom>('POST', '/api/rooms', body);
}

export async function getRoom(room: string): Promise<Room> {
  return (await request<{ room: Room }>('GET', roomPath(room))).room;
}

/** Newest page when `before` is null; otherwise the page just older than `before`. Oldest first. */
export async function olderMessages(
  room: string,
  before: string | null,
  limit: number,
): Promise<MessagePage> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before !== null) query.set('before', before);
  const page = await request<MessagePage>('GET', `${roomPath(room)}/messages?${query}`);
  // The api answers newest first (its keyset order); the page shows oldest first.
  return { messages: page.messages.reverse(), next: page.next };
}

export async function eventsAfter(room: string, afterSeq: number): Promise<RoomEvent[]> {
  const page = await request<{ events: RoomEvent[] }>(
    'GET',
    `${roomPath(room)}/events?after=${afterSeq}&limit=500`,
  );
  return page.events;
}

export async function deleteMessage(room: string, id: string): Promise<void> {
  await request<unknown>('DELETE', `${roomPath(room)}/messages/${encodeURIComponent(id)}`);
}

export async function moderateRoom(room: string, action: 'pause' | 'resume' | 'close'): Promise<void> {
  await request<unknown>('POST', `${roomPath(room)}/${action}`, {});
}

export interface Transcript {
  room: Pick<Room, 'name' | 'title' | 'status'>;
  messages: Message[];
}

/** The whole room, oldest first (the api streams it in seq order). */
export async function getTranscript(room: string): Promise<Transcript> {
  return request<Transcript>('GET', `${roomPath(room)}/transcript.json`);
}

/** The message in a `message.created` event: its data, stamped with the event's time. */
export function messageOfEvent(event: RoomEvent): Message {
  const data = event.data as { id?: unknown; author?: unknown; text?: unknown };
  return {
    id: String(data.id),
    author: String(data.author ?? ''),
    text: String(data.text ?? ''),
    at: event.at,
  };
}
