import type { IncomingMessage } from 'node:http';
import { clientAddress } from './client-address.js';
import type { Connections } from './connections.js';
import { isRoomName } from './envelope.js';
import { EkgError } from './errors.js';

const SEQ_TEXT = /^\d{1,16}$/;

/** A subscriber let in: the address it counts against and the seq it resumes after. */
export interface Admitted {
  ip: string;
  /** -1 when the client sent no `Last-Event-ID` (it takes whatever comes next). */
  lastSeq: number;
}

/** The seq a client resumes after: `Last-Event-ID`, else `?lastEventId=`; -1 when it sent neither. */
function resumeSeq(request: IncomingMessage, query: string): number {
  const header = request.headers['last-event-id'];
  let text = typeof header === 'string' ? header : undefined;
  if (text === undefined || text === '') {
    text = query === '' ? undefined : (new URLSearchParams(query).get('lastEventId') ?? undefined);
  }
  if (text === undefined || text === '') return -1;
  if (!SEQ_TEXT.test(text)) {
    throw new EkgError(
      'invalid_last_event_id',
      400,
      'Last-Event-ID / lastEventId must be the non-negative integer seq of the last event the client has.',
    );
  }
  return Number(text);
}

/**
 * The gate every SSE and WebSocket subscriber passes before its stream opens, over either
 * transport: not while shutting down, a valid room name and resume seq, and a free connection slot
 * (in total and for its address).
 */
export class SubscriberAdmission {
  readonly #connections: Connections;
  readonly #trustProxy: boolean | ReadonlySet<string>;
  readonly #isDraining: () => boolean;

  constructor(
    connections: Connections,
    trustProxy: boolean | ReadonlySet<string>,
    isDraining: () => boolean,
  ) {
    this.#connections = connections;
    this.#trustProxy = trustProxy;
    this.#isDraining = isDraining;
  }

  /**
   * Validates the request for `roomName` and takes a connection slot, which the subscriber's
   * {@link Connections.closed} gives back.
   * @throws EkgError to answer with: `shutting_down` 503, `invalid_room` 400,
   * `invalid_last_event_id` 400, `too_many_connections` 503.
   */
  admit(request: IncomingMessage, roomName: string): Admitted {
    if (this.#isDraining())
      throw new EkgError('shutting_down', 503, 'ekg is restarting: reconnect in a moment.');
    if (!isRoomName(roomName)) {
      throw new EkgError('invalid_room', 400, 'Room names are 1-64 letters, digits, "-", "_" or ".".');
    }
    const query = request.url!.indexOf('?');
    const lastSeq = resumeSeq(request, query < 0 ? '' : request.url!.slice(query + 1));
    const ip = clientAddress(request, this.#trustProxy);
    const refused = this.#connections.limiter.acquire(ip);
    if (refused !== undefined) {
      this.#connections.metrics.rejectedConnections.inc({ reason: refused });
      throw new EkgError(
        'too_many_connections',
        503,
        refused === 'total'
          ? 'ekg holds its maximum number of connections (--max-connections): try again later.'
          : 'Too many connections from this address (--max-connections-per-ip): close some first.',
      );
    }
    return { ip, lastSeq };
  }
}
