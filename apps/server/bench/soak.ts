/**
 * Soak: the BUILT product (`peregrine serve`) under a steady, realistic load for minutes, with one
 * healthy output, one whose sink hangs and one whose sink always answers 500 — watching for what a
 * short benchmark cannot see: memory that keeps growing, an event loop that stalls more and more,
 * queues that grow without end, and anything acknowledged that goes missing.
 *
 *   npm run soak                         (builds first; 10 minutes at 200 alerts/s)
 *   SOAK_MINUTES=3 SOAK_RATE=100 npx tsx apps/server/bench/soak.ts
 *
 * Load: `SOAK_SENDERS` serial senders (each like one Falco node's http_output: one alert at a time,
 * keep-alive, waiting for each answer) sharing `SOAK_RATE` alerts/s on port 2801; an apiserver
 * trickle of `SOAK_AUDIT_RATE` audit events/s (one EventList a second, mostly reads) on
 * /k8s-audit; a dashboard: a socket.io client taking the live push and polling the read API as the
 * Events and Overview pages do. Outputs through falcosidekick's env names: WEBHOOK_ADDRESS (healthy
 * sink), ALERTMANAGER_HOSTPORT (accepts, never answers), SLACK_WEBHOOKURL (always 500).
 *
 * Sampled every `SOAK_SAMPLE_SECONDS`: RSS (/proc/<pid>/status), heap, CPU, open fds, event-loop
 * delay (prom-client's p99 and max, which reset at every scrape, so each sample covers the window
 * since the previous one), the outputs' queues and dead letters, acknowledged / stored (read API) /
 * delivered. Then the load stops, the healthy output drains (≤ `SOAK_DRAIN_SECONDS`), and every
 * acknowledged alert is looked up in the store and at the healthy sink. One row per minute is
 * printed and written to .soak/results.json and .soak/results.md.
 *
 * Exits 1 when an acknowledged alert is not stored (or stored twice), is neither delivered to the healthy sink nor
 * still queued for it, or is missing from (or doubled in) the queue of the hung or failing output;
 * when the product dies; or when RSS grows without bound, judged as the last full minute's peak RSS
 * above `SOAK_RSS_FACTOR` (1.5) × minute 2's peak (minute 1 is start-up and warm-up).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { parseJson, stringifyJson } from '../src/common/json';
import { duplicatesOf, type JsonObject, type Product, SEQ_FIELD, seqOf, sleep, startPeregrine, storedSeqs } from '../src/testing/product';
import { judgeRss, metricValue, minuteRows, type OutputRoles, parsePrometheus, type QueueDepth, renderTable, type SoakSample } from './soak-report';

const root = resolve(__dirname, '../../..');

/** prom-client's event-loop monitor samples every 10 ms and records the whole interval, so a loop that never waits reads 10 ms. */
const LAG_MONITOR_RESOLUTION_MS = 10;

// ── settings ────────────────────────────────────────────────────────────────────────────────────

interface SoakSettings {
  minutes: number;
  rate: number;
  senders: number;
  auditEventsPerSecond: number;
  sampleSeconds: number;
  rssFactor: number;
  drainSeconds: number;
  deliveryMaxAge: string;
}

