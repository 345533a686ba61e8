/**
 * The dashboard's reads over a big store: 1 000 000 alerts spread over 7 days, then the Events
 * page's first page with two filters and the Overview's 24 h stats, each requested many times
 * over loopback from the running product. Target: p95 < 100 ms server time for each.
 * Beside them, in the same run, `GET /healthz` is the floor (HTTP + Nest with no query), so the
 * figures also read as a ratio on any machine.
 *
 * The store is a fixture, not what is measured: it is generated in SQL in one statement and
 * cached under node_modules/.cache/peregrine-bench/, keyed by the schema (the migrations) and
 * this generator, so reruns start at once.
 *
 *   npx tsx apps/server/bench/alerts-query.bench.ts        (BENCH_ALERTS=1000000, BENCH_ITERATIONS=60)
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startPeregrine, stop } from './processes';

const root = resolve(__dirname, '../../..');
const ALERTS = Number(process.env['BENCH_ALERTS'] ?? 1_000_000);
const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? 60);
const TARGET_P95_MS = 100;
const DAYS = 7;
const GENERATOR_VERSION = 3;

// The built server's schema code (what `peregrine serve` runs); tsx does not emit the entities'
// decorator metadata, the build does.
type DatabaseModule = typeof import('../src/store/database');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MIGRATIONS, openDatabase } = require(join(root, 'apps/server/dist/store/database.js')) as DatabaseModule;

const RULES = [
  'Terminal shell in container', 'Read sensitive file untrusted', 'Write below etc', 'Launch Privileged Container', 'Contact K8S API Server From Container',
  'Drop and execute new binary in container', 'Redirect STDOUT/STDIN to Network Connection in Container', 'Search Private Keys or Passwords', 'Clear Log Activities',
  'Create Privileged Pod', 'Attach/Exec Pod', 'Create Sensitive Mount Pod', 'Create HostNetwork Pod', 'K8s Secret Get Successfully', 'Create Disallowed Pod',
  'ClusterRole With Wildcard Created', 'Attach to cluster-admin Role', 'K8s Serviceaccount Created', 'Anonymous Request Allowed', 'Service Account Created in Kube Namespace',
  'Netcat Remote Code Execution in Container', 'Packet socket created in container', 'Run shell untrusted', 'Modify Shell Configuration File', 'Schedule Cron Jobs',
  'Unexpected K8s NodePort Connection', 'Create Symlink Over Sensitive Files', 'Change thread namespace', 'PTRACE attached to process', 'Fileless execution via memfd_create',
];
const NAMESPACES = [...Array.from({ length: 10 }, (_, i) => `prod-${i}`), ...Array.from({ length: 8 }, (_, i) => `staging-${i}`), 'kube-system', 'monitoring', 'ingress-nginx', 'default'];

/** One INSERT … SELECT over a recursive counter: the whole fixture is built inside SQLite. */
function generatorSql(count: number, endMs: number): string {
  const stepMs = (DAYS * 24 * 3600 * 1000) / count;
  const startMs = endMs - DAYS * 24 * 3600 * 1000;
  const pick = (values: readonly string[], expr: string): string => `(CASE ${expr} ${values.map((v, i) => `WHEN ${i} THEN '${v.replace(/'/g, "''")}'`).join(' ')} END)`;
  // Skewed like real traffic: a few rules, namespaces and hosts make most of the volume.
  const skewed = (n: number, salt: number): string => `(((i * ${salt}) % 1000) * ((i * ${salt + 7}) % 1000) / 1000 * ${n} / 1000)`;
  return `
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count}),
g AS (
  SELECT i,
    CAST(${startMs} + i * ${stepMs} AS INTEGER) AS ms,
    (CASE WHEN i % 100 < 5 THEN 1 WHEN i % 100 < 20 THEN 2 WHEN i % 100 < 55 THEN 3 WHEN i % 100 < 85 THEN 4 WHEN i % 100 < 95 THEN 5 ELSE 6 END) AS pv,
    ${pick(RULES, skewed(RULES.length, 31))} AS rule,
    (CASE WHEN i % 5 < 2 THEN 'k8s_audit' ELSE 'syscall' END) AS source,
    ${pick(['eu-west', 'eu-central', 'us-east', 'ap-south'], '(i / 7) % 4')} AS cluster,
    (CASE WHEN i % 10 < 2 THEN NULL ELSE ${pick(NAMESPACES, skewed(NAMESPACES.length, 17))} END) AS ns,
    ((i * 13) % 50) AS host
  FROM n
)
INSERT INTO alerts (uuid, time_ns, time, priority, priority_value, rule, source, hostname, cluster, k8s_namespace, k8s_pod, output, output_fields, tags, received_at)
SELECT
  printf('%08x-bench-4000-8000-%012x', i, i),
  ms * 1000000,
  strftime('%Y-%m-%dT%H:%M:%f000000Z', ms / 1000.0, 'unixepoch'),
  ${pick(['', 'Debug', 'Informational', 'Notice', 'Warning', 'Error', 'Critical'], 'pv')},
  pv,
  rule,
  source,
  (CASE WHEN source = 'k8s_audit' THEN cluster ELSE printf('node-%02d.%s', host, cluster) END),
  cluster,
  ns,
  (CASE WHEN ns IS NULL THEN NULL ELSE printf('app-%d-%05x', i % 40, i % 65536) END),
  printf('%s: %s (user=system:serviceaccount:%s:deployer user_loginuid=-1 process=sh proc.cmdline="sh -c id" container_id=%012x image=registry.example.com/team/app:1.%d k8s.ns=%s k8s.pod=app-%d)', strftime('%H:%M:%f', ms / 1000.0, 'unixepoch'), rule, COALESCE(ns, 'none'), i * 2654435761 % 281474976710655, i % 20, COALESCE(ns, '<NA>'), i % 40),
  printf('{"container.id":"%012x","container.image.repository":"registry.example.com/team/app","k8s.ns.name":%s,"k8s.pod.name":"app-%d","proc.cmdline":"sh -c id","user.name":"root"}', i * 2654435761 % 281474976710655, CASE WHEN ns IS NULL THEN 'null' ELSE '"' || ns || '"' END, i % 40),
  (CASE WHEN source = 'k8s_audit' THEN '["k8s","mitre_persistence"]' WHEN i % 3 = 0 THEN '["container","mitre_execution","shell"]' ELSE '["container","filesystem","mitre_credential_access"]' END),
  ms + 5
FROM g`;
}

