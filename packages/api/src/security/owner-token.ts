import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';

/** A new owner token (shown once) and the hash that is stored. */
export function newOwnerToken(): { token: string; hash: string } {
  const token = `bco_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashOwnerToken(token) };
}

export function hashOwnerToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** The cookie holding a room's owner token; scoped to that room's api paths. */
export function ownerCookieName(room: string): string {
  return `bc_owner_${room.replaceAll('-', '_')}`;
}

export function ownerCookie(room: string, token: string, secure: boolean, maxAgeSeconds: number): string {
  const parts = [
    `${ownerCookieName(room)}=${token}`,
    `Path=/api/rooms/${room}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The owner token the request carries: `Authorization: Bearer …` first, else the room's cookie. */
export function presentedOwnerToken(request: FastifyRequest, room: string): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim();
  return cookieValue(request.headers.cookie, ownerCookieName(room));
}

export function ownsRoom(token: string | undefined, storedHash: string): boolean {
  if (!token) return false;
  const presented = Buffer.from(hashOwnerToken(token));
  const stored = Buffer.from(storedHash);
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** Throws `owner_token_required` (401) without a token, `owner_token_invalid` (403) with a wrong one. */
export function requireOwner(token: string | undefined, storedHash: string): void {
  if (!token) {
    throw new ApiError(
      'owner_token_required',
      "Only the room's owner can do this: send the owner token as 'Authorization: Bearer <token>' or its cookie.",
    );
  }
  if (!ownsRoom(token, storedHash)) {
    throw new ApiError('owner_token_invalid', 'This owner token does not own this room.');
  }
}
