import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { messageView } from '../store/messages.js';
import { type RoomRow, roomStatus } from '../store/rooms.js';
import { transcriptRows } from '../store/transcript.js';
import { oneLine } from '../validate/one-line.js';
import { loadRoom, roomParamSchema } from './room-lookup.js';

type Format = 'text' | 'json';

async function* textTranscript(context: AppContext, room: RoomRow): AsyncGenerator<string> {
  yield `# ${room.title} (${room.name})\n# status: ${roomStatus(room, new Date())}, created ${room.created_at}\n\n`;
  for await (const rows of transcriptRows(context.db.reader, room.id)) {
    let chunk = '';
    for (const row of rows) chunk += `[${row.created_at}] ${oneLine(row.author)}: ${oneLine(row.text)}\n`;
    yield chunk;
  }
}

async function* jsonTranscript(context: AppContext, room: RoomRow): AsyncGenerator<string> {
  const head = {
    name: room.name,
    title: room.title,
    status: roomStatus(room, new Date()),
    createdAt: room.created_at,
    expiresAt: room.expires_at,
  };
  yield `{"room":${JSON.stringify(head)},"messages":[`;
  let first = true;
  for await (const rows of transcriptRows(context.db.reader, room.id)) {
    let chunk = '';
    for (const row of rows) {
      chunk += (first ? '\n' : ',\n') + JSON.stringify(messageView(row));
      first = false;
    }
    yield chunk;
  }
  yield '\n]}\n';
}

/** Picks text or JSON by `Accept` (q-values honoured; text when both are equally welcome). */
export function negotiate(accept: string | undefined): Format {
  if (!accept) return 'text';
  let text = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) || 0 : 1;
    if (type === 'text/plain' || type === 'text/*') text = Math.max(text, q);
    else if (type === 'application/json') json = Math.max(json, q);
    else if (type === 'application/*') json = Math.max(json, q);
    else if (type === '*/*') {
      // A bare wildcard prefers text.
      text = Math.max(text, q);
      json = Math.max(json, q * 0.999);
    }
  }
  if (text === 0 && json === 0) {
    throw new ApiError('not_acceptable', 'The transcript comes as text/plain or application/json.');
  }
  return json > text ? 'json' : 'text';
}

export function registerTranscriptRoutes(app: FastifyInstance, context: AppContext): void {
  const send = async (
    request: FastifyRequest<{ Params: { room: string } }>,
    reply: FastifyReply,
    format: Format,
  ) => {
    const room = await loadRoom(context, request.params.room);
    const source = format === 'json' ? jsonTranscript(context, room) : textTranscript(context, room);
    reply
      .header(
        'content-type',
        format === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
      )
      .header(
        'content-disposition',
        `inline; filename="${room.name}-transcript.${format === 'json' ? 'json' : 'txt'}"`,
      )
      .header('cache-control', 'no-store');
    return reply.send(Readable.from(source));
  };
  const options = { schema: { params: roomParamSchema } };
  app.get<{ Params: { room: string } }>('/api/rooms/:room/transcript', options, (request, reply) =>
    send(request, reply, negotiate(request.headers.accept)),
  );
  app.get<{ Params: { room: string } }>('/api/rooms/:room/transcript.txt', options, (request, reply) =>
    send(request, reply, 'text'),
  );
  app.get<{ Params: { room: string } }>('/api/rooms/:room/transcript.json', options, (request, reply) =>
    send(request, reply, 'json'),
  );
}
