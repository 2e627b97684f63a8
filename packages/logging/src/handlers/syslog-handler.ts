import type { Socket as UdpSocket } from 'node:dgram';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { connect, isIPv6 } from 'node:net';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { LoggingError } from '../errors.js';
import { Handler } from '../handler.js';
import type { LogRecord } from '../record.js';

/** Syslog priorities (RFC 5424 severities) as in Python's `SysLogHandler`. */
export const LOG_EMERG = 0;
export const LOG_ALERT = 1;
export const LOG_CRIT = 2;
export const LOG_ERR = 3;
export const LOG_WARNING = 4;
export const LOG_NOTICE = 5;
export const LOG_INFO = 6;
export const LOG_DEBUG = 7;

/** Syslog facilities as in Python's `SysLogHandler`. */
export const LOG_KERN = 0;
export const LOG_USER = 1;
export const LOG_MAIL = 2;
export const LOG_DAEMON = 3;
export const LOG_AUTH = 4;
export const LOG_SYSLOG = 5;
export const LOG_LPR = 6;
export const LOG_NEWS = 7;
export const LOG_UUCP = 8;
export const LOG_CRON = 9;
export const LOG_AUTHPRIV = 10;
export const LOG_FTP = 11;
export const LOG_NTP = 12;
export const LOG_SECURITY = 13;
export const LOG_CONSOLE = 14;
export const LOG_SOLCRON = 15;
export const LOG_LOCAL0 = 16;
export const LOG_LOCAL1 = 17;
export const LOG_LOCAL2 = 18;
export const LOG_LOCAL3 = 19;
export const LOG_LOCAL4 = 20;
export const LOG_LOCAL5 = 21;
export const LOG_LOCAL6 = 22;
export const LOG_LOCAL7 = 23;

const PRIORITY_NAMES: Record<string, number> = {
  alert: LOG_ALERT,
  crit: LOG_CRIT,
  critical: LOG_CRIT,
  debug: LOG_DEBUG,
  emerg: LOG_EMERG,
  err: LOG_ERR,
  error: LOG_ERR,
  info: LOG_INFO,
  notice: LOG_NOTICE,
  panic: LOG_EMERG,
  warn: LOG_WARNING,
  warning: LOG_WARNING,
};

const FACILITY_NAMES: Record<string, number> = {
  auth: LOG_AUTH,
  authpriv: LOG_AUTHPRIV,
  console: LOG_CONSOLE,
  cron: LOG_CRON,
  daemon: LOG_DAEMON,
  ftp: LOG_FTP,
  kern: LOG_KERN,
  lpr: LOG_LPR,
  mail: LOG_MAIL,
  news: LOG_NEWS,
  ntp: LOG_NTP,
  security: LOG_SECURITY,
  'solaris-cron': LOG_SOLCRON,
  syslog: LOG_SYSLOG,
  user: LOG_USER,
  uucp: LOG_UUCP,
  local0: LOG_LOCAL0,
  local1: LOG_LOCAL1,
  local2: LOG_LOCAL2,
  local3: LOG_LOCAL3,
  local4: LOG_LOCAL4,
  local5: LOG_LOCAL5,
  local6: LOG_LOCAL6,
  local7: LOG_LOCAL7,
};

/** Keyword options of `SysLogHandler`. */
export interface SysLogHandlerOptions {
  /** `[host, port]` (default `['localhost', 514]`) or a unix socket path (stream sockets only). */
  address?: [string, number] | string;
  /** Facility number or name. Default `LOG_USER`. */
  facility?: number | string;
  /** `'udp'` (default for `[host, port]`) or `'tcp'`. */
  socktype?: 'udp' | 'tcp' | null;
  /** Use RFC 5424 framing (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID - MSG`) instead of Python's BSD style. Default `false`. */
  rfc5424?: boolean;
  /** RFC 5424 APP-NAME. Default: the main script's file name. */
  appName?: string;
}

/**
 * Python's `SysLogHandler`: sends `<PRI>message\0` to a syslog daemon over UDP, TCP or a
 * unix stream socket. With `rfc5424: true`, sends RFC 5424 messages instead (and on
 * stream sockets, RFC 6587 octet-counting frames). Sends are asynchronous; a failure is
 * reported through `handleError`.
 *
 * Node has no unix datagram sockets, so a path must name a stream socket (`/dev/log` on
 * most Linux systems is a datagram socket: use UDP to the daemon there).
 */
