import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  buildStatusDocument,
  checkStatusAccess,
  STATUS_COOKIE,
  sameSecret,
  statusCookieValue,
} from '@backchannel/stats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { StatusRecording } from '../status/status-recording.js';
import type { Readiness } from './ops.js';

/** Seconds of history `/status.json` answers without `?after=`: the whole ring. */
const HOUR = 3600;
/** Seconds each live push repeats, so a second a mirror brought in late still reaches the page. */
const PUSH_WINDOW = 10;
/** Open `/status/events` streams at once; past it, 503. */
const MAX_STREAMS = 100;

export interface StatusRouteDeps {
  recording: StatusRecording;
  readiness: Readiness;
  /** The web UI's built files, if built. */
  publicDir: string | undefined;
}

function refuse(reply: FastifyReply, code: string, message: string): FastifyReply {
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer realm="backchannel status"')
    .header('cache-control', 'no-store')
    .send({ error: { code, message } });
}

/**
 * The status page and its data: `GET /status` (the page; it holds no figures), `GET /status.json`
 * (`?after=UNIX_SECONDS`, default the last hour), `GET /status/events` (Server-Sent Events, one
 * `status` event a second with the last ten seconds), `POST /status/login` (form or JSON `token`:
 * sets the status cookie), and `GET /status/room` for a room named `status` made before the name
 * was reserved. Data answers open from loopback, elsewhere only with the status token.
 */
export function registerStatusRoutes(app: FastifyInstance, context: AppContext, deps: StatusRouteDeps): void {
  const token = context.options.statusToken;
  const secure = context.publicOrigin.startsWith('https:');
  const streams = new Set<ServerResponse>();

  const allowed = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const access = checkStatusAccess(
      {
        clientAddress: request.ip,
        authorization: request.headers.authorization,
        cookie: request.headers.cookie,
      },
      token,
    );
    if (access.allowed) return true;
    refuse(reply, access.code, access.message);
    return false;
  };
  const documentAfter = (after: number) =>
    buildStatusDocument(deps.recording.services(after, deps.readiness.ready), after);

  const page = (file: string) => (_request: FastifyRequest, reply: FastifyReply) => {
    if (deps.publicDir === undefined) {
      return reply.code(503).send({
        error: {
          code: 'web_ui_missing',
          message: 'The web UI is not built: run "npm run build" in packages/web.',
        },
      });
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(createReadStream(join(deps.publicDir, file)));
  };
  app.get('/status', page('status.html'));
  app.get('/status/room', page('room.html'));
  app.get('/status/room/transcript', page('transcript.html'));

  if (deps.recording.enabled) {
    // A hook of its own, added only when recording: with recording off the api does no status work.
    app.addHook('onResponse', (request, reply, done) => {
      deps.recording.observe(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
      done();
    });
  }

  app.get<{ Querystring: { after?: string } }>('/status.json', (request, reply) => {
    if (!allowed(request, reply)) return reply;
    const now = Math.floor(Date.now() / 1000);
    const given = Number(request.query.after);
    const after = Number.isInteger(given) && given > 0 ? Math.max(given, now - HOUR) : now - HOUR;
    return reply.header('cache-control', 'no-store').send(documentAfter(after));
  });

  app.get('/status/events', (request, reply) => {
    if (!allowed(request, reply)) return reply;
    if (streams.size >= MAX_STREAMS) {
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({
          error: {
            code: 'too_many_status_streams',
            message: 'Too many status pages are open: try again soon.',
          },
        });
    }
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    response.write('retry: 2000\n\n');
    streams.add(response);
    const push = () => {
      const after = Math.floor(Date.now() / 1000) - PUSH_WINDOW;
      response.write(`event: status\ndata: ${JSON.stringify(documentAfter(after))}\n\n`);
    };
    push();
    // Half a second past each boundary: the rings have closed the second and the mirrors pulled it.
    let timer: NodeJS.Timeout | undefined;
    const schedule = () => {
      timer = setTimeout(
        () => {
          push();
          schedule();
        },
        1500 - (Date.now() % 1000),
      );
      if (timer.unref) timer.unref();
    };
    schedule();
    response.on('close', () => {
      clearTimeout(timer);
      streams.delete(response);
    });
    return reply;
  });

  app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    scope.post<{ Body: { token?: unknown } | undefined }>('/status/login', (request, reply) => {
      const form = !String(request.headers['content-type'] ?? '').startsWith('application/json');
      const given = typeof request.body?.token === 'string' ? request.body.token : '';
      if (token === '' || !sameSecret(given, token)) {
        if (form) return reply.redirect('/status?login=wrong', 303);
        return refuse(reply, 'status_token_wrong', 'The status token is wrong.');
      }
      reply.header(
        'set-cookie',
        `${STATUS_COOKIE}=${statusCookieValue(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000${secure ? '; Secure' : ''}`,
      );
      if (form) return reply.redirect('/status', 303);
      return reply.code(204).send();
    });
  });

  app.addHook('preClose', (done) => {
    for (const response of streams) response.end();
    streams.clear();
    done();
  });
}
