// The few parts of autocannon's API this bench uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request;
    }
    /** What autocannon calls on the histograms it is given (`__custom` ones are not encoded). */
    interface Histogram {
      __custom: true;
      recordValue(value: number): void;
      recordValueWithExpectedInterval(value: number, interval: number): void;
      reset(): void;
      destroy(): void;
    }
    interface Options {
      url: string;
      connections?: number;
      /** Requests per second over all connections, each connection given its share. */
      overallRate?: number;
      duration?: number;
      /** Stop after this many requests (over all connections) instead of after `duration`. */
      amount?: number;
      requests?: Request[];
      /** Histograms to record into instead of autocannon's own. */
      histograms?: { latencies: Histogram; requests: Histogram; throughput: Histogram };
      /** Resolve with the raw counts, without computing percentiles. */
      skipAggregateResult?: boolean;
    }
    interface Result {
      non2xx: number;
      errors: number;
      timeouts: number;
    }
    type Instance = EventEmitter & PromiseLike<Result>;
  }
  function autocannon(options: autocannon.Options): autocannon.Instance;
  export default autocannon;
}
