/**
 * The soak's arithmetic, apart from its I/O so it can be checked on its own: reading Prometheus
 * text, folding the few-second samples into one row per minute, judging RSS growth, and
 * rendering the table. Nothing here touches the network, the clock or the disk.
 */

/** One line of a Prometheus exposition: `name{label="value",…} number`. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of a Prometheus text exposition (comments skipped; label values unescaped). */
export function parsePrometheus(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the first sample named `name` whose labels include `labels`, else undefined. */
export function metricValue(samples: readonly PrometheusSample[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))?.value;
}

/** The p-th percentile (0–100) by nearest rank; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Pending deliveries and dead letters of one output. */
export interface QueueDepth {
  pending: number;
  dead: number;
}

/** What the soak reads every few seconds. Counters are cumulative since the start of the load. */
export interface SoakSample {
  elapsedMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop delay beyond the monitor's own interval over the window since the previous sample, p99 and max. */
  lagP99Ms: number;
  lagMaxMs: number;
  /** User + system CPU the server process has used since it started. */
  cpuSeconds: number;
  openFds: number;
  /** Falco alerts answered 200 plus audit alerts counted in 200 answers. */
  acknowledged: number;
  /** `total` of the read API. */
  stored: number;
  /** Distinct alerts the healthy sink received, and receptions beyond the first. */
  delivered: number;
  duplicates: number;
  queues: Record<string, QueueDepth>;
  /** Latencies of the dashboard's reads since the previous sample. */
  apiMs: number[];
  /** Alerts the dashboard's socket received so far. */
  liveAlerts: number;
}

/** One row of the table: the state at the end of a minute, rates and worst cases over it. */
export interface MinuteRow {
  minute: number;
  alertsPerSecond: number;
  /** Highest and lowest of the minute's samples: RSS and heap rise and fall with garbage collection. */
  rssMb: number;
  rssMinMb: number;
  heapMb: number;
  heapMinMb: number;
  cpuPercent: number;
  lagP99Ms: number;
  lagMaxMs: number;
  openFds: number;
  acknowledged: number;
  stored: number;
  delivered: number;
  duplicates: number;
  queues: Record<string, QueueDepth>;
  apiP99Ms: number;
  liveAlerts: number;
}

const MB = 1024 * 1024;
const round1 = (value: number): number => Math.round(value * 10) / 10;

/**
 * One row per `periodMs` of samples, labelled by its number (the last one, if it ends early, by
 * when it ended). Lag is the worst window of the
 * period, not an average: a stall of a few seconds must show. Rates are over the period, from the
 * previous row's end (or the start).
 */
export function minuteRows(samples: readonly SoakSample[], periodMs = 60_000): MinuteRow[] {
  const rows: MinuteRow[] = [];
  let previous: SoakSample | undefined;
  const periods = new Map<number, SoakSample[]>();
  for (const sample of samples) {
    const period = Math.max(1, Math.ceil(sample.elapsedMs / periodMs));
    periods.set(period, [...(periods.get(period) ?? []), sample]);
  }
  for (const period of [...periods.keys()].sort((a, b) => a - b)) {
    const inPeriod = periods.get(period) as SoakSample[];
    const last = inPeriod[inPeriod.length - 1] as SoakSample;
    const sinceMs = last.elapsedMs - (previous?.elapsedMs ?? 0);
    const seconds = Math.max(sinceMs / 1000, 0.001);
    // The last period may end early (a run of 2.5 minutes): its row is labelled by when it ended.
    const partial = period * periodMs - last.elapsedMs > periodMs / 4;
    rows.push({
      minute: partial ? round1(last.elapsedMs / periodMs) : period,
      alertsPerSecond: round1((last.acknowledged - (previous?.acknowledged ?? 0)) / seconds),
      rssMb: round1(Math.max(...inPeriod.map((s) => s.rssBytes)) / MB),
      rssMinMb: round1(Math.min(...inPeriod.map((s) => s.rssBytes)) / MB),
      heapMb: round1(Math.max(...inPeriod.map((s) => s.heapUsedBytes)) / MB),
      heapMinMb: round1(Math.min(...inPeriod.map((s) => s.heapUsedBytes)) / MB),
      cpuPercent: previous ? Math.round(((last.cpuSeconds - previous.cpuSeconds) / seconds) * 100) : Math.round((last.cpuSeconds / seconds) * 100),
      lagP99Ms: round1(Math.max(...inPeriod.map((s) => s.lagP99Ms))),
      lagMaxMs: round1(Math.max(...inPeriod.map((s) => s.lagMaxMs))),
      openFds: last.openFds,
      acknowledged: last.acknowledged,
      stored: last.stored,
      delivered: last.delivered,
      duplicates: last.duplicates,
      queues: last.queues,
      apiP99Ms: round1(percentile(inPeriod.flatMap((s) => s.apiMs), 99)),
      liveAlerts: last.liveAlerts,
    });
    previous = last;
  }
  return rows;
}

