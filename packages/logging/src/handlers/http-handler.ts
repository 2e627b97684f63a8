import type { ClientRequest } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import { LoggingError } from '../errors.js';
import { Handler } from '../handler.js';
import type { LogRecord } from '../record.js';
import { RECORD_ATTRIBUTES } from '../record.js';
import { str } from '../value-text.js';

/** Keyword options of `HTTPHandler` (Python's names). */
export interface HTTPHandlerOptions {
  /** `'host'` or `'host:port'`. */
  host: string;
  /** Path, e.g. `'/log'`. */
  url: string;
  /** `'GET'` (default) or `'POST'`. */
  method?: 'GET' | 'POST';
  /** Use HTTPS. Default `false`. */
  secure?: boolean;
  /** `[user, password]` for Basic authentication. Default none. */
  credentials?: [string, string] | null;
  /** TLS options for HTTPS (Python's `context`). */
  context?: SecureContextOptions | null;
}

/**
 * Python's `HTTPHandler`: sends each record's attributes (`mapLogRecord`), URL-encoded, to
 * a web server with GET (query string) or POST (form body). Requests are sent without
 * waiting; failures go to `handleError`. `drain()` resolves when none is in flight.
 */
export class HTTPHandler extends Handler {
  host: string;
  url: string;
  method: 'GET' | 'POST';
  secure: boolean;
  credentials: [string, string] | null;
  context: SecureContextOptions | null;
  private inFlight = new Set<ClientRequest>();
  private idle: (() => void)[] = [];

  /** `new HTTPHandler(host, url, method?, secure?, credentials?, context?)` or an options object. */
  constructor(
    host: string | HTTPHandlerOptions,
    url = '/',
    method: 'GET' | 'POST' = 'GET',
    secure = false,
    credentials: [string, string] | null = null,
    context: SecureContextOptions | null = null,
  ) {
    super();
    const o: HTTPHandlerOptions =
      typeof host === 'string' ? { host, url, method, secure, credentials, context } : host;
    const m = (o.method ?? 'GET').toUpperCase();
    if (m !== 'GET' && m !== 'POST') {
      throw new LoggingError('LOGGING_BAD_ARGUMENT', 'ValueError', 'method must be GET or POST');
    }
    if (!o.secure && o.context) {
      throw new LoggingError(
        'LOGGING_BAD_ARGUMENT',
        'ValueError',
        'context parameter only makes sense with secure=True',
      );
    }
    this.host = o.host;
    this.url = o.url;
    this.method = m;
    this.secure = o.secure ?? false;
    this.credentials = o.credentials ?? null;
    this.context = o.context ?? null;
  }

  /** Python's `mapLogRecord(record)`: the record's attributes as a plain object. */
  mapLogRecord(record: LogRecord): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const view = record as unknown as Record<string, unknown>;
    for (const k of RECORD_ATTRIBUTES) {
      const v = view[k];
      if (v !== undefined) out[k] = v;
    }
    for (const k of Object.keys(record)) if (!k.startsWith('_') && !(k in out)) out[k] = view[k];
    return out;
  }

  override emit(record: LogRecord): void {
    try {
      const fields = this.mapLogRecord(record);
      const data = new URLSearchParams();
      for (const [k, v] of Object.entries(fields)) data.append(k, v === null ? 'None' : str(v));
      const encoded = data.toString();
      let path = this.url;
      if (this.method === 'GET') path += (path.includes('?') ? '&' : '?') + encoded;
      const colon = this.host.lastIndexOf(':');
      const hostname = colon > 0 ? this.host.slice(0, colon) : this.host;
      const port = colon > 0 ? Number(this.host.slice(colon + 1)) : this.secure ? 443 : 80;
      const headers: Record<string, string> = { Host: this.host };
      if (this.method === 'POST') {
        headers['Content-type'] = 'application/x-www-form-urlencoded';
        headers['Content-length'] = String(Buffer.byteLength(encoded));
      }
      if (this.credentials !== null) {
        headers.Authorization = `Basic ${Buffer.from(`${this.credentials[0]}:${this.credentials[1]}`).toString('base64')}`;
      }
      const options = { hostname, port, path, method: this.method, headers, ...(this.context ?? {}) };
      const req = this.secure ? httpsRequest(options) : httpRequest(options);
      this.inFlight.add(req);
      const done = () => {
        this.inFlight.delete(req);
        if (this.inFlight.size === 0) for (const w of this.idle.splice(0)) w();
      };
      req.on('response', (res) => {
        res.resume();
        res.on('end', done);
        res.on('error', done);
      });
      req.on('error', (err) => {
        done();
        this.handleError(record, err);
      });
      req.end(this.method === 'POST' ? encoded : undefined);
    } catch (err) {
      this.handleError(record, err);
    }
  }

  /** Resolves once no request is in flight. */
  drain(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
