/**
 * Falco-alert ingest on the falcosidekick-compatible port, with persistence (200 only once the
 * alert is durable), against a raw node:http server that only JSON-parses — all driven by the
 * same autocannon settings in the same run, so the ratios are what counts.
 *
 * Measured the way senders send: 1 connection (one Falco node's http_output is a serial client:
 * one alert at a time, keep-alive, waiting for each answer) and 50 connections; in the default
 * durability (crash-safe) and with an fsync per commit (power-loss-safe); without outputs and
 * with two outputs configured (a delivery row written with every alert, and delivered). Also
 * reported: bytes on disk per stored alert and bytes the process wrote per alert (write
 * amplification). Medians of alternating rounds (BENCH_ROUNDS, default 3).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type LoadResult, postLoad, startPeregrine, stop, waitForLine } from './processes';

const root = resolve(__dirname, '../../..');
const durationSeconds = Number(process.env['BENCH_DURATION'] ?? 5);
const body = readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();

const load = (url: string, connections: number, seconds: number): Promise<LoadResult> => postLoad(url, body, connections, seconds);

/** Bytes the process has written to storage so far (Linux); undefined elsewhere. */
function writtenBytes(pid: number | undefined): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/io`, 'utf8').split('\n').find((l) => l.startsWith('write_bytes:'));
    return line ? Number(line.split(':')[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Two sinks that answer 200 to everything (outputs that never slow delivery down), in a process
 * of their own: a sink is another service, and in the load generator's process it would slow
 * the load generator down instead.
 */
async function startSinks(): Promise<{ child: ChildProcess; urls: string[] }> {
  const script = `
    const { createServer } = require('node:http');
    const ports = [];
    let listening = 0;
    for (let i = 0; i < 2; i++) {
      const server = createServer((request, response) => { request.resume(); request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}')); });
      server.keepAliveTimeout = 60000;
      server.listen(0, '127.0.0.1', () => { ports[i] = server.address().port; if (++listening === 2) process.stdout.write(JSON.stringify({ ports }) + '\\n'); });
    }
    process.on('SIGTERM', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { ports } = JSON.parse(await waitForLine(child, (line) => line.startsWith('{'))) as { ports: number[] };
  return { child, urls: ports.map((port) => `http://127.0.0.1:${port}`) };
}

/** Alerts Peregrine has delivered to its outputs so far (falcosidekick's outputs counter, status ok). */
async function deliveredSoFar(mainUrl: string): Promise<number> {
  const text = await (await fetch(`${mainUrl}/metrics`)).text();
  let sum = 0;
  for (const match of text.matchAll(/^falcosecurity_falcosidekick_outputs_total\{destination="[^"]+",status="ok"\} (\d+)$/gm)) sum += Number(match[1]);
  return sum;
}

/** Waits until `expected` deliveries are done (the outbox is empty); seconds it took, or undefined after `limitSeconds`. */
async function drain(mainUrl: string, expected: number, limitSeconds = 120): Promise<number | undefined> {
  const started = performance.now();
  while ((await deliveredSoFar(mainUrl)) < expected) {
    if (performance.now() - started > limitSeconds * 1000) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return (performance.now() - started) / 1000;
}

interface Target {
  name: string;
  connections: number;
  synchronous?: 'NORMAL' | 'FULL';
  outputs?: number;
  url: string;
  pid?: number | undefined;
  mainUrl?: string;
  rounds: LoadResult[];
  written: number[];
  /** With outputs: deliveries done during each round, as a share of the round's alerts × outputs. */
  deliveredDuring?: number[];
  /** With outputs: seconds after each round until every acknowledged alert was delivered. */
  drainSeconds?: Array<number | undefined>;
}

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The round whose throughput is the median one: its latencies go with it. */
function medianRound(rounds: readonly LoadResult[]): LoadResult {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)] as LoadResult;
}

async function main(): Promise<void> {
  // Everything is started first and then measured in alternating rounds, so that the machine's
  // drift (a shared 2-core VM varies by 2x over minutes) falls on the baseline and on Peregrine alike.
  const raw = spawn(process.execPath, [join(__dirname, 'raw-baseline.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rawUrl = `http://127.0.0.1:${(JSON.parse(await waitForLine(raw, (line) => line.startsWith('{'))) as { port: number }).port}/`;
  const sinks = await startSinks();
  const dataDirs: string[] = [];
  const children: Array<Awaited<ReturnType<typeof startPeregrine>>['child']> = [];
  const peregrine = async (synchronous: 'NORMAL' | 'FULL', withOutputs: boolean): Promise<{ url: string; mainUrl: string; pid: number | undefined }> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'peregrine-bench-'));
    dataDirs.push(dataDir);
    const outputsEnv: Record<string, string> = withOutputs ? { WEBHOOK_ADDRESS: `${sinks.urls[0]}/`, LOKI_HOSTPORT: sinks.urls[1] ?? '' } : {};
    const started = await startPeregrine({ PEREGRINE_DB_PATH: join(dataDir, 'bench.db'), PEREGRINE_DB_SYNCHRONOUS: synchronous, ...outputsEnv });
    children.push(started.child);
    return { url: `${started.compatUrl}/`, mainUrl: started.mainUrl, pid: started.child.pid };
  };
  try {
    const plain = await peregrine('NORMAL', false);
    const withOutputs = await peregrine('NORMAL', true);
    const fsync = await peregrine('FULL', false);
    const targets: Target[] = [];
    for (const connections of [1, 50]) {
      targets.push({ name: 'raw node:http', connections, url: rawUrl, rounds: [], written: [] });
      targets.push({ name: 'peregrine', connections, synchronous: 'NORMAL', outputs: 0, ...plain, rounds: [], written: [] });
      targets.push({ name: 'peregrine, two outputs', connections, synchronous: 'NORMAL', outputs: 2, ...withOutputs, rounds: [], written: [] });
      targets.push({ name: 'peregrine, fsync per commit', connections, synchronous: 'FULL', outputs: 0, ...fsync, rounds: [], written: [] });
    }
    // Deliveries the instance with outputs owes so far: what it acknowledged × its outputs.
    let owed = 0;
    for (const target of targets) {
      const warmUp = await load(target.url, target.connections, 2); // warm-up: JIT, pools, SQLite pages
      if (target.outputs && target.mainUrl) {
        owed += warmUp.ok * target.outputs;
        await drain(target.mainUrl, owed);
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of targets) {
        const before = writtenBytes(target.pid);
        const deliveredBefore = target.outputs && target.mainUrl ? await deliveredSoFar(target.mainUrl) : 0;
        const result = await load(target.url, target.connections, durationSeconds);
        const after = writtenBytes(target.pid);
        target.rounds.push(result);
        if (before !== undefined && after !== undefined && result.ok > 0) target.written.push((after - before) / result.ok);
        let delivery = '';
        if (target.outputs && target.mainUrl) {
          // Delivery must keep up, not fall behind and finish in the next target's round: the
          // share delivered during the round is reported, and the outbox is emptied before going on.
          const during = ((await deliveredSoFar(target.mainUrl)) - deliveredBefore) / Math.max(1, result.ok * target.outputs);
          owed += result.ok * target.outputs;
          const seconds = await drain(target.mainUrl, owed);
          (target.deliveredDuring ??= []).push(Number(during.toFixed(3)));
          (target.drainSeconds ??= []).push(seconds === undefined ? undefined : Number(seconds.toFixed(2)));
          delivery = `  delivered during the round ${(100 * during).toFixed(0)} %, the rest ${seconds === undefined ? 'not within 120 s' : `within ${seconds.toFixed(1)} s`}`;
        }
        process.stderr.write(`round ${round + 1} ${target.name.padEnd(28)} c=${String(target.connections).padEnd(3)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  (2xx ${result.ok}, non-2xx ${result.non2xx}, errors ${result.errors})${delivery}\n`);
      }
    }

    // Every 200 must be a stored alert: a read waits for every acknowledged alert to be indexed.
    const stored = new Map<string, { stored: number; bytesOnDiskPerAlert: number }>();
    for (const instance of [plain, withOutputs, fsync]) {
      const page = (await (await fetch(`${instance.mainUrl}/api/v1/alerts?limit=1`)).json()) as { total: number };
      const metrics = await (await fetch(`${instance.mainUrl}/metrics`)).text();
      const sizeBytes = Number(/^peregrine_store_size_bytes (\d+)/m.exec(metrics)?.[1] ?? 0);
      stored.set(instance.url, { stored: page.total, bytesOnDiskPerAlert: page.total > 0 ? Math.round(sizeBytes / page.total) : 0 });
    }
    const acknowledged = (url: string): number => targets.filter((t) => t.url === url).reduce((sum, t) => sum + t.rounds.reduce((s, r) => s + r.ok, 0), 0);

    const summaryOf = (target: Target) => {
      const round = medianRound(target.rounds);
      return {
        name: target.name,
        connections: target.connections,
        ...(target.synchronous ? { synchronous: target.synchronous, outputs: target.outputs } : {}),
        requestsPerSecond: Math.round(median(target.rounds.map((r) => r.requestsPerSecond))),
        roundsRequestsPerSecond: target.rounds.map((r) => Math.round(r.requestsPerSecond)),
        p50Ms: round.p50Ms,
        p99Ms: round.p99Ms,
        non2xx: target.rounds.reduce((sum, r) => sum + r.non2xx, 0),
        errors: target.rounds.reduce((sum, r) => sum + r.errors, 0),
        ...(target.pid !== undefined ? { bytesWrittenPerAlert: Math.round(median(target.written)), ...stored.get(target.url), acknowledgedAllRounds: acknowledged(target.url) } : {}),
        ...(target.deliveredDuring ? { deliveredDuringRound: target.deliveredDuring, drainSecondsAfterRound: target.drainSeconds } : {}),
      };
    };
    const cases = targets.map(summaryOf);
    const find = (name: string, connections: number) => cases.find((c) => c.name === name && c.connections === connections);
    const ratio = (ours: string, baseline: string, connections: number): number => Number(((find(ours, connections)?.requestsPerSecond ?? 0) / (find(baseline, connections)?.requestsPerSecond ?? 1)).toFixed(3));
    const ratios = {
      serial: ratio('peregrine', 'raw node:http', 1),
      concurrent: ratio('peregrine', 'raw node:http', 50),
      serialFsync: ratio('peregrine, fsync per commit', 'raw node:http', 1),
      concurrentFsync: ratio('peregrine, fsync per commit', 'raw node:http', 50),
      serialOutputsVsNone: ratio('peregrine, two outputs', 'peregrine', 1),
      concurrentOutputsVsNone: ratio('peregrine, two outputs', 'peregrine', 50),
    };
    const concurrentP99 = find('peregrine', 50)?.p99Ms ?? Infinity;
    // What the outputs ratios are worth: the share of deliveries done while the sender was sending.
    const deliveredDuring = (connections: number): number => median(targets.find((t) => t.outputs && t.connections === connections)?.deliveredDuring ?? []);
    const summary = {
      name: 'ingest',
      durationSeconds,
      rounds: ROUNDS,
      cases,
      ratios,
      everyAcknowledgedStored: [plain, withOutputs, fsync].every((instance) => (stored.get(instance.url)?.stored ?? 0) >= acknowledged(instance.url)),
      everyAcknowledgedDelivered: targets.every((target) => (target.drainSeconds ?? []).every((seconds) => seconds !== undefined)),
      outputsDeliveredDuringRound: { serial: deliveredDuring(1), concurrent: deliveredDuring(50) },
      targets: { serial: '>= 0.25', concurrent: '>= 0.5', concurrentP99Ms: '< 20', outputsVsNone: '>= 0.85' },
      met: {
        serial: ratios.serial >= 0.25,
        concurrent: ratios.concurrent >= 0.5,
        concurrentP99: concurrentP99 < 20,
        outputs: ratios.serialOutputsVsNone >= 0.85 && ratios.concurrentOutputsVsNone >= 0.85,
      },
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    for (const child of children) await stop(child);
    await stop(raw);
    await stop(sinks.child);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