/** Whether RSS kept growing: the last full minute's peak against minute 2's (after start-up and warm-up). */
export interface RssJudgement {
  judged: boolean;
  ok: boolean;
  baselineMinute?: number;
  baselineMb?: number;
  lastMinute?: number;
  lastMb?: number;
  ratio?: number;
  factor: number;
  /** Least-squares slope of the rows from the baseline on, for the reader; not judged. */
  slopeMbPerMinute?: number;
  reason: string;
}

/**
 * RSS grows without bound when the last full minute's peak RSS exceeds `factor` × minute 2's.
 * Minute 1 is start-up (JIT, SQLite's page cache, pools filling), so minute 2 is the baseline; a
 * run of fewer than three minutes is not judged. Peaks of whole minutes are compared, not single
 * samples: the heap rises and falls by 100–200 MB between major collections, and a sample taken
 * just before or after one would decide alone. The slope of the peaks is reported beside it.
 */
export function judgeRss(rows: readonly MinuteRow[], factor: number): RssJudgement {
  const baseline = rows.find((row) => row.minute === 2);
  const full = rows.filter((row) => Number.isInteger(row.minute));
  const last = full[full.length - 1];
  if (!baseline || !last || last.minute < 3) return { judged: false, ok: true, factor, reason: 'run shorter than 3 minutes: RSS growth not judged' };
  const after = rows.filter((row) => row.minute >= baseline.minute);
  const ratio = last.rssMb / baseline.rssMb;
  const ok = ratio <= factor;
  return {
    judged: true,
    ok,
    baselineMinute: baseline.minute,
    baselineMb: baseline.rssMb,
    lastMinute: last.minute,
    lastMb: last.rssMb,
    ratio: Math.round(ratio * 1000) / 1000,
    factor,
    slopeMbPerMinute: round1(slope(after.map((row) => [row.minute, row.rssMb]))),
    reason: ok ? `RSS at minute ${last.minute} is ${ratio.toFixed(2)}× minute ${baseline.minute}'s (limit ${factor}×)` : `RSS grew ${ratio.toFixed(2)}× from minute ${baseline.minute} to minute ${last.minute} (limit ${factor}×)`,
  };
}

function slope(points: ReadonlyArray<readonly [number, number]>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

/** The outputs of the soak by role, named as the product names them. */
export interface OutputRoles {
  healthy: string;
  hung: string;
  failing: string;
}

/** The per-minute table as Markdown (queue columns: pending, and dead letters after a slash). */
export function renderTable(rows: readonly MinuteRow[], outputs: OutputRoles): string {
  const queue = (row: MinuteRow, name: string): string => {
    const depth = row.queues[name] ?? { pending: 0, dead: 0 };
    return `${depth.pending} / ${depth.dead}`;
  };
  const header = ['min', 'alerts/s', 'RSS MB (min–max)', 'heap MB (min–max)', 'CPU %', 'lag p99 ms', 'lag max ms', 'acknowledged', 'stored', 'delivered (dup)', `${outputs.healthy} queue`, `${outputs.hung} (hung) queue / dead`, `${outputs.failing} (500) queue / dead`, 'API p99 ms', 'fds'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const healthy = row.queues[outputs.healthy]?.pending ?? 0;
    const cells = [row.minute, row.alertsPerSecond, `${row.rssMinMb}–${row.rssMb}`, `${row.heapMinMb}–${row.heapMb}`, row.cpuPercent, row.lagP99Ms, row.lagMaxMs, row.acknowledged, row.stored, `${row.delivered} (${row.duplicates})`, healthy, queue(row, outputs.hung), queue(row, outputs.failing), row.apiP99Ms, row.openFds];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
