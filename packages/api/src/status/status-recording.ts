import {
  type CounterRecorder,
  type LatencyRecorder,
  RingMirror,
  type ServiceSeconds,
  StatusRing,
  sampleProcess,
} from '@backchannel/stats';

/** Route patterns whose latency the status page plots. */
const POST_ROUTE = '/api/rooms/:room/messages';

/** What `startApi` needs to record and gather the status page's figures. */
export interface StatusRecordingOptions {
  /** Record the api's own figures (a one-hour ring of one-second buckets). */
  recording: boolean;
  /** Bearer token sent to the services gathered from. */
  token: string;
  /** reflektor admin base URLs to gather `GET /status/ring` from. */
  reflektorUrls: readonly string[];
  /** ekg base URLs to gather `GET /status/ring` from. */
  ekgUrls: readonly string[];
}

/**
 * The api's status figures: post and history-page latency, requests and errors per second, and
 * the process samples, in a {@link StatusRing}; plus mirrors of reflektor's and ekg's rings.
 */
export class StatusRecording {
  readonly ring = new StatusRing('api');
  readonly mirrors: RingMirror[];
  private readonly post: LatencyRecorder;
  private readonly history: LatencyRecorder;
  private readonly requests: CounterRecorder;
  private readonly clientErrors: CounterRecorder;
  private readonly serverErrors: CounterRecorder;
  private readonly rateLimited: CounterRecorder;
  private readonly stopProcessSamples: () => void;
  readonly enabled: boolean;

  constructor(options: StatusRecordingOptions) {
    this.enabled = options.recording;
    this.post = this.ring.latency('post', 'post a message');
    this.history = this.ring.latency('history', 'history page');
    this.requests = this.ring.counter('requests', 'requests');
    this.clientErrors = this.ring.counter('errors.4xx', '4xx answers');
    this.serverErrors = this.ring.counter('errors.5xx', '5xx answers');
    this.rateLimited = this.ring.counter('errors.429', '429 answers (rate limited)');
    this.stopProcessSamples = options.recording ? sampleProcess(this.ring) : () => {};
    const token = options.token === '' ? {} : { token: options.token };
    this.mirrors = [
      ...(options.reflektorUrls.length > 0
        ? [new RingMirror({ service: 'reflektor', urls: options.reflektorUrls, ...token })]
        : []),
      ...(options.ekgUrls.length > 0
        ? [new RingMirror({ service: 'ekg', urls: options.ekgUrls, ...token })]
        : []),
    ];
  }

  /** Counts one answered request; `route` is fastify's route pattern. */
  observe(method: string, route: string | undefined, status: number, ms: number): void {
    if (!this.enabled) return;
    this.requests.add();
    if (status >= 400) {
      if (status === 429) this.rateLimited.add();
      if (status >= 500) this.serverErrors.add();
      else this.clientErrors.add();
    }
    if (route === POST_ROUTE && status < 400) {
      if (method === 'POST') this.post.record(ms);
      else if (method === 'GET') this.history.record(ms);
    }
  }

  start(): void {
    if (this.enabled) this.ring.start();
    for (const mirror of this.mirrors) mirror.start();
  }

  async stop(): Promise<void> {
    this.ring.stop();
    this.stopProcessSamples();
    await Promise.all(this.mirrors.map((mirror) => mirror.stop()));
  }

  /** Every service's seconds after `after`, for the status document. */
  services(after: number, ready: boolean): ServiceSeconds[] {
    return [
      {
        name: 'api',
        healthy: ready,
        series: this.ring.series,
        seconds: this.ring.secondsAfter(after),
      },
      ...this.mirrors.map((mirror) => ({
        name: mirror.service,
        healthy: mirror.healthy,
        hosts: mirror.hostStates(),
        series: mirror.series,
        seconds: mirror.seconds(after),
      })),
    ];
  }
}
