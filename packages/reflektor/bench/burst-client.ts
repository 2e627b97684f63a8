// A burst load: `connections` keep-alive sockets, each writing `perConnection` pipelined POSTs in
// one system call, all in the same event-loop turn; each answer is timed from the burst's start.
// Cheap for the client (one prebuilt buffer per socket, answers counted by their status line), so
// the whole burst leaves within a few milliseconds, as a thousand clients reacting to one event
// would send it.
import { connect, type Socket } from 'node:net';

export interface BurstResult {
  /** Per-request time from the burst's first write to its answer's status line, ms. */
  latencies: number[];
  /** Answers with a 2xx status. */
  ok: number;
  /** Answers with any other status, plus requests unanswered at the deadline. */
  failed: number;
  /** From the first write to the last write returning, ms. */
  sendMs: number;
}

const STATUS_LINE = Buffer.from('HTTP/1.1 ');

export class BurstClient {
  private readonly sockets: Socket[] = [];
  private readonly request: Buffer;

  private constructor(
    private readonly connections: number,
    private readonly perConnection: number,
    path: string,
    headers: Record<string, string>,
    body: string,
  ) {
    const head = [`POST ${path} HTTP/1.1`, 'host: 127.0.0.1', `content-length: ${Buffer.byteLength(body)}`];
    for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
    const one = Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`);
    this.request = Buffer.concat(new Array(perConnection).fill(one));
  }

  static async open(
    port: number,
    connections: number,
    perConnection: number,
    path: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<BurstClient> {
    const client = new BurstClient(connections, perConnection, path, headers, body);
    await Promise.all(
      Array.from(
        { length: connections },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = connect(port, '127.0.0.1', () => resolve());
            socket.setNoDelay(true);
            socket.once('error', reject);
            client.sockets.push(socket);
          }),
      ),
    );
    return client;
  }

  /** Sends one burst and resolves when every request is answered or `timeoutMs` has passed. */
  burst(timeoutMs = 10_000): Promise<BurstResult> {
    return new Promise((resolve) => {
      const latencies: number[] = [];
      let ok = 0;
      let failed = 0;
      let waiting = this.connections;
      const handlers: Array<() => void> = [];
      const finish = (): void => {
        clearTimeout(timer);
        for (const off of handlers) off();
        const unanswered = this.connections * this.perConnection - ok - failed;
        resolve({ latencies, ok, failed: failed + unanswered, sendMs });
      };
      const timer = setTimeout(finish, timeoutMs);
      const started = performance.now();
      for (const socket of this.sockets) {
        let answered = 0;
        // The status line may straddle two chunks: keep the last bytes of the previous one.
        let tail: Buffer = Buffer.alloc(0);
        const onData = (chunk: Buffer): void => {
          const now = performance.now() - started;
          const data = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
          let at = data.indexOf(STATUS_LINE);
          let scanned = 0;
          while (at !== -1 && at + STATUS_LINE.length < data.length) {
            answered++;
            if (data[at + STATUS_LINE.length] === 50 /* '2' */) {
              ok++;
              latencies.push(now);
            } else {
              failed++;
            }
            scanned = at + STATUS_LINE.length + 1;
            at = data.indexOf(STATUS_LINE, scanned);
          }
          tail = data.subarray(Math.max(scanned, data.length - STATUS_LINE.length));
          if (answered === this.perConnection) {
            waiting--;
            socket.off('data', onData);
            if (waiting === 0) finish();
          }
        };
        socket.on('data', onData);
        handlers.push(() => socket.off('data', onData));
      }
      for (const socket of this.sockets) socket.write(this.request);
      const sendMs = performance.now() - started;
    });
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