/** The fixture database, generated once per schema and generator version. */
async function fixtureDatabase(): Promise<string> {
  const key = createHash('sha1').update(JSON.stringify({ migrations: MIGRATIONS.map((m) => m.name), GENERATOR_VERSION, ALERTS, DAYS })).digest('hex').slice(0, 12);
  const cacheDir = join(root, 'node_modules/.cache/peregrine-bench');
  const cached = join(cacheDir, `alerts-${ALERTS}-${key}.db`);
  if (existsSync(cached)) return cached;
  mkdirSync(cacheDir, { recursive: true });
  for (const old of readdirSync(cacheDir).filter((name) => name.startsWith('alerts-'))) rmSync(join(cacheDir, old), { force: true });
  const building = `${cached}.building`;
  rmSync(building, { force: true });
  const started = performance.now();
  const dataSource = await openDatabase({ driver: 'sqlite', path: building, synchronous: 'NORMAL', busyTimeoutMs: 5000 });
  // Generated relative to "now" so `since=24h` covers a seventh of it; the cache is refreshed
  // when it is older than a day, so that stays true.
  await dataSource.query(generatorSql(ALERTS, Date.now()));
  await dataSource.query('ANALYZE');
  await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
  await dataSource.destroy();
  renameSync(building, cached);
  process.stderr.write(`fixture: ${ALERTS} alerts generated in ${((performance.now() - started) / 1000).toFixed(1)} s (${(statSync(cached).size / 1024 / 1024).toFixed(0)} MiB), cached as ${cached}\n`);
  return cached;
}