/** Reads the SOAK_* variables; every bad one is named at once. */
function readSettings(env: NodeJS.ProcessEnv): SoakSettings {
  const errors: string[] = [];
  const number = (name: string, fallback: number, min: number, integer = false): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      errors.push(`${name}=${raw}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
      return fallback;
    }
    return value;
  };
  const settings: SoakSettings = {
    minutes: number('SOAK_MINUTES', 10, 0.1),
    rate: number('SOAK_RATE', 200, 1),
    senders: number('SOAK_SENDERS', 4, 1, true),
    auditEventsPerSecond: number('SOAK_AUDIT_RATE', 20, 0, true),
    sampleSeconds: number('SOAK_SAMPLE_SECONDS', 5, 1),
    rssFactor: number('SOAK_RSS_FACTOR', 1.5, 1),
    drainSeconds: number('SOAK_DRAIN_SECONDS', 300, 0),
    // Short enough that deliveries the failing and hung outputs cannot make turn into dead letters
    // within the run, so that path is soaked too; the product's default is 24h.
    deliveryMaxAge: env['SOAK_MAX_AGE']?.trim() || '5m',
  };
  if (errors.length > 0) throw new Error(`bad soak settings:\n  ${errors.join('\n  ')}`);
  return settings;
}

// ── sinks ───────────────────────────────────────────────────────────────────────────────────────

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
}

/** The healthy webhook receiver: answers 200 at once and counts each alert (X-Peregrine-Alert-Id) and each seq it received. */
class HealthySink {
  readonly perAlert = new Map<string, number>();
  readonly perSeq = new Map<string, number>();
  requests = 0;
  private readonly server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.requests++;
      const id = request.headers['x-peregrine-alert-id'];
      if (typeof id === 'string') this.perAlert.set(id, (this.perAlert.get(id) ?? 0) + 1);
      let seq: string | undefined;
      try {
        seq = seqOf(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        seq = undefined;
      }
      if (seq !== undefined) this.perSeq.set(seq, (this.perSeq.get(seq) ?? 0) + 1);
      response.writeHead(200).end();
    });
  });

  start = (): Promise<string> => listen(this.server);
  stop = (): Promise<void> => close(this.server);

  /** Receptions beyond the first, over all alerts (at-least-once delivery may repeat some). */
  duplicates(): number {
    let extra = 0;
    for (const count of this.perAlert.values()) extra += count - 1;
    return extra;
  }
}

/** A sink that accepts connections and requests and never answers: what a wedged receiver looks like. */
class HungSink {
  requests = 0;
  openConnections = 0;
  maxOpenConnections = 0;
  private readonly sockets = new Set<NetSocket>();
  private readonly server = createServer((request) => {
    request.resume();
    request.on('end', () => this.requests++);
  });

  constructor() {
    this.server.on('connection', (socket: NetSocket) => {
      this.sockets.add(socket);
      this.openConnections++;
      this.maxOpenConnections = Math.max(this.maxOpenConnections, this.openConnections);
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.openConnections--;
      });
    });
  }

  start = (): Promise<string> => listen(this.server);

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await close(this.server);
  }
}

/** A sink that answers 500 to everything. */
class FailingSink {
  requests = 0;
  private readonly server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      this.requests++;
      response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
    });
  });

  start = (): Promise<string> => listen(this.server);
  stop = (): Promise<void> => close(this.server);
}

// ── load ────────────────────────────────────────────────────────────────────────────────────────

const fixture = parseJson(readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8')) as JsonObject;

/** The fixture alert as Falco would send it now, marked with `seq` (so the store and the sink can be checked per alert). */
function soakAlert(seq: string): string {
  const outputFields = fixture['output_fields'] as JsonObject;
  return stringifyJson({ ...fixture, time: new Date().toISOString(), output: `${fixture['output'] as string} seq=${seq}`, output_fields: { ...outputFields, [SEQ_FIELD]: seq } });
}

/** The conformance traces' single events: real apiserver audit events. */
function traceEvents(): JsonObject[] {
  const directory = join(root, 'fixtures/conformance/traces');
  const events: JsonObject[] = [];
  for (const name of readdirSync(directory).sort()) {
    for (const line of readFileSync(join(directory, name), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const value = JSON.parse(line) as JsonObject;
      if (value['kind'] === 'Event') events.push(value);
    }
  }
  return events;
}

/**
 * One apiserver batch: mostly reads no rule matches (19 in 20), the rest trace events as recorded
 * (creates, execs, role changes: what rules alert on), each with a unique auditID and stamped now.
 */
function auditBatch(events: readonly JsonObject[], batch: number, size: number): string {
  const now = new Date().toISOString();
  const items = Array.from({ length: size }, (_, i) => {
    const event = structuredClone(events[(batch * size + i) % events.length] as JsonObject);
    if (i % 20 !== 0) {
      event['verb'] = ['get', 'list', 'watch'][i % 3] as string;
      delete event['requestObject'];
    }
    event['auditID'] = `soak-${batch}-${i}`;
    for (const key of ['timestamp', 'requestReceivedTimestamp', 'stageTimestamp']) if (key in event) event[key] = now;
    return event;
  });
  return JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });
}

/** What the senders got back. */
class LoadTally {
  running = true;
  readonly acknowledgedSeqs = new Set<string>();
  acknowledgedAuditAlerts = 0;
  auditBatches = 0;
  auditBatchesRefused = 0;
  readonly refusedByStatus = new Map<number, number>();
  connectionErrors = 0;
  /** Times a sender was more than a second behind its schedule and skipped ahead instead of bursting. */
  fellBehind = 0;

  acknowledged(): number {
    return this.acknowledgedSeqs.size + this.acknowledgedAuditAlerts;
  }

  refused(status: number): void {
    this.refusedByStatus.set(status, (this.refusedByStatus.get(status) ?? 0) + 1);
  }
}

/** Waits until `dueAt` (ms since epoch), or returns at once when the sender is late. */
async function waitUntil(dueAt: number): Promise<void> {
  const wait = dueAt - Date.now();
  if (wait > 0) await sleep(wait);
}

/** One serial sender at `intervalMs` per alert: one request in flight, the next when it is due. */
async function serialSender(compatUrl: string, index: number, intervalMs: number, tally: LoadTally): Promise<void> {
  let dueAt = Date.now() + (index * intervalMs) / 4;
  for (let n = 0; tally.running; n++) {
    await waitUntil(dueAt);
    if (!tally.running) return;
    const seq = `soak-${index}-${n}`;
    try {
      const response = await fetch(`${compatUrl}/`, { method: 'POST', body: soakAlert(seq), headers: { 'content-type': 'application/json' } });
      await response.arrayBuffer();
      if (response.status === 200) tally.acknowledgedSeqs.add(seq);
      else tally.refused(response.status);
    } catch {
      tally.connectionErrors++;
      await sleep(1000);
    }
    dueAt += intervalMs;
    // A node whose sender fell far behind sends what it has now rather than a burst of the past.
    if (Date.now() - dueAt > 1000) {
      tally.fellBehind++;
      dueAt = Date.now();
    }
  }
}

/** The apiserver trickle: one EventList a second. */
async function auditTrickle(compatUrl: string, eventsPerSecond: number, tally: LoadTally): Promise<void> {
  if (eventsPerSecond === 0) return;
  const events = traceEvents();
  let dueAt = Date.now();
  for (let batch = 0; tally.running; batch++) {
    await waitUntil(dueAt);
    if (!tally.running) return;
    try {
      const response = await fetch(`${compatUrl}/k8s-audit/soak`, { method: 'POST', body: auditBatch(events, batch, eventsPerSecond), headers: { 'content-type': 'application/json' } });
      const text = await response.text();
      tally.auditBatches++;
      if (response.status === 200) tally.acknowledgedAuditAlerts += (JSON.parse(text) as { alerts: number }).alerts;
      else tally.auditBatchesRefused++;
    } catch {
      tally.connectionErrors++;
    }
    dueAt = Math.max(dueAt + 1000, Date.now());
  }
}

/** A dashboard left open: the live push over socket.io, and the reads the Events and Overview pages make. */
class Dashboard {
  liveAlerts = 0;
  readErrors = 0;
  private apiMs: number[] = [];
  private socket: Socket | undefined;
  private polling = false;
  private poller: Promise<void> = Promise.resolve();

  constructor(private readonly mainUrl: string) {}

  async open(pollSeconds: number): Promise<void> {
    const socket = io(this.mainUrl, { transports: ['websocket'] });
    this.socket = socket;
    socket.on('alert', () => this.liveAlerts++);
    await new Promise<void>((connected, failed) => {
      socket.once('connect', connected);
      socket.once('connect_error', failed);
    });
    this.polling = true;
    this.poller = this.poll(pollSeconds * 1000);
  }

  /** Read latencies since the last call. */
  takeApiMs(): number[] {
    const taken = this.apiMs;
    this.apiMs = [];
    return taken;
  }

  async close(): Promise<void> {
    this.polling = false;
    await this.poller;
    this.socket?.close();
  }

  private async poll(everyMs: number): Promise<void> {
    const paths = ['/api/v1/alerts?limit=500', '/api/v1/alerts/stats?by=priority&bucket=auto&since=24h', '/api/v1/alerts/stats?by=rule&top=10&since=24h', '/api/v1/outputs'];
    while (this.polling) {
      const started = Date.now();
      await Promise.all(
        paths.map(async (path) => {
          const requested = performance.now();
          try {
            const response = await fetch(`${this.mainUrl}${path}`);
            await response.arrayBuffer();
            if (response.status !== 200) this.readErrors++;
          } catch {
            this.readErrors++;
          }
          this.apiMs.push(performance.now() - requested);
        }),
      );
      await sleep(Math.max(0, everyMs - (Date.now() - started)));
    }
  }
}

// ── sampling ────────────────────────────────────────────────────────────────────────────────────

function residentBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

interface OutputStatusBody {
  name: string;
  type: string;
  queueDepth: number;
  deadLetters: number;
  inFlight: number;
  delivered: number;
  failed: number;
  deadLettered: number;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

const storedTotal = async (mainUrl: string, filter = ''): Promise<number> => (await getJson<{ total: number }>(`${mainUrl}/api/v1/alerts?limit=1${filter}`)).total;

class Sampler {
  readonly samples: SoakSample[] = [];
  /** The most acknowledged alerts a read API answer did not yet count (should stay 0: reads wait for what was acknowledged). */
  maxStoredBehind = 0;

  constructor(
    private readonly product: Product,
    private readonly tally: LoadTally,
    private readonly sink: HealthySink,
    private readonly dashboard: Dashboard,
  ) {}

  /** `elapsedMs`: when the sample was due since the load started (what its minute is decided by). */
  async take(elapsedMs: number): Promise<SoakSample> {
    const acknowledgedBefore = this.tally.acknowledged();
    const [metricsText, stored] = await Promise.all([fetch(`${this.product.mainUrl}/metrics`).then((r) => r.text()), storedTotal(this.product.mainUrl)]);
    const metrics = parsePrometheus(metricsText);
    const queues: Record<string, QueueDepth> = {};
    for (const sample of metrics.filter((s) => s.name === 'peregrine_output_queue_depth')) {
      const output = sample.labels['output'] ?? '';
      const depth = (queues[output] ??= { pending: 0, dead: 0 });
      if (sample.labels['state'] === 'dead') depth.dead = sample.value;
      else depth.pending = sample.value;
    }
    const lagMs = (name: string): number => Math.max(0, (metricValue(metrics, name) ?? 0) * 1000 - LAG_MONITOR_RESOLUTION_MS);
    this.maxStoredBehind = Math.max(this.maxStoredBehind, acknowledgedBefore - stored);
    const sample: SoakSample = {
      elapsedMs,
      rssBytes: residentBytes(this.product.child.pid ?? 0),
      heapUsedBytes: metricValue(metrics, 'nodejs_heap_size_used_bytes') ?? 0,
      lagP99Ms: lagMs('nodejs_eventloop_lag_p99_seconds'),
      lagMaxMs: lagMs('nodejs_eventloop_lag_max_seconds'),
      cpuSeconds: metricValue(metrics, 'process_cpu_seconds_total') ?? 0,
      openFds: metricValue(metrics, 'process_open_fds') ?? 0,
      // As of before the read: everything acknowledged by then must be in `stored`.
      acknowledged: acknowledgedBefore,
      stored,
      delivered: this.sink.perAlert.size,
      duplicates: this.sink.duplicates(),
      queues,
      apiMs: this.dashboard.takeApiMs(),
      liveAlerts: this.dashboard.liveAlerts,
    };
    this.samples.push(sample);
    return sample;
  }
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────────

async function outputRoles(mainUrl: string): Promise<OutputRoles> {
  const outputs = await getJson<OutputStatusBody[]>(`${mainUrl}/api/v1/outputs`);
  const named = (type: string): string => {
    const found = outputs.find((o) => o.type === type);
    if (!found) throw new Error(`the product has no ${type} output: ${JSON.stringify(outputs.map((o) => o.type))}`);
    return found.name;
  };
  return { healthy: named('webhook'), hung: named('alertmanager'), failing: named('slack') };
}

/** SIGTERM, and how long the product took to exit (SIGKILL after `timeoutMs`). */
async function stopProduct(product: Product, timeoutMs = 30_000): Promise<{ ms: number; code: number | null; signal: string | null; killed: boolean }> {
  const child = product.child;
  const started = Date.now();
  if (child.exitCode !== null || child.signalCode !== null) return { ms: 0, code: child.exitCode, signal: child.signalCode, killed: false };
  let killed = false;
  return new Promise((done) => {
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      done({ ms: Date.now() - started, code, signal, killed });
    });
    child.kill('SIGTERM');
  });
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const durationMs = settings.minutes * 60_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'peregrine-soak-'));
  const healthy = new HealthySink();
  const hung = new HungSink();
  const failing = new FailingSink();
  const [healthyUrl, hungUrl, failingUrl] = await Promise.all([healthy.start(), hung.start(), failing.start()]);
  const env = {
    PEREGRINE_DB_PATH: join(dataDir, 'soak.db'),
    WEBHOOK_ADDRESS: `${healthyUrl}/hook`,
    ALERTMANAGER_HOSTPORT: hungUrl,
    SLACK_WEBHOOKURL: `${failingUrl}/services/T000/B000/soak`,
    PEREGRINE_DELIVERY_MAX_AGE: settings.deliveryMaxAge,
  };
  log(`soak: ${settings.minutes} min at ${settings.rate} alerts/s from ${settings.senders} serial senders, ${settings.auditEventsPerSecond} audit events/s; data in ${dataDir}`);
  const product = await startPeregrine(env, 60_000);
  let died: string | undefined;
  let stopRequested = false;
  product.child.once('exit', (code, signal) => {
    if (!stopRequested) died = `the product exited during the soak (${code ?? signal}):\n${product.output().slice(-2000)}`;
  });
  const failures: string[] = [];
  const driverLag = monitorEventLoopDelay({ resolution: 10 });
  driverLag.enable();
  try {
    const roles = await outputRoles(product.mainUrl);
    const dashboard = new Dashboard(product.mainUrl);
    await dashboard.open(settings.sampleSeconds);

    const tally = new LoadTally();
    const startedAt = Date.now();
    const sampler = new Sampler(product, tally, healthy, dashboard);
    const intervalMs = (settings.senders * 1000) / settings.rate;
    const load = Promise.all([...Array.from({ length: settings.senders }, (_, i) => serialSender(product.compatUrl, i, intervalMs, tally)), auditTrickle(product.compatUrl, settings.auditEventsPerSecond, tally)]);

    let reportedRows = 0;
    const sampleMs = settings.sampleSeconds * 1000;
    for (let k = 1; died === undefined; k++) {
      const dueAt = Math.min(startedAt + k * sampleMs, startedAt + durationMs);
      await waitUntil(dueAt);
      if (dueAt >= startedAt + durationMs) tally.running = false;
      try {
        await sampler.take(dueAt - startedAt);
      } catch (error) {
        if (died === undefined) log(`sample failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      const rows = minuteRows(sampler.samples);
      for (const row of rows.slice(reportedRows, tally.running ? -1 : undefined)) {
        const q = (name: string): string => `${row.queues[name]?.pending ?? 0}/${row.queues[name]?.dead ?? 0}`;
        log(`min ${row.minute}: ${row.alertsPerSecond}/s, RSS ${row.rssMinMb}–${row.rssMb} MB, heap ${row.heapMinMb}–${row.heapMb} MB, lag p99 ${row.lagP99Ms} ms, acked ${row.acknowledged}, stored ${row.stored}, delivered ${row.delivered}, queues ${roles.healthy} ${q(roles.healthy)} ${roles.hung} ${q(roles.hung)} ${roles.failing} ${q(roles.failing)}, API p99 ${row.apiP99Ms} ms`);
        reportedRows++;
      }
      if (!tally.running) break;
    }
    tally.running = false;
    await load;
    await dashboard.close();
    if (died !== undefined) failures.push(died);

    // The healthy output catches up with what was acknowledged (or the drain time runs out).
    const drainStarted = Date.now();
    let drained = false;
    let healthyStatus: OutputStatusBody | undefined;
    while (died === undefined) {
      const stored = await storedTotal(product.mainUrl);
      const outputs = await getJson<OutputStatusBody[]>(`${product.mainUrl}/api/v1/outputs`);
      healthyStatus = outputs.find((o) => o.name === roles.healthy);
      drained = stored >= tally.acknowledged() && healthyStatus?.queueDepth === 0 && healthy.perAlert.size >= stored;
      if (drained || Date.now() - drainStarted > settings.drainSeconds * 1000) break;
      await sleep(2000);
    }
    const drainMs = Date.now() - drainStarted;

    const final = died === undefined ? await finalChecks(product.mainUrl, roles, tally, healthy, failures) : undefined;
    const rows = minuteRows(sampler.samples);
    const rss = judgeRss(rows, settings.rssFactor);
    if (!rss.ok) failures.push(rss.reason);
    if (died !== undefined && !failures.includes(died)) failures.push(died);
    stopRequested = true;
    const shutdown = await stopProduct(product);

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryMb: Math.round(totalmem() / 1024 / 1024), node: process.version, kernel: release() },
      settings,
      outputs: roles,
      rows,
      rss,
      load: {
        acknowledgedFalcoAlerts: tally.acknowledgedSeqs.size,
        acknowledgedAuditAlerts: tally.acknowledgedAuditAlerts,
        auditBatches: tally.auditBatches,
        auditBatchesRefused: tally.auditBatchesRefused,
        refusedByStatus: Object.fromEntries(tally.refusedByStatus),
        connectionErrors: tally.connectionErrors,
        sendersFellBehind: tally.fellBehind,
        dashboardReadErrors: dashboard.readErrors,
        maxStoredBehindAcknowledged: sampler.maxStoredBehind,
        driverLagP99Ms: Math.round(driverLag.percentile(99) / 1e4) / 100,
      },
      drain: { drained, ms: drainMs, healthyQueue: healthyStatus?.queueDepth ?? null },
      final,
      sinks: { healthyRequests: healthy.requests, hungRequests: hung.requests, hungMaxOpenConnections: hung.maxOpenConnections, hungOpenConnectionsAtEnd: hung.openConnections, failingRequests: failing.requests },
      shutdown,
      failures,
      samples: sampler.samples,
    };
    const table = renderTable(rows, roles);
    mkdirSync(join(root, '.soak'), { recursive: true });
    writeFileSync(join(root, '.soak/results.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(root, '.soak/results.md'), markdown(result, table));
    process.stdout.write(`${table}\n\n${failures.length === 0 ? 'soak passed' : `soak FAILED:\n- ${failures.join('\n- ')}`}\n`);
    process.exitCode = failures.length === 0 ? 0 : 1;
  } finally {
    driverLag.disable();
    stopRequested = true;
    if (product.child.exitCode === null && product.child.signalCode === null) await stopProduct(product);
    await Promise.all([healthy.stop(), hung.stop(), failing.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** After the drain: every acknowledged alert in the store once, at the healthy sink at least once, in each stuck output's queue or dead letters once. */
async function finalChecks(mainUrl: string, roles: OutputRoles, tally: LoadTally, sink: HealthySink, failures: string[]) {
  const { seqs, total } = await storedSeqs(mainUrl);
  const storedSet = new Set(seqs);
  const notStored = [...tally.acknowledgedSeqs].filter((seq) => !storedSet.has(seq));
  const storedTwice = duplicatesOf(seqs);
  const storedAudit = await storedTotal(mainUrl, '&source=k8s_audit');
  let notDelivered = 0;
  let deliveredTwiceOrMore = 0;
  for (const seq of tally.acknowledgedSeqs) {
    const count = sink.perSeq.get(seq) ?? 0;
    if (count === 0) notDelivered++;
    if (count > 1) deliveredTwiceOrMore++;
  }
  const outputs = await getJson<OutputStatusBody[]>(`${mainUrl}/api/v1/outputs`);
  const status = (name: string): OutputStatusBody => outputs.find((o) => o.name === name) as OutputStatusBody;
  const healthyStatus = status(roles.healthy);
  const held = (name: string) => {
    const s = status(name);
    return { pending: s.queueDepth, dead: s.deadLetters, inFlight: s.inFlight, delivered: s.delivered, failedAttempts: s.failed, deadLettered: s.deadLettered, heldTotal: s.queueDepth + s.deadLetters + s.delivered };
  };
  const hung = held(roles.hung);
  const failing = held(roles.failing);

  if (notStored.length > 0) failures.push(`${notStored.length} acknowledged Falco alerts are not stored (e.g. ${notStored.slice(0, 5).join(', ')})`);
  if (storedTwice.length > 0) failures.push(`${storedTwice.length} Falco alerts are stored more than once (e.g. ${storedTwice.slice(0, 5).join(', ')})`);
  if (storedAudit < tally.acknowledgedAuditAlerts) failures.push(`${tally.acknowledgedAuditAlerts} audit alerts acknowledged, ${storedAudit} stored`);
  // Not delivered yet is not lost while the healthy output still holds it; beyond that it is.
  const lostToHealthy = notDelivered - healthyStatus.queueDepth - healthyStatus.inFlight;
  if (lostToHealthy > 0) failures.push(`${lostToHealthy} acknowledged alerts neither reached the healthy sink nor are queued for it`);
  for (const [role, figures] of [['hung', hung], ['failing', failing]] as const) {
    if (figures.heldTotal !== total) failures.push(`the ${role} output (${roles[role]}) holds ${figures.heldTotal} deliveries (pending ${figures.pending}, dead ${figures.dead}, delivered ${figures.delivered}) for ${total} stored alerts`);
  }
  return {
    storedTotal: total,
    storedFalco: seqs.length,
    storedAudit,
    acknowledgedFalcoNotStored: notStored.length,
    falcoStoredMoreThanOnce: storedTwice.length,
    healthy: { distinctAlertsReceived: sink.perAlert.size, receptionsBeyondFirst: sink.duplicates(), acknowledgedNotDelivered: notDelivered, acknowledgedDeliveredMoreThanOnce: deliveredTwiceOrMore, pending: healthyStatus.queueDepth, dead: healthyStatus.deadLetters, lost: Math.max(0, lostToHealthy) },
    hung,
    failing,
  };
}

type SoakResult = {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryMb: number; node: string; kernel: string };
  settings: SoakSettings;
  outputs: OutputRoles;
  rss: ReturnType<typeof judgeRss>;
  load: Record<string, unknown>;
  drain: { drained: boolean; ms: number; healthyQueue: number | null };
  final: Awaited<ReturnType<typeof finalChecks>> | undefined;
  sinks: Record<string, number>;
  shutdown: { ms: number; code: number | null; signal: string | null; killed: boolean };
  failures: string[];
};

function markdown(result: SoakResult, table: string): string {
  const s = result.settings;
  const f = result.final;
  const lines = [
    `# Soak ${result.date}`,
    '',
    `${s.minutes} min, ${s.rate} alerts/s from ${s.senders} serial senders + ${s.auditEventsPerSecond} audit events/s, a dashboard (socket.io + reads every ${s.sampleSeconds} s); outputs: ${result.outputs.healthy} (healthy), ${result.outputs.hung} (hangs), ${result.outputs.failing} (500); delivery max age ${s.deliveryMaxAge}. Machine: ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}.`,
    '',
    table,
    '',
    `Columns: RSS and heap = lowest–highest of the minute's samples; lag = event-loop delay beyond prom-client's 10 ms sampling, the worst ${s.sampleSeconds}-s window of the minute; queue = pending / dead letters; API p99 = the dashboard's reads; fds = open file descriptors.`,
    '',
    `- RSS: ${result.rss.reason}${result.rss.slopeMbPerMinute !== undefined ? `; slope ${result.rss.slopeMbPerMinute} MB/min from minute ${result.rss.baselineMinute}` : ''}.`,
    `- Drain: ${result.drain.drained ? 'healthy output caught up' : 'healthy output NOT caught up'} in ${(result.drain.ms / 1000).toFixed(1)} s after the load stopped.`,
  ];
  if (f) {
    lines.push(
      `- Stored: ${f.storedTotal} (${f.storedFalco} Falco, ${f.storedAudit} audit); acknowledged Falco alerts not stored: ${f.acknowledgedFalcoNotStored}; stored twice: ${f.falcoStoredMoreThanOnce}.`,
      `- Healthy sink: ${f.healthy.distinctAlertsReceived} distinct alerts, ${f.healthy.receptionsBeyondFirst} receptions beyond the first; acknowledged not delivered ${f.healthy.acknowledgedNotDelivered} (still queued ${f.healthy.pending}, lost ${f.healthy.lost}).`,
      `- Hung output: pending ${f.hung.pending}, dead letters ${f.hung.dead}, failed attempts ${f.hung.failedAttempts} (held ${f.hung.heldTotal} of ${f.storedTotal}).`,
      `- Failing output: pending ${f.failing.pending}, dead letters ${f.failing.dead}, failed attempts ${f.failing.failedAttempts} (held ${f.failing.heldTotal} of ${f.storedTotal}).`,
    );
  }
  lines.push(
    `- Sinks: hung sink ${result.sinks['hungRequests']} requests, at most ${result.sinks['hungMaxOpenConnections']} connections open at once; failing sink ${result.sinks['failingRequests']} requests.`,
    `- Shutdown (SIGTERM): ${result.shutdown.ms} ms, ${result.shutdown.killed ? 'needed SIGKILL' : `exit ${result.shutdown.code ?? result.shutdown.signal}`}.`,
    '',
    result.failures.length === 0 ? '**Passed.**' : `**Failed:**\n\n${result.failures.map((failure) => `- ${failure}`).join('\n')}`,
    '',
  );
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
