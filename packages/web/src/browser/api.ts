// The api as the pages see it: same-origin fetches to /api, errors turned into ApiError.
import type { EventEnvelope } from '@backchannel/envelope';
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
  /** Slow mode: one message per person per this many seconds; 0 is off. */
  slowModeSeconds: number;
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

/** An event as the page receives it (the envelope every service agrees on). */
export type RoomEvent = EventEnvelope<string, Record<string, unknown>>;

/** A failed api call: `code` is the api's stable error code, or `network` when nothing answered. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** From `Retry-After` (429): seconds until the server takes the request again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, message: string, status: number, retryAfterSeconds?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** `Retry-After` in seconds (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterOf(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
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
  if (!response.ok) throw refusalOf(response, parsed);
  return parsed as T;
}

/** The ApiError for a non-2xx answer: the api's `{error:{code,message}}`, or a generic one. */
export function refusalOf(response: Response, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return new ApiError(
    error?.code ?? `http_${response.status}`,
    error?.message ?? `The server answered ${response.status}. Try again in a moment.`,
    response.status,
    retryAfterOf(response),
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

/** Slow mode: one message per person per `seconds` (0 turns it off). Owner only. */
export async function setSlowMode(room: string, seconds: number): Promise<Room> {
  return (await request<{ room: Room }>('POST', `${roomPath(room)}/slow-mode`, { seconds })).room;
}

/** Mutes (or unmutes) whoever posted message `id`. Owner only. */
export async function muteAuthor(room: string, id: string, muted: boolean): Promise<void> {
  const action = muted ? 'mute-author' : 'unmute-author';
  await request<unknown>('POST', `${roomPath(room)}/messages/${encodeURIComponent(id)}/${action}`, {});
}

/** Removes every message of whoever posted message `id`; resolves with how many. Owner only. */
export async function removeAuthorMessages(room: string, id: string): Promise<number> {
  const path = `${roomPath(room)}/messages/${encodeURIComponent(id)}/remove-author-messages`;
  return (await request<{ removed: number }>('POST', path, {})).removed;
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
