import type { StackConfig } from './config.js';
import type { StatusToken } from './status-token.js';

/** The headline figures of one service: latest p90s (ms), queue depth, connections; null when unknown. */
export type HeadlineFigures = Record<string, number | null>;

interface StatusSeriesJson {
  name: string;
  unit: string;
  points: [number, number][];
}

interface StatusDocumentJson {
  services: { name: string; healthy: boolean; series: StatusSeriesJson[] }[];
}

/** Which series of `/status.json` each service's headline figures come from, by figure name. */
const HEADLINES: Record<string, [figure: string, series: string | RegExp][]> = {
  api: [
    ['post_p90_ms', 'post.p90'],
    ['history_p90_ms', 'history.p90'],
    ['requests_per_s', 'requests'],
  ],
  reflektor: [
    ['ingest_p90_ms', 'ingest.p90'],
    ['queue_depth', /^queue\./],
    ['delivered_per_s', 'delivered'],
  ],
  ekg: [
    ['send_p90_ms', 'send.p90'],
    ['end_to_end_p90_ms', 'end_to_end.p90'],
    ['connections', /^connections\./],
  ],
};

/** How the table names each figure in its column. */
const SHORT_NAMES: Record<string, string> = {
  post_p90_ms: 'post',
  history_p90_ms: 'history',
  ingest_p90_ms: 'ingest',
  send_p90_ms: 'send',
  end_to_end_p90_ms: 'end-to-end',
  requests_per_s: 'requests',
  delivered_per_s: 'delivered',
};

/** Seconds back a latest point may be and still count as current. */
const CURRENT_SECONDS = 15;

function latest(series: StatusSeriesJson | undefined, since: number): number | undefined {
  const last = series?.points[series.points.length - 1];
  return last !== undefined && last[0] >= since ? last[1] : undefined;
}

/** Picks the headline figures of each service out of a status document. */
export function headlineFigures(
  document: StatusDocumentJson,
  nowSeconds: number,
): Record<string, HeadlineFigures> {
  const since = nowSeconds - CURRENT_SECONDS;
  const out: Record<string, HeadlineFigures> = {};
  for (const service of document.services) {
    const figures: HeadlineFigures = {};
    for (const [column, match] of HEADLINES[service.name] ?? []) {
      if (typeof match === 'string') {
        figures[column] =
          latest(
            service.series.find((s) => s.name === match),
            since,
          ) ?? null;
      } else {
        // Added over every series the pattern matches (each lane's queue, each transport).
        const values = service.series.filter((s) => match.test(s.name)).map((s) => latest(s, since));
        figures[column] = values.some((v) => v !== undefined)
          ? values.reduce<number>((a, v) => a + (v ?? 0), 0)
          : null;
      }
    }
    out[service.name] = figures;
  }
  return out;
}

/** Asks the api of the stack for its status document over loopback; undefined when it does not answer. */
export async function fetchFigures(
  config: StackConfig,
): Promise<Record<string, HeadlineFigures> | undefined> {
  const now = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(`http://127.0.0.1:${config.apiPort}/status.json?after=${now - 60}`, {
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return headlineFigures((await response.json()) as StatusDocumentJson, now);
  } catch {
    return undefined;
  }
}

function cell(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
}

/** The figures as a table, one row per service, within 80 columns. */
export function figuresTable(figures: Record<string, HeadlineFigures>): string {
  const header = `${'service'.padEnd(10)} ${'p90 (ms)'.padEnd(30)} ${'per second'.padEnd(16)} ${'queue'.padStart(5)} ${'connections'.padStart(11)}`;
  const lines = [header];
  for (const [service, columns] of Object.entries(figures)) {
    const named = (suffix: string) =>
      Object.entries(columns)
        .filter(([figure]) => figure.endsWith(suffix))
        .map(([figure, value]) => `${SHORT_NAMES[figure] ?? figure} ${cell(value)}`)
        .join(', ');
    const queue = 'queue_depth' in columns ? cell(columns.queue_depth) : '';
    const connections = 'connections' in columns ? cell(columns.connections) : '';
    lines.push(
      `${service.padEnd(10)} ${named('_p90_ms').padEnd(30)} ${named('_per_s').padEnd(16)} ${queue.padStart(5)} ${connections.padStart(11)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

type PrintStatus = (
  config: StackConfig,
  json: boolean,
  figures?: Record<string, HeadlineFigures>,
) => Promise<number>;

/**
 * `backchannel status [--json] [--watch]`: readiness of every service and the headline figures
 * (p90 per service, queue depth, connections) from the api's `/status.json`. `--watch` refreshes
 * every second until interrupted. Returns 0 when every service is ready (the last refresh's).
 */
export async function runStatusCommand(
  config: StackConfig,
  options: { json: boolean; watch: boolean },
  printStatus: PrintStatus,
): Promise<number> {
  const once = async (): Promise<number> => {
    const figures = await fetchFigures(config);
    if (options.watch && !options.json) process.stdout.write('\x1b[H\x1b[2J');
    const code = await printStatus(config, options.json, figures);
    if (!options.json) {
      process.stdout.write('\n');
      process.stdout.write(
        figures ? figuresTable(figures) : 'figures: the api does not answer /status.json\n',
      );
      if (options.watch)
        process.stdout.write(`\n${new Date().toISOString()}  refreshing every second; Ctrl-C to stop\n`);
    }
    return code;
  };
  if (!options.watch) return once();
  let code = 0;
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
  });
  while (!stop) {
    const started = Date.now();
    code = await once();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
  }
  return code;
}

/** What `backchannel start` prints about the status page. */
export function statusPageLines(publicUrl: string, token: StatusToken): string {
  const kept = token.source === 'env' ? 'from BACKCHANNEL_STATUS_TOKEN' : `kept in ${token.file}`;
  return [
    `  Status page: ${publicUrl.replace(/\/+$/, '')}/status (open from this machine;`,
    `  from elsewhere sign in with the status token ${token.token}, ${kept})`,
    '',
  ].join('\n');
}
