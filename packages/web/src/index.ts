import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the built browser UI (`npm run build` writes it). It holds:
 * - `index.html` — the home page, served at `/`
 * - `room.html` — the room page, served at `/:room`
 * - `transcript.html` — the printable transcript, served at `/:room/transcript`
 * - `status.html` — the live status charts, served at `/status`
 * - `assets/…` — scripts and the stylesheet named by content hash (`room-6L3AE4BY.js`, safe to
 *   cache for good) and the icon, referenced as `/assets/<file>`
 *
 * The pages carry no inline script or style, so they run under
 * `Content-Security-Policy: default-src 'self'`.
 */
export const publicDir: string = fileURLToPath(new URL('../public', import.meta.url));

/** The page files in {@link publicDir}, by the route that serves them. */
export const pages = {
  home: 'index.html',
  room: 'room.html',
  transcript: 'transcript.html',
  status: 'status.html',
} as const;

/** The URL prefix of the static assets; files live in `publicDir/assets`. */
export const assetsPrefix = '/assets/';
