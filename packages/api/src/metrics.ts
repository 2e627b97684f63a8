import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The api's Prometheus metrics, on a registry of its own. */
export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  messagesPosted: Counter;
  roomsCreated: Counter;
  eventsPublished: Counter;
  relayRefused: Counter;
  publishDuration: Histogram;
  rateLimited: Counter;
  rateLimitFallbacks: Counter;
  roomsPurged: Counter;
  participantsMinted: Counter;
  participantMintRefused: Counter;
  postsWaiting: Gauge;
  outboxRoomsDraining: Gauge;
}

export function createMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'backchannel_api_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'backchannel_api_http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    messagesPosted: new Counter({
      name: 'backchannel_api_messages_posted_total',
      help: 'Messages stored and published',
      registers: [registry],
    }),
    roomsCreated: new Counter({
      name: 'backchannel_api_rooms_created_total',
      help: 'Rooms created',
      registers: [registry],
    }),
    eventsPublished: new Counter({
      name: 'backchannel_api_events_published_total',
      help: 'Events accepted by reflektor (an event sent again after a failure counts again)',
      registers: [registry],
    }),
    relayRefused: new Counter({
      name: 'backchannel_api_event_relay_refused_total',
      help: 'Requests reflektor did not accept (their events stay in the outbox and are sent again)',
      registers: [registry],
    }),
    publishDuration: new Histogram({
      name: 'backchannel_api_event_publish_duration_seconds',
      help: 'Round trip of one accepted request to reflektor',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'backchannel_api_rate_limited_total',
      help: 'Requests refused with 429',
      registers: [registry],
    }),
    rateLimitFallbacks: new Counter({
      name: 'backchannel_api_rate_limit_fallbacks_total',
      help: 'Requests counted in this process because Redis did not answer the rate limiter',
      registers: [registry],
    }),
    postsWaiting: new Gauge({
      name: 'backchannel_api_posts_waiting',
      help: 'Posts waiting for the post in flight to their room, to go out in the next batch',
      registers: [registry],
    }),
    outboxRoomsDraining: new Gauge({
      name: 'backchannel_api_outbox_rooms_draining',
      help: 'Rooms whose committed events wait in the outbox because reflektor did not accept them',
      registers: [registry],
    }),
    participantsMinted: new Counter({
      name: 'backchannel_api_participants_minted_total',
      help: 'New participant ids given to browsers',
      registers: [registry],
    }),
    participantMintRefused: new Counter({
      name: 'backchannel_api_participant_mint_refused_total',
      help: 'Browsers left without a participant id because their address reached --address-new-participants',
      registers: [registry],
    }),
    roomsPurged: new Counter({
      name: 'backchannel_api_rooms_purged_total',
      help: 'Expired rooms deleted with their messages',
      registers: [registry],
    }),
  };
}
