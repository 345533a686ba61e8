import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, stringifyJson, type JsonValue } from '../common/json';
import { journalPathFor } from '../store/journal-inbox';
import { productEnv } from '../testing/processes';

/*
 * Crash safety of the acknowledgement path, against the BUILT product (`peregrine serve`, a real
 * child process, so that it can be SIGKILLed mid-load): whatever got a 200 is stored exactly once
 * after a restart on the same data dir, and delivered to the webhook at least once. Build first
 * (`npx tsc -b apps/server/tsconfig.build.json`).
 */

type JsonObject = { [key: string]: JsonValue };

const root = resolve(__dirname, '../../../..');
const fixture = parseJson(readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8')) as JsonObject;
const SEQ_FIELD = 'peregrine.test.seq';

/** The fixture (its time and all) marked with `seq`, in an output field and in the output text. */
function markedAlert(seq: string): string {
  const outputFields = fixture['output_fields'] as JsonObject;
  return stringifyJson({ ...fixture, output: `${fixture['output'] as string} seq=${seq}`, output_fields: { ...outputFields, [SEQ_FIELD]: seq } });
}

/** The seq an alert (as the API or the webhook gives it back) carries, if any. */
function seqOf(alert: unknown): string | undefined {
  const fields = (alert as { output_fields?: Record<string, unknown> } | null)?.output_fields;
  const seq = fields?.[SEQ_FIELD];
  return typeof seq === 'string' ? seq : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** A running `peregrine serve`, its URLs and what it printed (for failure messages). */
interface Product {
  child: ChildProcess;
  mainUrl: string;
  compatUrl: string;
  output: () => string;
}

/** Same as bench/processes.ts's startPeregrine, but keeps the child's output instead of inheriting stderr. */
async function startPeregrine(env: Readonly<Record<string, string>>, timeoutMs = 20_000): Promise<Product> {
  const child = spawn(process.execPath, [join(root, 'apps/server/bin/peregrine.js'), 'serve'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: productEnv(env),
  });
  // The last 64 KiB of output: enough to explain a failure, bounded under load.
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-65_536);
  };
  child.stderr?.on('data', keep);
  const lines = createInterface({ input: child.stdout });
  const listening = await new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`peregrine did not listen within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`peregrine exited early (${code ?? signal}):\n${output}`));
    });
    lines.on('line', (line) => {
      keep(Buffer.from(`${line}\n`));
      if (line.includes('Peregrine is listening')) {
        clearTimeout(timer);
        resolveLine(line);
      }
    });
  });
  const { mainUrl, compatUrl } = JSON.parse(listening) as { mainUrl: string; compatUrl: string };
  return { child, mainUrl, compatUrl, output: () => output };
}

/** Waits for `child` to exit, after `signal` (SIGTERM drains; SIGKILL is the crash). */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((done) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill(signal);
  });
}

/** A webhook receiver on loopback that records every body and answers 200: a real HTTP peer. */
class Sink {
  readonly bodies: string[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.bodies.push(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    this.port = (this.server?.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  /** How many times each seq arrived. */
  seqCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const body of this.bodies) {
      let seq: string | undefined;
      try {
        seq = seqOf(JSON.parse(body));
      } catch {
        seq = undefined;
      }
      if (seq !== undefined) counts.set(seq, (counts.get(seq) ?? 0) + 1);
    }
    return counts;
  }
}

async function postAlert(compatUrl: string, body: string): Promise<number> {
  const response = await fetch(`${compatUrl}/`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  await response.arrayBuffer();
  return response.status;
}

/**
 * `loops` senders, each posting marked alerts one at a time, until `stopAt()` says so, a
 * connection fails (the server is gone), or `maxPerLoop`/`maxMs` is reached. Acknowledged seqs
 * (200s) go into `acked`; anything else counts as not acknowledged.
 */
function driveLoad(compatUrl: string, options: { prefix: string; loops: number; maxPerLoop: number; maxMs: number; acked: Set<string>; stopAt: () => boolean }): { done: Promise<{ failures: number; notOk: number }> } {
  const deadline = Date.now() + options.maxMs;
  let failures = 0;
  let notOk = 0;
  const loop = async (index: number): Promise<void> => {
    for (let n = 0; n < options.maxPerLoop && Date.now() < deadline && !options.stopAt(); n++) {
      const seq = `${options.prefix}${index}-${n}`;
      try {
        const status = await postAlert(compatUrl, markedAlert(seq));
        if (status === 200) options.acked.add(seq);
        else notOk++;
      } catch {
        failures++;
        return;
      }
    }
  };
  const loops = Array.from({ length: options.loops }, (_, index) => loop(index));
  return { done: Promise.all(loops).then(() => ({ failures, notOk })) };
}

interface AlertPageBody {
  results: unknown[];
  total: number;
  nextCursor: string | null;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Every stored alert's seq, paging newest first with the cursor (bounded). */
async function storedSeqs(mainUrl: string): Promise<{ seqs: string[]; total: number }> {
  const seqs: string[] = [];
  let cursor: string | null = null;
  let total = 0;
  for (let pages = 0; pages < 1_000; pages++) {
    const page: AlertPageBody = await getJson<AlertPageBody>(`${mainUrl}/api/v1/alerts?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    total = page.total;
    for (const alert of page.results) {
      const seq = seqOf(alert);
      if (seq !== undefined) seqs.push(seq);
    }
    cursor = page.nextCursor;
    if (!cursor) return { seqs, total };
  }
  throw new Error('too many pages');
}

