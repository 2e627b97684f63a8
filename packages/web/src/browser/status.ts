// Status page: charts of the last hour, one point a second, updated live over /status/events.
import uPlot from 'uplot';
import { type StatusDocument, StatusStore, timeAxis } from './status-data.js';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** One line of a chart: the series it plots (`{q}` is the chosen percentile) and its legend. */
interface Line {
  service: string;
  /** A series name, or a pattern that plots every matching series (each lane, each process). */
  name: string | RegExp;
  label: string;
}

interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  lines: Line[];
}

const processLines = (series: string): Line[] =>
  ['api', 'reflektor', 'ekg'].map((service) => ({ service, name: series, label: service }));

const charts: ChartSpec[] = [
  {
    id: 'api-latency',
    title: 'api latency',
    unit: 'ms',
    lines: [
      { service: 'api', name: 'post.{q}', label: 'post a message' },
      { service: 'api', name: 'history.{q}', label: 'history page' },
    ],
  },
  {
    id: 'end-to-end',
    title: 'Posted → sent to subscribers',
    unit: 'ms',
    lines: [
      { service: 'ekg', name: 'end_to_end.{q}', label: 'end to end' },
      { service: 'ekg', name: 'send.{q}', label: 'ekg publish → send' },
    ],
  },
  {
    id: 'api-requests',
    title: 'api requests and errors',
    unit: '/s',
    lines: [
      { service: 'api', name: 'requests', label: 'requests' },
      { service: 'api', name: 'post.rate', label: 'posts' },
      { service: 'api', name: 'errors.4xx', label: '4xx' },
      { service: 'api', name: 'errors.5xx', label: '5xx' },
      { service: 'api', name: 'errors.429', label: '429' },
    ],
  },
  {
    id: 'reflektor-latency',
    title: 'reflektor ingest latency',
    unit: 'ms',
    lines: [{ service: 'reflektor', name: 'ingest.{q}', label: 'request → 202' }],
  },
  {
    id: 'reflektor-flow',
    title: 'reflektor accepted and delivered',
    unit: '/s',
    lines: [
      { service: 'reflektor', name: 'ingest.rate', label: 'accepted' },
      { service: 'reflektor', name: 'delivered', label: 'delivered' },
      { service: 'reflektor', name: 'retries', label: 'retries' },
      { service: 'reflektor', name: 'dead', label: 'dead letters' },
    ],
  },
  {
    id: 'reflektor-queue',
    title: 'reflektor queue depth',
    unit: 'requests',
    lines: [{ service: 'reflektor', name: /^queue\./, label: 'queue' }],
  },
  {
    id: 'reflektor-oldest',
    title: 'Oldest undelivered request',
    unit: 's',
    lines: [{ service: 'reflektor', name: /^oldest_age\./, label: 'age' }],
  },
  {
    id: 'ekg-connections',
    title: 'ekg connections',
    unit: 'open',
    lines: [
      { service: 'ekg', name: 'connections.sse', label: 'SSE' },
      { service: 'ekg', name: 'connections.ws', label: 'WebSocket' },
      { service: 'ekg', name: 'rooms', label: 'rooms' },
    ],
  },
  {
    id: 'ekg-events',
    title: 'ekg events',
    unit: '/s',
    lines: [{ service: 'ekg', name: 'events', label: 'events sent' }],
  },
  { id: 'cpu', title: 'CPU', unit: '% of a core', lines: processLines('process.cpu') },
  { id: 'rss', title: 'Memory (RSS)', unit: 'MB', lines: processLines('process.rss') },
  {
    id: 'loop-delay',
    title: 'Event-loop delay p99',
    unit: 'ms',
    lines: processLines('process.loop_delay_p99'),
  },
];

const store = new StatusStore();
const quantilePicker = byId<HTMLSelectElement>('quantile');
const windowPicker = byId<HTMLSelectElement>('window');
const live = byId<HTMLParagraphElement>('live');
const liveText = byId<HTMLSpanElement>('live-text');

function cssColor(name: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || '#888';
}

function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return '–';
  if (Number.isInteger(value)) return `${value} ${unit}`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

interface DrawnChart {
  spec: ChartSpec;
  figure: HTMLElement;
  now: HTMLParagraphElement;
  plot: uPlot | undefined;
  /** Series keys the plot was built for; a change rebuilds it. */
  keys: string;
}

const drawn: DrawnChart[] = [];

function resolvedKeys(spec: ChartSpec, quantile: string): { key: string; label: string }[] {
  const out: { key: string; label: string }[] = [];
  for (const line of spec.lines) {
    if (typeof line.name === 'string') {
      out.push({ key: `${line.service}/${line.name.replace('{q}', quantile)}`, label: line.label });
    } else {
      for (const key of store.keysMatching(line.service, line.name)) {
        out.push({ key, label: `${line.label} ${key.slice(key.indexOf('.') + 1)}` });
      }
    }
  }
  return out;
}

