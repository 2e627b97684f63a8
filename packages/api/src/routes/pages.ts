import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { isValidRoomName } from '../validate/room-name.js';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Pages are revalidated every time; fingerprinted assets are cached for a year. */
const HTML_CACHE = 'no-cache';
const ASSET_CACHE = 'public, max-age=31536000, immutable';
// An asset name with a content hash (e.g. room-3f9a1c2b.js) never changes; others are revalidated.
const FINGERPRINTED = /[.-][0-9a-zA-Z_]{8,}\.[a-z0-9]+$/;

async function sendFile(request: FastifyRequest, reply: FastifyReply, path: string, cacheControl: string) {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new ApiError('not_found', `Nothing at ${request.url}.`);
  }
  if (!info.isFile()) throw new ApiError('not_found', `Nothing at ${request.url}.`);
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  reply
    .header('content-type', contentTypes[extname(path)] ?? 'application/octet-stream')
    .header('cache-control', cacheControl)
    .header('etag', etag)
    .header('last-modified', info.mtime.toUTCString());
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  reply.header('content-length', String(info.size));
  if (request.method === 'HEAD') return reply.send();
  return reply.send(createReadStream(path));
}

/**
 * `/` → index.html, `/:room` → room.html, `/:room/transcript` → transcript.html,
 * `/assets/*` → files under `<publicDir>/assets`. Without a built web UI, pages
 * answer 503 `web_ui_missing`.
 */
export function registerPageRoutes(
  app: FastifyInstance,
  context: AppContext,
  publicDir: string | undefined,
): void {
  const root = publicDir ? resolve(publicDir) : undefined;
  const assetsRoot = root ? join(root, 'assets') : undefined;
  const page = (file: string) => (request: FastifyRequest, reply: FastifyReply) => {
    if (!root) {
      throw new ApiError('web_ui_missing', 'The web UI is not built: run "npm run build" in packages/web.');
    }
    return sendFile(request, reply, join(root, file), HTML_CACHE);
  };
  const roomPage = (file: string) => {
    const serve = page(file);
    return (request: FastifyRequest<{ Params: { room: string } }>, reply: FastifyReply) => {
      if (!isValidRoomName(request.params.room)) {
        throw new ApiError('not_found', `Nothing at ${request.url}.`);
      }
      return serve(request, reply);
    };
  };
  app.get('/', page('index.html'));
  app.get<{ Params: { room: string } }>('/:room', roomPage('room.html'));
  app.get<{ Params: { room: string } }>('/:room/transcript', roomPage('transcript.html'));
  app.get<{ Params: { '*': string } }>('/assets/*', (request, reply) => {
    if (!assetsRoot) {
      throw new ApiError('web_ui_missing', 'The web UI is not built: run "npm run build" in packages/web.');
    }
    const relative = request.params['*'];
    const path = resolve(assetsRoot, relative);
    if (!path.startsWith(assetsRoot + sep)) throw new ApiError('not_found', `Nothing at ${request.url}.`);
    return sendFile(request, reply, path, FINGERPRINTED.test(relative) ? ASSET_CACHE : HTML_CACHE);
  });
  context.log.debug('pages', { publicDir: root ?? null });
}

/** The web UI's built files: `options.publicDir`, else `publicDir` exported by `@backchannel/web`. */
export async function findPublicDir(configured: string | undefined): Promise<string | undefined> {
  if (configured) return configured;
  try {
    const web = (await import('@backchannel/web')) as { publicDir?: unknown };
    if (typeof web.publicDir === 'string') {
      await stat(join(web.publicDir, 'index.html'));
      return web.publicDir;
    }
  } catch {
    // Not built yet: pages answer 503 until it is.
  }
  return undefined;
}