export class SysLogHandler extends Handler {
  static readonly priority_names = PRIORITY_NAMES;
  static readonly facility_names = FACILITY_NAMES;
  static readonly priority_map: Record<string, string> = {
    DEBUG: 'debug',
    INFO: 'info',
    WARNING: 'warning',
    ERROR: 'error',
    CRITICAL: 'critical',
  };
  address: [string, number] | string;
  facility: number | string;
  socktype: 'udp' | 'tcp';
  unixsocket: boolean;
  rfc5424: boolean;
  appName: string;
  /** Python's `ident`: text put before every message. Default `''`. */
  ident = '';
  /** Python's `append_nul`: end BSD-style messages with NUL. Default `true`. */
  append_nul = true;
  private udp: UdpSocket | null = null;
  private stream: Socket | null = null;
  private lastRecord: LogRecord | null = null;

  /** `new SysLogHandler(address?, facility?, socktype?)` or an options object. */
  constructor(
    address: [string, number] | string | SysLogHandlerOptions = ['localhost', 514],
    facility: number | string = LOG_USER,
    socktype: 'udp' | 'tcp' | null = null,
  ) {
    super();
    const o: SysLogHandlerOptions =
      typeof address === 'string' || Array.isArray(address) ? { address, facility, socktype } : address;
    this.address = o.address ?? ['localhost', 514];
    this.facility = o.facility ?? LOG_USER;
    this.unixsocket = typeof this.address === 'string';
    this.socktype = this.unixsocket ? 'tcp' : (o.socktype ?? 'udp');
    this.rfc5424 = o.rfc5424 ?? false;
    this.appName = o.appName ?? (process.argv[1] ? basename(process.argv[1]) : 'node');
  }

  /**
   * Python's `encodePriority(facility, priority)`: `(facility << 3) | priority`.
   * @throws LoggingError for an unknown facility or priority name.
   */
  encodePriority(facility: number | string, priority: number | string): number {
    const f = typeof facility === 'string' ? FACILITY_NAMES[facility] : facility;
    const p = typeof priority === 'string' ? PRIORITY_NAMES[priority] : priority;
    if (f === undefined || p === undefined) {
      throw new LoggingError(
        'LOGGING_BAD_ARGUMENT',
        'KeyError',
        `unknown syslog facility or priority: ${facility}/${priority}`,
      );
    }
    return (f << 3) | p;
  }

  /** Python's `mapPriority(levelName)`: the syslog priority name for a level name (default `'warning'`). */
  mapPriority(levelName: string): string {
    return SysLogHandler.priority_map[levelName] ?? 'warning';
  }

  /** @internal the bytes to send for one record. */
  frame(record: LogRecord): Buffer {
    let msg = this.format(record);
    if (this.ident) msg = this.ident + msg;
    const pri = this.encodePriority(this.facility, this.mapPriority(record.levelname));
    if (!this.rfc5424) {
      if (this.append_nul) msg += '\0';
      return Buffer.from(`<${pri}>${msg}`, 'utf8');
    }
    const ts = new Date(record.created * 1000).toISOString();
    const line = Buffer.from(
      `<${pri}>1 ${ts} ${hostname() || '-'} ${this.appName || '-'} ${record.process} - - ${msg}`,
      'utf8',
    );
    if (this.socktype === 'udp') return line;
    return Buffer.concat([Buffer.from(`${line.length} `), line]);
  }

  private reportSocketError = (err: Error) => {
    this.stream = null;
    if (this.lastRecord !== null) this.handleError(this.lastRecord, err);
  };

  /** Python's `createSocket()`: open the UDP socket or connect the stream. */
  createSocket(): void {
    if (this.socktype === 'udp' && !this.unixsocket) {
      const [host] = this.address as [string, number];
      this.udp = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
      this.udp.on('error', this.reportSocketError);
      this.udp.unref();
      return;
    }
    const s = this.unixsocket
      ? connect(this.address as string)
      : connect({ host: (this.address as [string, number])[0], port: (this.address as [string, number])[1] });
    s.on('error', this.reportSocketError);
    s.on('close', () => {
      if (this.stream === s) this.stream = null;
    });
    s.unref();
    this.stream = s;
  }

  override emit(record: LogRecord): void {
    try {
      const bytes = this.frame(record);
      this.lastRecord = record;
      if (this.udp === null && this.stream === null) this.createSocket();
      if (this.udp !== null) {
        const [host, port] = this.address as [string, number];
        this.udp.send(bytes, port, host, (err) => {
          if (err) this.handleError(record, err);
        });
      } else {
        this.stream!.write(bytes);
      }
    } catch (err) {
      this.handleError(record, err);
    }
  }

  override close(): void {
    try {
      this.udp?.close();
      this.stream?.end();
    } finally {
      this.udp = null;
      this.stream = null;
      super.close();
    }
  }
}
