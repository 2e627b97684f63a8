#!/usr/bin/env node
// ekg as a program: its flag table (flags.ts) and one runService call (flags, --help, logging,
// signals, port errors and exit codes are @backchannel/service's).
import { runService, UsageError } from '@backchannel/service';
import { ekgFlags } from './flags.js';
import { startEkg } from './server.js';

await runService({
  program: 'ekg',
  summary: 'Streams room events to browsers over SSE and WebSocket.',
  flags: ekgFlags,
  async start(values, log) {
    const secrets = values['webhook-secret'];
    if (secrets.length === 0 && values.token.length === 0) {
      throw new UsageError(
        '--webhook-secret (EKG_WEBHOOK_SECRET) or --token (EKG_TOKEN) is required, so only your relay can publish',
        'webhook-secret',
      );
    }
    const server = await startEkg({
      statusRecording: values['status-recording'] === 'on',
      ...(values['status-token'] ? { statusToken: values['status-token'] } : {}),
      port: values.port,
      host: values.host,
      secrets,
      tokens: values.token,
      bufferSize: values.buffer,
      heartbeatMs: values.heartbeat,
      retryMs: values.retry,
      pingMs: values.ping,
      maxConnections: values['max-connections'],
      maxConnectionsPerIp: values['max-connections-per-ip'],
      maxBodyBytes: values['max-body'],
      maxBufferedBytes: values['max-buffered'],
      corsOrigins: values['cors-origin'],
      trustProxy: values['trusted-proxy'].length > 0 ? values['trusted-proxy'] : values['trust-proxy'],
      roomIdleMs: values['room-idle'],
      reorderWindowMs: values['reorder-window'],
      shutdownSpreadMs: values['shutdown-spread'],
      shutdownTimeoutMs: values['shutdown-timeout'],
      signatureToleranceSeconds: values['signature-tolerance'],
    });
    log.info(`listening on port ${server.port}`);
    return server;
  },
  // ekg cuts connections still open after --shutdown-timeout; give that room.
  shutdownDeadlineMs: 60_000,
});