function chartWidth(figure: HTMLElement): number {
  return Math.max(240, figure.clientWidth - 24);
}

function build(chart: DrawnChart, lines: { key: string; label: string }[], data: uPlot.AlignedData): void {
  chart.plot?.destroy();
  const grid = { stroke: cssColor('--chart-grid'), width: 1 };
  const axisStroke = cssColor('--muted');
  const unit = chart.spec.unit;
  chart.plot = new uPlot(
    {
      width: chartWidth(chart.figure),
      height: 180,
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => [0, Math.max(max ?? 1, min ?? 0, 1) * 1.1] },
      },
      axes: [
        { stroke: axisStroke, grid, ticks: grid, space: 80 },
        {
          stroke: axisStroke,
          grid,
          ticks: grid,
          size: 56,
          values: (_u, splits) =>
            splits.map((v) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(+v.toFixed(2)))),
        },
      ],
      series: [
        { value: (_u, v) => (v == null ? '–' : new Date(v * 1000).toLocaleTimeString()) },
        ...lines.map((line, i) => ({
          label: line.label,
          stroke: cssColor(`--series-${(i % 6) + 1}`),
          width: 1.5,
          // A second without requests has no percentile: latency lines join the seconds that have one.
          spanGaps: unit === 'ms',
          points: { show: false },
          value: (_u: uPlot, v: number | null) => formatValue(v, unit),
        })),
      ],
    },
    data,
    chart.figure,
  );
}

function render(): void {
  if (store.latest === 0) return;
  const quantile = quantilePicker.value;
  const times = timeAxis(store.latest, Number(windowPicker.value));
  for (const chart of drawn) {
    const lines = resolvedKeys(chart.spec, quantile);
    const columns = lines.map((line) => store.column(line.key, times));
    const data: uPlot.AlignedData = [times, ...columns];
    const keys = lines.map((line) => line.key).join(',');
    if (chart.plot === undefined || chart.keys !== keys) {
      build(chart, lines, data);
      chart.keys = keys;
    } else {
      chart.plot.setData(data);
    }
    const counted = columns.reduce((sum, column) => sum + column.filter((v) => v !== null).length, 0);
    chart.figure.dataset.points = String(counted);
    chart.now.textContent =
      lines
        .map((line) => `${line.label}: ${formatValue(store.last(line.key), chart.spec.unit)}`)
        .join(' · ') || 'no data';
  }
  const list = byId<HTMLUListElement>('services');
  list.replaceChildren(
    ...[...store.health].map(([name, healthy]) => {
      const item = document.createElement('li');
      item.dataset.healthy = String(healthy);
      item.dataset.service = name;
      item.textContent = `${name} ${healthy ? 'healthy' : 'not healthy'}`;
      return item;
    }),
  );
}

function layOut(): void {
  const container = byId<HTMLDivElement>('charts');
  for (const spec of charts) {
    const figure = document.createElement('figure');
    figure.className = 'status-chart';
    figure.dataset.chart = spec.id;
    const heading = document.createElement('h2');
    heading.textContent = `${spec.title} (${spec.unit})`;
    const now = document.createElement('p');
    now.className = 'status-now';
    figure.append(heading, now);
    container.append(figure);
    drawn.push({ spec, figure, now, plot: undefined, keys: '' });
  }
  let resizeQueued = false;
  new ResizeObserver(() => {
    if (resizeQueued) return;
    resizeQueued = true;
    requestAnimationFrame(() => {
      resizeQueued = false;
      for (const chart of drawn) chart.plot?.setSize({ width: chartWidth(chart.figure), height: 180 });
    });
  }).observe(container);
}

function setLive(state: 'connecting' | 'live' | 'down', text: string): void {
  live.dataset.state = state;
  liveText.textContent = text;
}

function follow(): void {
  const events = new EventSource('/status/events');
  events.addEventListener('status', (event) => {
    store.add(JSON.parse((event as MessageEvent<string>).data) as StatusDocument);
    setLive('live', `Live · ${new Date(store.latest * 1000).toLocaleTimeString()}`);
    render();
  });
  events.addEventListener('error', () => setLive('down', 'Reconnecting…'));
}

async function start(): Promise<void> {
  if (new URLSearchParams(location.search).get('login') === 'wrong') byId('login-wrong').hidden = false;
  const response = await fetch('/status.json', { headers: { accept: 'application/json' } });
  if (response.status === 401) {
    byId('login').hidden = false;
    setLive('down', 'Sign in to see the status');
    return;
  }
  if (!response.ok) {
    setLive('down', `The status data did not load (HTTP ${response.status}).`);
    return;
  }
  byId('dashboard').hidden = false;
  layOut();
  store.add((await response.json()) as StatusDocument);
  render();
  quantilePicker.addEventListener('change', render);
  windowPicker.addEventListener('change', render);
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    for (const chart of drawn) chart.keys = '';
    render();
  });
  follow();
}

start().catch((error: unknown) => setLive('down', `The status page failed: ${String(error)}`));
