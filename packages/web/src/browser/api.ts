// The api as the pages see it: same-origin fetches to /api, errors turned into ApiError.

/** Room status as the api reports it. */
export type RoomStatus = 'open' | 'paused' | 'closed' | 'expired';

export interface Room {
  name: string;
  title: string | null;
  status: RoomStatus;
  expiresAt: string | null;
  lastSeq: number;
  isOwner: boolean;
}

export interface Message {
  id: string;
  author: string;
  text: string;
  createdAt: string;
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
  readonly retryAfterSeconds: number | null;

  constructor(code: string, message: string, status: number, retryAfterSeconds: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const ownerTokenKey = (room: string): string => `backchannel:owner:${room}`;

/** The owner token kept by the browser that created the room (the cookie copy is HttpOnly). */
export function storedOwnerToken(room: string): string | null {
  try {
    return localStorage.getItem(ownerTokenKey(room));
  } catch {
    return null;
  }
}

export function storeOwnerToken(room: string, token: string): void {
  try {
    localStorage.setItem(ownerTokenKey(room), token);
  } catch {
    // Storage disabled: the HttpOnly cookie still identifies the owner.
  }
}

async function request<T>(method: string, path: string, body?: unknown, room?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = room === undefined ? null : storedOwnerToken(room);
  if (token !== null) headers.Authorization = `Bearer ${token}`;
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
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    const retryAfter = Number(response.headers.get('Retry-After'));
    throw new ApiError(
      error?.code ?? `http_${response.status}`,
      error?.message ?? `The server answered ${response.status}. Try again in a moment.`,
      response.status,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    );
  }
  return parsed as T;
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
  const created = await request<{ room: unknown; ownerToken: string }>('POST', '/api/rooms', body);
  return { room: toRoom(created.room), ownerToken: created.ownerToken };
}

export async function getRoom(room: string): Promise<Room> {
  const body = await request<unknown>('GET', roomPath(room), undefined, room);
  const wrapped = (body as { room?: unknown }).room;
  return toRoom(typeof wrapped === 'object' && wrapped !== null ? wrapped : body);
}

/** Newest page when `before` is null; otherwise the page just older than `before`. Oldest first. */
export async function olderMessages(
  room: string,
  before: string | null,
  limit: number,
): Promise<MessagePage> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before !== null) query.set('before', before);
  const page = await request<{ messages: unknown[]; next: string | null }>(
    'GET',
    `${roomPath(room)}/messages?${query}`,
  );
  const messages = page.messages.map(toMessage);
  return { messages: sortOldestFirst(messages), next: page.next ?? null };
}

export async function eventsAfter(room: string, afterSeq: number): Promise<RoomEvent[]> {
  const body = await request<{ events: RoomEvent[] } | RoomEvent[]>(
    'GET',
    `${roomPath(room)}/events?after=${afterSeq}&limit=100`,
  );
  const events = Array.isArray(body) ? body : body.events;
  return [...events].sort((a, b) => a.seq - b.seq);
}

export async function postMessage(room: string, author: string, text: string): Promise<Message> {
  const body = await request<unknown>('POST', `${roomPath(room)}/messages`, { author, text }, room);
  const wrapped = (body as { message?: unknown }).message;
  return toMessage(typeof wrapped === 'object' && wrapped !== null ? wrapped : body);
}

export async function deleteMessage(room: string, id: string): Promise<void> {
  await request<unknown>('DELETE', `${roomPath(room)}/messages/${encodeURIComponent(id)}`, undefined, room);
}

export async function moderateRoom(room: string, action: 'pause' | 'resume' | 'close'): Promise<void> {
  await request<unknown>('POST', `${roomPath(room)}/${action}`, {}, room);
}

export interface Transcript {
  room: Room | null;
  messages: Message[];
}

export async function getTranscript(room: string): Promise<Transcript> {
  const body = await request<unknown>('GET', `${roomPath(room)}/transcript.json`);
  if (Array.isArray(body)) return { room: null, messages: sortOldestFirst(body.map(toMessage)) };
  const { room: info, messages } = body as { room?: unknown; messages?: unknown[] };
  return {
    room: typeof info === 'object' && info !== null ? toRoom(info) : null,
    messages: sortOldestFirst((messages ?? []).map(toMessage)),
  };
}

function toRoom(raw: unknown): Room {
  const r = raw as Record<string, unknown>;
  return {
    name: String(r.name ?? r.room ?? ''),
    title: typeof r.title === 'string' && r.title !== '' ? r.title : null,
    status: (typeof r.status === 'string' ? r.status : 'open') as RoomStatus,
    expiresAt: typeof r.expiresAt === 'string' ? r.expiresAt : null,
    lastSeq: Number(r.lastSeq ?? r.seq ?? 0),
    isOwner: r.isOwner === true || r.owner === true,
  };
}

/** Accepts the message object of an api response or of a `message.created` event's data. */
export function toMessage(raw: unknown): Message {
  const m = raw as Record<string, unknown>;
  return {
    id: String(m.id),
    author: String(m.author ?? ''),
    text: String(m.text ?? ''),
    createdAt: String(m.createdAt ?? m.at ?? ''),
  };
}

/** History pages come newest first (the api's keyset order for `before=`); the pages show oldest first. */
function sortOldestFirst(newestFirst: Message[]): Message[] {
  return [...newestFirst].reverse();
}
