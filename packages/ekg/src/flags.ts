// ekg's flags: one table that gives the program its values, --help and the README's table.
import { signStandardWebhook, WebhookSecretError } from '@backchannel/replayguard';
import { InvalidValue, listFlag, optionalFlag, parse, switchFlag, valueFlag } from '@backchannel/service';

/** A Standard Webhooks secret: `whsec_` and base64 that makes a key. */
const webhookSecret = (raw: string): string => {
  try {
    if (!raw.startsWith('whsec_')) throw new WebhookSecretError('the prefix is missing.');
    signStandardWebhook({ id: 'check', body: '', secret: raw });
    return raw;
  } catch (error) {
    if (error instanceof WebhookSecretError)
      throw new InvalidValue(`must be "whsec_" followed by base64: ${error.message}`);
    throw error;
  }
};

/** A duration in ms, plain numbers meaning ms (the EKG_*_MS variables), `15s` also accepted. */
const ms = (min: number) => parse.duration({ min, max: 24 * 3_600_000 });

export const ekgFlags = {
  port: valueFlag({
    env: 'EKG_PORT',
    help: 'TCP port (streams and publish)',
    default: 3004,
    parse: parse.port,
  }),
  host: optionalFlag({
    env: 'EKG_HOST',
    help: 'address to bind',
    defaultText: 'all interfaces',
    parse: parse.text,
  }),
  'webhook-secret': listFlag({
    env: 'EKG_WEBHOOK_SECRET',
    envAliases: ['EKG_SECRET'],
    aliases: ['secret'],
    help: 'Standard Webhooks secret whsec_… that signs POST /publish (repeat, or comma-separate in env, to rotate)',
    default: [],
    defaultText: 'none',
    parse: webhookSecret,
  }),
  token: listFlag({
    env: 'EKG_TOKEN',
    help: 'bearer token accepted on POST /publish (repeatable); --webhook-secret or --token is required',
    default: [],
    defaultText: 'none',
    parse: parse.text,
  }),
  buffer: valueFlag({
    env: 'EKG_BUFFER',
    help: 'events kept per room for resume',
    default: 1000,
    parse: parse.integer(1, 1_000_000),
  }),
  heartbeat: valueFlag({
    env: 'EKG_HEARTBEAT_MS',
    help: 'SSE heartbeat comment interval, ms',
    default: 15_000,
    parse: ms(100),
  }),
  retry: valueFlag({ env: 'EKG_RETRY_MS', help: 'SSE retry: hint, ms', default: 2000, parse: ms(0) }),
  ping: valueFlag({
    env: 'EKG_PING_MS',
    help: 'WebSocket ping interval; no pong by the next ping drops the client, ms',
    default: 30_000,
    parse: ms(100),
  }),
  'max-connections': valueFlag({
    env: 'EKG_MAX_CONNECTIONS',
    help: 'open streams in total, then 503',
    default: 20_000,
    parse: parse.integer(1, 10_000_000),
  }),
  'max-connections-per-ip': valueFlag({
    env: 'EKG_MAX_CONNECTIONS_PER_IP',
    help: 'open streams per client address, then 503',
    default: 1000,
    parse: parse.integer(1, 10_000_000),
  }),
  'max-body': valueFlag({
    env: 'EKG_MAX_BODY',
    help: 'largest POST /publish body, bytes (413 past it)',
    default: 1_048_576,
    parse: parse.integer(64, 1 << 30),
  }),
  'max-buffered': valueFlag({
    env: 'EKG_MAX_BUFFERED',
    help: 'unsent bytes per client before it is dropped as too slow',
    default: 262_144,
    parse: parse.integer(1024, 1 << 30),
  }),
  'cors-origin': listFlag({
    env: 'EKG_CORS_ORIGIN',
    help: 'web origin allowed to read streams and open WebSockets (repeatable)',
    default: [],
    defaultText: 'none (same origin)',
    parse: parse.text,
  }),
  'trust-proxy': switchFlag({
    env: 'EKG_TRUST_PROXY',
    help: 'count connections by the last X-Forwarded-For address (the one the proxy in front added), from any peer',
  }),
  'trusted-proxy': listFlag({
    env: 'EKG_TRUSTED_PROXY',
    help: 'believe X-Forwarded-For only from this peer address, the proxy in front (repeatable); safer than --trust-proxy',
    default: [],
    defaultText: 'none',
    parse: parse.text,
  }),
  'reorder-window': valueFlag({
    env: 'EKG_REORDER_WINDOW_MS',
    help: 'an event ahead of a missing seq waits this long for it, ms (0: send at once, clients fetch the gap)',
    default: 100,
    parse: ms(0),
  }),
  'status-recording': valueFlag({
    env: 'EKG_STATUS_RECORDING',
    help: 'record status figures and serve GET /status/ring: on or off',
    default: 'on' as 'on' | 'off',
    parse: parse.oneOf(['on', 'off'] as const),
  }),
  'status-token': optionalFlag({
    env: 'BACKCHANNEL_STATUS_TOKEN',
    help: 'token that opens GET /status/ring from beyond loopback',
    defaultText: 'none',
    parse: parse.text,
  }),
  'room-idle': valueFlag({
    env: 'EKG_ROOM_IDLE_MS',
    help: 'free a room with no subscribers and no publish for this long, ms',
    default: 300_000,
    parse: ms(1000),
  }),
  'shutdown-spread': valueFlag({
    env: 'EKG_SHUTDOWN_SPREAD_MS',
    help: 'at SIGTERM, clients reconnect after a random delay up to this, ms',
    default: 3000,
    parse: ms(0),
  }),
  'shutdown-timeout': valueFlag({
    env: 'EKG_SHUTDOWN_TIMEOUT_MS',
    help: 'at SIGTERM, cut connections still open after this, ms',
    default: 10_000,
    parse: ms(100),
  }),
  'signature-tolerance': valueFlag({
    env: 'EKG_SIGNATURE_TOLERANCE',
    help: 'accepted age of webhook-timestamp, seconds',
    default: 300,
    parse: parse.integer(1, 86_400),
  }),
};