/** Rows of `table` in a SQLite file the crashed product left, read-only (so the restart sees it as it was), or -1 if unreadable. */
/** Entries (lines) in the journal's segments. */
function journalLines(directory: string): number {
  try {
    return readdirSync(directory)
      .filter((name) => name.endsWith('.log'))
      .reduce((sum, name) => sum + readFileSync(join(directory, name), 'utf8').split('\n').filter((line) => line !== '').length, 0);
  } catch {
    return -1;
  }
}

function countRows(path: string, table: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(`SELECT COUNT(*) AS count FROM ${table}`).get() as { count: number }).count;
    } finally {
      db.close();
    }
  } catch {
    return -1;
  }
}

function duplicatesOf(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) (seen.has(value) ? twice : seen).add(value);
  return [...twice];
}

/** The figures the runs measured; written as JSON to $PEREGRINE_CRASH_REPORT if set (no console output in tests). */
const crashReports: Array<Record<string, unknown>> = [];
const readReports: Array<Record<string, unknown>> = [];
afterAll(() => {
  const file = process.env['PEREGRINE_CRASH_REPORT'];
  if (file) writeFileSync(file, JSON.stringify({ crashReports, readReports }, null, 2));
});

const fastDelivery = { PEREGRINE_DELIVERY_INITIAL_BACKOFF: '50ms', PEREGRINE_DELIVERY_MAX_BACKOFF: '200ms' };

