// A bench client process: opens many subscriber connections (raw SSE, ws, or socket.io-client),
// timestamps every event it receives with the machine-wide monotonic clock, and reports per seq
// the latest arrival across its connections. Driven over IPC by fanout.ts.
import net from 'node:net';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';

export interface WorkerStart {
  type: 'start';
  host: string;
  port: number;
  room: string;
  sse: number;
  websocket: number;
  socketio: number;
  /** Keep every single latency (for the publish-to-client percentile), not only the per-seq max. */
  keepAll: boolean;
}

export interface WorkerReport {
  type: 'report';
  /** Per seq: the largest publish-to-receive time over this worker's connections, µs (0 = none). */
  maxBySeq: number[];
  /** Per seq: how many connections received it. */
  countBySeq: number[];
  /** Every latency, µs, when keepAll. */
  all: number[];
  failed: number;
}

const maxBySeq: number[] = [];
const countBySeq: number[] = [];
const all: number[] = [];
let keepAll = false;
let failed = 0;

function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function record(seq: number, sentAt: number): void {
  const latency = nowMicros() - sentAt;
  if (!(latency <= (maxBySeq[seq] ?? 0))) maxBySeq[seq] = latency;
  countBySeq[seq] = (countBySeq[seq] ?? 0) + 1;
  if (keepAll) all.push(latency);
}

interface Envelope {
  seq: number;
  data: { sentAt: number };
}

function onJson(text: string): void {
  const envelope = JSON.parse(text) as Envelope;
  if (typeof envelope.seq === 'number') record(envelope.seq, envelope.data.sentAt);
}

function openSse(start: WorkerStart): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(start.port, start.host);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    let pending = '';
    let open = false;
    socket.on('connect', () => {
      socket.write(
        `GET /rooms/${start.room}/events HTTP/1.1\r\nHost: ${start.host}\r\nAccept: text/event-stream\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: string) => {
      pending += chunk;
      if (!open) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!pending.startsWith('HTTP/1.1 200')) {
          failed++;
          socket.destroy();
          resolve();
          return;
        }
        open = true;
        pending = pending.slice(end + 4);
        resolve();
      }
      // Each event is one chunk holding one `data:` line; chunk-size lines never fall inside it.
      let start = pending.indexOf('data: ');
      while (start >= 0) {
        const end = pending.indexOf('\n', start);
        if (end < 0) break;
        onJson(pending.slice(start + 6, end));
        pending = pending.slice(end + 1);
        start = pending.indexOf('data: ');
      }
      if (start < 0 && pending.length > 4096) pending = '';
    });
    socket.on('error', () => {
      if (!open) {
        failed++;
        resolve();
      }
    });
  });
}

function openWebSocket(start: WorkerStart): Promise<void> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://${start.host}:${start.port}/rooms/${start.room}/ws`, {
      perMessageDeflate: false,
    });
    socket.on('open', () => resolve());
    socket.on('message', (data) => onJson(String(data)));
    socket.on('error', () => {
      failed++;
      resolve();
    });
  });
}

function openSocketIo(start: WorkerStart): Promise<void> {
  return new Promise((resolve) => {
    const socket = io(`http://${start.host}:${start.port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      query: { room: start.room },
    });
    socket.on('event', (envelope: Envelope) => record(envelope.seq, envelope.data.sentAt));
    socket.on('joined', () => resolve());
    socket.on('connect_error', () => {
      failed++;
      resolve();
    });
  });
}

async function openAll(start: WorkerStart): Promise<void> {
  keepAll = start.keepAll;
  const openers: (() => Promise<void>)[] = [];
  for (let i = 0; i < start.sse; i++) openers.push(() => openSse(start));
  for (let i = 0; i < start.websocket; i++) openers.push(() => openWebSocket(start));
  for (let i = 0; i < start.socketio; i++) openers.push(() => openSocketIo(start));
  const batch = 100;
  for (let i = 0; i < openers.length; i += batch) {
    await Promise.all(openers.slice(i, i + batch).map((open) => open()));
  }
}

// The bench run ended (or was interrupted): do not outlive it.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: { type: string }) => {
  if (message.type === 'start') {
    openAll(message as WorkerStart).then(() => process.send!({ type: 'ready', failed }));
  } else if (message.type === 'report') {
    const report: WorkerReport = { type: 'report', maxBySeq, countBySeq, all, failed };
    process.send!(report);
  } else if (message.type === 'exit') {
    process.exit(0);
  }
});
