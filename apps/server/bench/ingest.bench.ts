/**
 * Falco-alert ingest on the falcosidekick-compatible port, with persistence (SQLite, WAL,
 * group commit, 200 only once stored), against a raw node:http server that only JSON-parses —
 * both driven by the same autocannon settings in the same run, so the ratio is what counts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { startPeregrine, stop, waitForLine } from './processes';

const root = resolve(__dirname, '../../..');
const durationSeconds = Number(process.env['BENCH_DURATION'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const body = readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();

interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, seconds: number): Promise<LoadResult> {
  const result = await autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections, duration: seconds, pipelining: 1 });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result['2xx'],
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function measure(name: string, url: string): Promise<LoadResult> {
  await load(url, 2); // warm-up: JIT, connection pools, SQLite pages
  const result = await load(url, durationSeconds);
  process.stderr.write(`${name.padEnd(10)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  (2xx ${result.ok}, non-2xx ${result.non2xx}, errors ${result.errors})\n`);
  return result;
}

async function storedCount(mainUrl: string): Promise<number> {
  const response = await fetch(`${mainUrl}/api/v1/alerts?limit=1`);
  return ((await response.json()) as { total: number }).total;
}

async function main(): Promise<void> {
  const raw = spawn(process.execPath, [join(__dirname, 'raw-baseline.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rawPort = (JSON.parse(await waitForLine(raw, (line) => line.startsWith('{'))) as { port: number }).port;
  const baseline = await measure('raw http', `http://127.0.0.1:${rawPort}/`);
  await stop(raw);

  const dataDir = mkdtempSync(join(tmpdir(), 'peregrine-bench-'));
  const { child: peregrine, ...listening } = await startPeregrine({ PEREGRINE_DB_PATH: join(dataDir, 'bench.db') });
  let ours: LoadResult;
  let stored: number;
  try {
    ours = await measure('peregrine', `${listening.compatUrl}/`);
    stored = await storedCount(listening.mainUrl);
  } finally {
    await stop(peregrine);
    rmSync(dataDir, { recursive: true, force: true });
  }

  const ratio = ours.requestsPerSecond / baseline.requestsPerSecond;
  const summary = {
    name: 'ingest',
    connections,
    durationSeconds,
    baselineRequestsPerSecond: Math.round(baseline.requestsPerSecond),
    requestsPerSecond: Math.round(ours.requestsPerSecond),
    ratio: Number(ratio.toFixed(3)),
    p99Ms: ours.p99Ms,
    baselineP99Ms: baseline.p99Ms,
    // Every 200 (warm-up included) must be a stored alert.
    acknowledged: ours.ok,
    stored,
    targets: { ratio: '>= 0.5', p99Ms: '< 20' },
    met: ratio >= 0.5 && ours.p99Ms < 20,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
