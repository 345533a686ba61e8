import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journalPathFor } from '../store/journal-inbox';
import { type AlertPageBody, driveLoad, duplicatesOf, getJson, markedAlert, postAlert, type Product, seqOf, Sink, sleep, startPeregrine, stopChild, storedSeqs } from '../testing/product';

/*
 * Crash safety of the acknowledgement path, against the BUILT product (`peregrine serve`, a real
 * child process, so that it can be SIGKILLed mid-load): whatever got a 200 is stored exactly once
 * after a restart on the same data dir, and delivered to the webhook at least once. Build first
 * (`npx tsc -b apps/server/tsconfig.build.json`).
 */

/** Entries (lines) in the journal's segments the crashed product left, or -1 if unreadable. */
function journalLines(directory: string): number {
  try {
    return readdirSync(directory)
      .filter((name) => name.endsWith('.log'))
      .reduce((sum, name) => sum + readFileSync(join(directory, name), 'utf8').split('\n').filter((line) => line !== '').length, 0);
  } catch {
    return -1;
  }
}

/** Rows of `table` in a SQLite file the crashed product left, read-only (so the restart sees it as it was), or -1 if unreadable. */
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