describe.each(['NORMAL', 'FULL'] as const)('crash safety with peregrine.db.synchronous = %s (built product, SIGKILL under load)', (synchronous) => {
  let sink: Sink;
  let dataDir: string;
  let env: Record<string, string>;
  const running: ChildProcess[] = [];

  const start = async (): Promise<Product> => {
    const product = await startPeregrine(env);
    running.push(product.child);
    return product;
  };

  beforeEach(async () => {
    sink = new Sink();
    await sink.start();
    dataDir = mkdtempSync(join(tmpdir(), 'peregrine-crash-'));
    env = {
      PEREGRINE_DB_PATH: join(dataDir, 'peregrine.db'),
      PEREGRINE_DB_SYNCHRONOUS: synchronous,
      PEREGRINE_AUTH_ENABLED: 'false',
      WEBHOOK_ADDRESS: `http://127.0.0.1:${sink.port}/`,
      ...fastDelivery,
    };
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((child) => stopChild(child)));
    await sink.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged alert exactly once across a SIGKILL, and delivers each at least once', async () => {
    const first = await start();
    const acked = new Set<string>();
    let killed = false;
    const load = driveLoad(first.compatUrl, { prefix: 'c', loops: 8, maxPerLoop: 5_000, maxMs: 10_000, acked, stopAt: () => killed });

    // ~1.5 s of load, or 1000 acknowledged, whichever first; then the crash, senders still sending.
    const loadStarted = Date.now();
    // (A cold machine that acknowledged little by then gets up to 4 s, so the crash hits a busy server.)
    while (acked.size < 1_000 && Date.now() - loadStarted < (acked.size < 300 ? 4_000 : 1_500)) await sleep(10);
    const ackedBeforeKill = acked.size;
    await stopChild(first.child, 'SIGKILL');
    killed = true;
    const { failures, notOk } = await load.done;
    // What the crash left: alerts still only in the journal (the restart must index them first).
    const leftInInbox = journalLines(journalPathFor(env['PEREGRINE_DB_PATH'] as string));
    const indexedAtKill = countRows(env['PEREGRINE_DB_PATH'] as string, 'alerts');
    expect(notOk).toBe(0);
    expect(acked.size).toBeGreaterThan(100);
    expect(acked.size).toBeGreaterThanOrEqual(ackedBeforeKill);

    // Same data dir, same settings: the inbox left behind is indexed first.
    const restartAt = Date.now();
    const second = await start();
    const restartMs = Date.now() - restartAt;
    const { seqs, total } = await storedSeqs(second.mainUrl);
    const stored = new Set(seqs);
    const lost = [...acked].filter((seq) => !stored.has(seq));
    const storedTwice = duplicatesOf(seqs);
    expect(lost, `acknowledged but not stored after the restart (${lost.length} of ${acked.size})`).toEqual([]);
    expect(storedTwice, 'stored more than once').toEqual([]);
    expect(total).toBe(seqs.length);

    // Delivery resumes from the queue: each acknowledged seq reaches the sink at least once.
    const deliveryWaitStarted = Date.now();
    const deadline = deliveryWaitStarted + 30_000;
    let undelivered: string[] = [...acked];
    while (undelivered.length > 0 && Date.now() < deadline) {
      await sleep(100);
      const counts = sink.seqCounts();
      undelivered = undelivered.filter((seq) => !counts.has(seq));
    }
    const counts = sink.seqCounts();
    const duplicates = [...counts.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
    const report = {
      synchronous,
      acknowledged: acked.size,
      ackedBeforeKill,
      sendersCutOff: failures,
      leftInInbox,
      indexedAtKill,
      restartMs,
      deliveryWaitMs: Date.now() - deliveryWaitStarted,
      stored: seqs.length,
      storedNotAcked: seqs.length - [...stored].filter((seq) => acked.has(seq)).length,
      deliveredSeqs: counts.size,
      webhookBodies: sink.bodies.length,
      duplicateDeliveries: duplicates,
    };
    expect(undelivered, `never delivered within 30 s: ${JSON.stringify(report)}`).toEqual([]);
    expect(duplicates, `duplicate deliveries: ${JSON.stringify(report)}`).toBeLessThan(acked.size * 0.05);
    crashReports.push(report);
  }, 60_000);

  it('a read right after an acknowledgement finds the alert (under load)', async () => {
    const product = await start();
    const acked = new Set<string>();
    let stopped = false;
    const load = driveLoad(product.compatUrl, { prefix: 'bg', loops: 4, maxPerLoop: 5_000, maxMs: 15_000, acked, stopAt: () => stopped });
    try {
      const warmUntil = Date.now() + 10_000;
      while (acked.size < 200 && Date.now() < warmUntil) await sleep(10);
      expect(acked.size, 'background load under way').toBeGreaterThanOrEqual(200);
      const timings: Array<{ firstReadFound: boolean; msToFound: number }> = [];
      for (let i = 0; i < 20; i++) {
        const marker = `readcheck${synchronous}x${i}x${Math.random().toString(36).slice(2, 10)}`;
        expect(await postAlert(product.compatUrl, markedAlert(marker))).toBe(200);
        const ackedAt = Date.now();
        let reads = 0;
        let found = false;
        while (!found && (reads === 0 || Date.now() - ackedAt < 1_000)) {
          const page = await getJson<AlertPageBody>(`${product.mainUrl}/api/v1/alerts?q=${encodeURIComponent(marker)}&limit=5`);
          reads++;
          found = page.total === 1 && page.results.length === 1 && seqOf(page.results[0]) === marker;
          expect(page.total).toBeLessThanOrEqual(1);
        }
        timings.push({ firstReadFound: found && reads === 1, msToFound: found ? Date.now() - ackedAt : Infinity });
        expect(found, `alert ${marker} not readable within 1 s of its acknowledgement`).toBe(true);
        expect(reads, `alert ${marker} needed ${reads} reads`).toBe(1);
      }
      const slowest = Math.max(...timings.map((t) => t.msToFound));
      expect(slowest).toBeLessThan(1_000);
      readReports.push({ synchronous, checks: timings.length, slowestMs: slowest, backgroundAcked: acked.size });
    } finally {
      stopped = true;
      await load.done;
    }
  }, 60_000);
});
