/**
 * Falco-alert ingest on the falcosidekick-compatible port, with persistence (200 only once the
 * alert is durable), against a raw node:http server that only JSON-parses — all driven by the
 * same autocannon settings in the same run, so the ratios are what counts.
 *
 * Measured the way senders send: 1 connection (one Falco node's http_output is a serial client:
 * one alert at a time, keep-alive, waiting for each answer) and 50 connections; in the default
 * durability (crash-safe) and with an fsync per commit (power-loss-safe); without outputs and
 * with two outputs configured (a delivery row written with every alert). Also reported: bytes on
 * disk per stored alert and bytes the process wrote per alert (write amplification).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { startPeregrine, stop, waitForLine } from './processes';

const root = resolve(__dirname, '../../..');
const durationSeconds = Number(process.env['BENCH_DURATION'] ?? 8);
const body = readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();

interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, connections: number, seconds: number): Promise<LoadResult> {
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

async function measure(name: string, url: string, connections: number): Promise<LoadResult> {
  await load(url, connections, 2); // warm-up: JIT, connection pools, SQLite pages
  const result = await load(url, connections, durationSeconds);
  process.stderr.write(`${name.padEnd(28)} c=${String(connections).padEnd(3)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  (2xx ${result.ok}, non-2xx ${result.non2xx}, errors ${result.errors})\n`);
  return result;
}

/** Bytes the process has written to storage so far (Linux); undefined elsewhere. */
function writtenBytes(pid: number | undefined): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/io`, 'utf8').split('\n').find((l) => l.startsWith('write_bytes:'));
    return line ? Number(line.split(':')[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Answers 200 to everything: an output that never slows delivery down. */
async function startSink(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface CaseResult extends LoadResult {
  name: string;
  connections: number;
  synchronous: 'NORMAL' | 'FULL';
  outputs: number;
  acknowledged: number;
  stored: number;
  bytesOnDiskPerAlert: number;
  bytesWrittenPerAlert: number | undefined;
}

async function peregrineCase(name: string, connections: number, synchronous: 'NORMAL' | 'FULL', withOutputs: boolean): Promise<CaseResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'peregrine-bench-'));
  const sinks = withOutputs ? await Promise.all([startSink(), startSink()]) : [];
  const outputsEnv: Record<string, string> = sinks.length === 2 ? { WEBHOOK_ADDRESS: `${sinks[0]?.url}/`, LOKI_HOSTPORT: sinks[1]?.url ?? '' } : {};
  const { child, mainUrl, compatUrl } = await startPeregrine({ PEREGRINE_DB_PATH: join(dataDir, 'bench.db'), PEREGRINE_DB_SYNCHRONOUS: synchronous, ...outputsEnv });
  try {
    await load(`${compatUrl}/`, connections, 2);
    const writtenBefore = writtenBytes(child.pid);
    const result = await load(`${compatUrl}/`, connections, durationSeconds);
    // A read waits for every acknowledged alert to be indexed: the count includes the last.
    const page = (await (await fetch(`${mainUrl}/api/v1/alerts?limit=1`)).json()) as { total: number };
    const writtenAfter = writtenBytes(child.pid);
    const metrics = await (await fetch(`${mainUrl}/metrics`)).text();
    const sizeBytes = Number(/^peregrine_store_size_bytes (\d+)/m.exec(metrics)?.[1] ?? 0);
    process.stderr.write(`${name.padEnd(28)} c=${String(connections).padEnd(3)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  (2xx ${result.ok}, non-2xx ${result.non2xx}, errors ${result.errors})\n`);
    return {
      name,
      connections,
      synchronous,
      outputs: sinks.length,
      ...result,
      acknowledged: result.ok,
      stored: page.total,
      bytesOnDiskPerAlert: page.total > 0 ? Math.round(sizeBytes / page.total) : 0,
      bytesWrittenPerAlert: writtenBefore !== undefined && writtenAfter !== undefined && result.ok > 0 ? Math.round((writtenAfter - writtenBefore) / result.ok) : undefined,
    };
  } finally {
    await stop(child);
    for (const sink of sinks) await new Promise((done) => sink.server.close(done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const raw = spawn(process.execPath, [join(__dirname, 'raw-baseline.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rawPort = (JSON.parse(await waitForLine(raw, (line) => line.startsWith('{'))) as { port: number }).port;
  const rawSerial = await measure('raw node:http', `http://127.0.0.1:${rawPort}/`, 1);
  const rawConcurrent = await measure('raw node:http', `http://127.0.0.1:${rawPort}/`, 50);
  await stop(raw);

  const serial = await peregrineCase('peregrine', 1, 'NORMAL', false);
  const concurrent = await peregrineCase('peregrine', 50, 'NORMAL', false);
  const serialOutputs = await peregrineCase('peregrine, two outputs', 1, 'NORMAL', true);
  const concurrentOutputs = await peregrineCase('peregrine, two outputs', 50, 'NORMAL', true);
  const serialFsync = await peregrineCase('peregrine, fsync per commit', 1, 'FULL', false);
  const concurrentFsync = await peregrineCase('peregrine, fsync per commit', 50, 'FULL', false);

  const ratio = (ours: LoadResult, baseline: LoadResult): number => Number((ours.requestsPerSecond / baseline.requestsPerSecond).toFixed(3));
  const ratios = {
    serial: ratio(serial, rawSerial),
    concurrent: ratio(concurrent, rawConcurrent),
    serialFsync: ratio(serialFsync, rawSerial),
    concurrentFsync: ratio(concurrentFsync, rawConcurrent),
    serialOutputsVsNone: ratio(serialOutputs, serial),
    concurrentOutputsVsNone: ratio(concurrentOutputs, concurrent),
  };
  const cases = [serial, concurrent, serialOutputs, concurrentOutputs, serialFsync, concurrentFsync];
  const summary = {
    name: 'ingest',
    durationSeconds,
    baseline: { serialRequestsPerSecond: Math.round(rawSerial.requestsPerSecond), concurrentRequestsPerSecond: Math.round(rawConcurrent.requestsPerSecond), concurrentP99Ms: rawConcurrent.p99Ms },
    cases: cases.map((c) => ({ ...c, requestsPerSecond: Math.round(c.requestsPerSecond) })),
    ratios,
    // Every 200 must be a stored alert.
    everyAcknowledgedStored: cases.every((c) => c.stored >= c.acknowledged),
    targets: { serial: '>= 0.25', concurrent: '>= 0.5', concurrentP99Ms: '< 20', outputsVsNone: '>= 0.85' },
    met: {
      serial: ratios.serial >= 0.25,
      concurrent: ratios.concurrent >= 0.5,
      concurrentP99: concurrent.p99Ms < 20,
      outputs: ratios.serialOutputsVsNone >= 0.85 && ratios.concurrentOutputsVsNone >= 0.85,
    },
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