interface Timing {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

async function fetchOk(url: string): Promise<number> {
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${Buffer.from(body).toString('utf8').slice(0, 300)}`);
  return body.byteLength;
}

/** Runs one measured step ITERATIONS times (after 3 warm-ups); `step` returns the bytes it read. */
async function timeSamples(step: () => Promise<number>): Promise<Timing & { bytes: number }> {
  let bytes = 0;
  for (let i = 0; i < 3; i++) await step();
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    bytes = await step();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): number => Number((samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)] ?? 0).toFixed(1));
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1), bytes };
}

async function main(): Promise<void> {
  let database = await fixtureDatabase();
  if (Date.now() - statSync(database).mtimeMs > 20 * 3600 * 1000) {
    rmSync(database);
    database = await fixtureDatabase();
  }
  // The server may write (retention, new migrations of a later schema): it gets a copy.
  const dataDir = mkdtempSync(join(tmpdir(), 'peregrine-query-bench-'));
  const dbPath = join(dataDir, 'bench.db');
  copyFileSync(database, dbPath);
  const { child: peregrine, mainUrl: base } = await startPeregrine({
    PEREGRINE_DB_PATH: dbPath,
    PEREGRINE_RETENTION_MAX_ALERTS: String(ALERTS * 2),
    PEREGRINE_RETENTION_MAX_AGE: `${(DAYS + 2) * 24}h`,
  });
  try {
    const total = ((await (await fetch(`${base}/api/v1/alerts?limit=1`)).json()) as { total: number }).total;
    if (total !== ALERTS) throw new Error(`the store holds ${total} alerts, expected ${ALERTS}`);
    // What the dashboard asks: the Events page's first page (500 rows) with two filters, and
    // the six requests the Overview makes for a 24 h view.
    const events = (name: string, query: string): { name: string; path: string; target: boolean } => ({ name: `events: ${name}`, path: `/api/v1/alerts?${query}&limit=500`, target: true });
    const overview = (query: string): { name: string; path: string; target: boolean } => ({ name: `overview: ${query}`, path: `/api/v1/alerts/stats?since=24h&${query}`, target: true });
    const queries: Array<{ name: string; path: string; target: boolean }> = [
      { name: 'floor: GET /healthz', path: '/healthz', target: false },
      events('no filter (the page as it opens)', 'since='),
      events('priority=Warning,Error & namespace=prod-3', 'priority=Warning,Error&namespace=prod-3'),
      events('source=k8s_audit & since=24h', 'source=k8s_audit&since=24h'),
      events('cluster=us-east & rule=Terminal shell…', `cluster=us-east&rule=${encodeURIComponent('Terminal shell in container')}`),
      { ...events('since=24h & q=prod-3 (free text: a scan, reported)', 'since=24h&q=prod-3'), target: false },
      overview('by=priority&bucket=auto'),
      overview('by=source&bucket=auto'),
      overview('by=rule&top=10'),
      overview('by=namespace&top=10'),
      overview('by=hostname&top=10'),
      overview('by=cluster&top=10'),
    ];
    const results: Record<string, Timing & { bytes: number }> = {};
    for (const query of queries) {
      const timing = await timeSamples(() => fetchOk(`${base}${query.path}`));
      results[query.name] = timing;
      process.stderr.write(`${query.name.padEnd(58)} p50 ${String(timing.p50).padStart(6)} ms  p95 ${String(timing.p95).padStart(6)} ms  p99 ${String(timing.p99).padStart(6)} ms  (${timing.bytes} bytes)${query.target ? (timing.p95 < TARGET_P95_MS ? '  ok' : '  MISSED') : ''}\n`);
    }
    // The Overview as a user waits for it: its six requests at once, as the page sends them.
    const overviewPaths = queries.filter((q) => q.name.startsWith('overview:')).map((q) => `${base}${q.path}`);
    const wholeOverview = await timeSamples(async () => (await Promise.all(overviewPaths.map(fetchOk))).reduce((sum, bytes) => sum + bytes, 0));
    process.stderr.write(`${'overview page: its 6 requests in parallel'.padEnd(58)} p50 ${String(wholeOverview.p50).padStart(6)} ms  p95 ${String(wholeOverview.p95).padStart(6)} ms  p99 ${String(wholeOverview.p99).padStart(6)} ms\n`);
    const measured = queries.filter((q) => q.target).map((q) => ({ name: q.name, p95: results[q.name]?.p95 ?? Infinity }));
    const floor = results['floor: GET /healthz']?.p50 ?? 1;
    const summary = {
      name: 'alerts-query',
      alerts: ALERTS,
      days: DAYS,
      iterations: ITERATIONS,
      p95Ms: Object.fromEntries(measured.map((m) => [m.name, m.p95])),
      p50Ms: Object.fromEntries(queries.filter((q) => q.target).map((q) => [q.name, results[q.name]?.p50])),
      overviewPageP95Ms: wholeOverview.p95,
      floorP50Ms: floor,
      worstP95Ms: Math.max(...measured.map((m) => m.p95)),
      target: { p95Ms: `< ${TARGET_P95_MS}` },
      met: measured.every((m) => m.p95 < TARGET_P95_MS),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await stop(peregrine);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
