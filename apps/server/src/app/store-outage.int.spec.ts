import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { duplicatesOf, markedAlert, type Product, Sink, sleep, startPeregrine, stopChild, storedSeqs } from '../testing/product';
import { mountSmallFileSystem, type SmallFileSystem } from '../testing/tmpfs';

/*
 * The store unavailable under the BUILT product (`peregrine serve`, a child process): its disk
 * full (a tmpfs of its own, filled by the test) and its main file locked by another process.
 * Ingest answers 503 with Retry-After (or 200 only for alerts it really stored), nothing
 * crashes, and once the space or the lock is back everything acknowledged is stored, readable
 * and delivered, without a restart. Build first (`npm run build`).
 */

interface Answer {
  status: number;
  retryAfter: string | null;
  body: string;
  ms: number;
}

async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, init);
  const body = await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body, ms: performance.now() - started };
}

const postMarked = (product: Product, seq: string): Promise<Answer> => request(`${product.compatUrl}/`, { method: 'POST', body: markedAlert(seq), headers: { 'content-type': 'application/json' } });

/** Posts marked alerts (`senders` at a time) for `ms`, recording every answer; 200s go into `acked`. */
async function postFor(product: Product, prefix: string, ms: number, acked: Set<string>, senders = 4): Promise<Answer[]> {
  const answers: Answer[] = [];
  const until = Date.now() + ms;
  let n = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (Date.now() < until) {
        const seq = `${prefix}${n++}`;
        const answer = await postMarked(product, seq);
        answers.push(answer);
        if (answer.status === 200) acked.add(seq);
        else await sleep(20);
      }
    }),
  );
  return answers;
}

/** Answers grouped as "status code" (the coded error's code, from the body's second line or JSON). */
function tally(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const code = /\b(STORE_[A-Z_]+)\b/.exec(answer.body)?.[1] ?? '';
    const key = `${answer.status}${code ? ` ${code}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return { value, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** Every acknowledged seq reached the sink (at least once), within `timeoutMs`; answers those that did not. */
async function undeliveredOf(sink: Sink, acked: ReadonlySet<string>, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let missing = [...acked];
  while (missing.length > 0 && Date.now() < deadline) {
    await sleep(100);
    const counts = sink.seqCounts();
    missing = missing.filter((seq) => !counts.has(seq));
  }
  return missing;
}

/** The figures the runs measured; written as JSON to $PEREGRINE_OUTAGE_REPORT if set. */
const reports: Record<string, unknown> = {};
afterAll(() => {
  const file = process.env['PEREGRINE_OUTAGE_REPORT'];
  if (file) writeFileSync(file, JSON.stringify(reports, null, 2));
});

const fastDelivery = { PEREGRINE_DELIVERY_INITIAL_BACKOFF: '50ms', PEREGRINE_DELIVERY_MAX_BACKOFF: '200ms' };

describe('the store unavailable (built product)', () => {
  const sink = new Sink();
  let product: Product | undefined;
  let disk: SmallFileSystem | undefined;
  let dataDir: string | undefined;

  afterEach(async () => {
    if (product) await stopChild(product.child);
    product = undefined;
    await sink.stop();
    sink.bodies.length = 0;
    sink.failWith = undefined;
    disk?.free();
    disk?.unmount();
    disk = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  it('disk full: ingest answers 503 with Retry-After (200 only for what it stored), and recovers by itself when the space is back, losing nothing acknowledged', async () => {
    // 64 MiB: room for SQLite's log to grow while the backlog is indexed after the space is back.
    disk = mountSmallFileSystem(64);
    await sink.start();
    product = await startPeregrine({ PEREGRINE_DB_PATH: join(disk.dir, 'peregrine.db'), WEBHOOK_ADDRESS: `http://127.0.0.1:${sink.port}/`, ...fastDelivery });
    const running = product;
    const acked = new Set<string>();

    const before = await postFor(running, 'before', 500, acked, 1);
    expect(tally(before)).toEqual({ '200': before.length });

    // The sink is down too, so the dispatcher keeps recording retries while the disk is full.
    sink.failWith = 503;
    await postFor(running, 'sinkdown', 300, acked, 1);
    await sleep(200);
    const filled = disk.fill();
    expect(disk.freeBytes()).toBe(0);
    const duringFull = await postFor(running, 'full', 3_000, acked);
    const ackedWhileFull = duringFull.filter((answer) => answer.status === 200).length;
    const refused = duringFull.filter((answer) => answer.status !== 200);
    // Every refusal is a 503 with a Retry-After; never a 500, never a dropped connection.
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.status, answer.body).toBe(503);
      expect(Number(answer.retryAfter), answer.body).toBeGreaterThanOrEqual(1);
    }
    // The dashboard's reads and the probes keep answering (what is indexed; or 503, never 500).
    const read = await request(`${running.mainUrl}/api/v1/alerts?limit=5`);
    expect([200, 503]).toContain(read.status);
    if (read.status === 503) expect(Number(read.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await request(`${running.compatUrl}/healthz`)).status).toBe(200);
    expect(running.child.exitCode, running.output()).toBeNull();

    // The space is back: no restart, ingest answers 200 again by itself.
    disk.free();
    sink.failWith = undefined;
    const recovery = await waitFor('ingest answering 200 after the space came back', async () => {
      const seq = `recovered${Date.now()}`;
      const answer = await postMarked(running, seq);
      if (answer.status !== 200) return undefined;
      acked.add(seq);
      return answer;
    }, 10_000);
    const after = await postFor(running, 'after', 1_000, acked, 2);
    expect(tally(after)).toEqual({ '200': after.length });

    // Nothing acknowledged is lost: each stored once, readable, and delivered.
    const { seqs, total } = await storedSeqs(running.mainUrl);
    const stored = new Set(seqs);
    const lost = [...acked].filter((seq) => !stored.has(seq));
    expect(lost, `acknowledged but not stored (${lost.length} of ${acked.size})`).toEqual([]);
    expect(duplicatesOf(seqs)).toEqual([]);
    expect(total).toBe(seqs.length);
    expect(await undeliveredOf(sink, acked, 30_000)).toEqual([]);
    expect(running.child.exitCode, running.output()).toBeNull();
    reports['diskFull'] = {
      fillerBytes: filled,
      answersWhileFull: tally(duringFull),
      ackedWhileFull,
      readWhileFull: read.status,
      firstOkAfterSpaceBackMs: recovery.ms,
      acknowledged: acked.size,
      stored: seqs.length,
      lost: lost.length,
    };
  }, 90_000);

  it('main file locked by another process: ingest keeps acknowledging into the journal up to peregrine.db.max_unindexed, then 503 with Retry-After; reads answer, sign-in answers 503; all recovers once released', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'peregrine-locked-'));
    const dbPath = join(dataDir, 'peregrine.db');
    const password = 'locked-store-test-password';
    await sink.start();
    product = await startPeregrine({
      PEREGRINE_DB_PATH: dbPath,
      PEREGRINE_DB_MAX_UNINDEXED: '100',
      PEREGRINE_DB_BUSY_TIMEOUT_MS: '2000',
      PEREGRINE_AUTH_ENABLED: 'true',
      PEREGRINE_ADMIN_PASSWORD: password,
      WEBHOOK_ADDRESS: `http://127.0.0.1:${sink.port}/`,
      ...fastDelivery,
    });
    const running = product;
    const signIn = (secret: string): Promise<Answer> =>
      request(`${running.mainUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: secret }) });
    const session = await fetch(`${running.mainUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    expect(session.status).toBe(204);
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const acked = new Set<string>();
    await postFor(running, 'before', 300, acked, 1);

    // Another process takes SQLite's write lock on the main file and keeps it.
    const holder = new Database(dbPath, { timeout: 1_000 });
    holder.exec('BEGIN EXCLUSIVE');
    let released = false;
    try {
      const reads: Answer[] = [];
      const reading = (async () => {
        const until = Date.now() + 5_000;
        while (Date.now() < until) {
          reads.push(await request(`${running.mainUrl}/api/v1/alerts?limit=5`, { headers: { cookie } }));
          await sleep(200);
        }
      })();
      const signIns = await Promise.all([signIn('a-wrong-password'), sleep(300).then(() => signIn(password))]);
      const duringLock = await postFor(running, 'locked', 5_000, acked, 2);
      await reading;

      // The journal takes up to max_unindexed (100) while nothing can be indexed, then refuses with Retry-After.
      const counts = tally(duringLock);
      expect(counts['200'] ?? 0).toBeGreaterThan(0);
      expect(counts['503 STORE_OVERLOADED'] ?? 0).toBeGreaterThan(0);
      for (const answer of duringLock.filter((a) => a.status !== 200)) {
        expect(answer.status, answer.body).toBe(503);
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      }
      // Sign-in needs to write (each attempt is counted first): 503 with Retry-After, nobody let in, never a 500.
      for (const answer of signIns) {
        expect(answer.status, answer.body).toBe(503);
        expect(JSON.parse(answer.body)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      }
      // Reads do not need the write lock (WAL): they answer what is indexed, never wait out the lock.
      for (const answer of reads) expect(answer.status, answer.body).toBe(200);
      const slowestReadMs = Math.max(...reads.map((a) => a.ms));
      // One read may wait out the busy timeout (2 s) of the write that found the lock, not one after
      // another (8 s here when every queued write waited its own).
      expect(slowestReadMs).toBeLessThan(5_000);
      expect(running.child.exitCode, running.output()).toBeNull();

      holder.exec('COMMIT');
      holder.close();
      released = true;

      // Released: ingest answers 200 again, what was acknowledged is indexed and readable, sign-in works.
      const recovery = await waitFor('ingest answering 200 after the lock was released', async () => {
        const seq = `unlocked${Date.now()}`;
        const answer = await postMarked(running, seq);
        if (answer.status !== 200) return undefined;
        acked.add(seq);
        return answer;
      }, 10_000);
      const signInAfter = await waitFor('sign-in after the lock was released', async () => ((await signIn(password)).status === 204 ? true : undefined), 10_000);
      const { seqs } = await storedSeqs(running.mainUrl, { cookie });
      const stored = new Set(seqs);
      const lost = [...acked].filter((seq) => !stored.has(seq));
      expect(lost, `acknowledged but not stored (${lost.length} of ${acked.size})`).toEqual([]);
      expect(duplicatesOf(seqs)).toEqual([]);
      expect(await undeliveredOf(sink, acked, 30_000)).toEqual([]);
      reports['storeLocked'] = {
        answersWhileLocked: counts,
        signInsWhileLocked: signIns.map((a) => `${a.status} Retry-After ${a.retryAfter} in ${Math.round(a.ms)} ms`),
        readsWhileLocked: reads.length,
        slowestReadMs: Math.round(slowestReadMs),
        firstOkAfterReleaseMs: recovery.ms,
        signInOkAfterReleaseMs: signInAfter.ms,
        acknowledged: acked.size,
        stored: seqs.length,
      };
    } finally {
      if (!released) {
        holder.exec('ROLLBACK');
        holder.close();
      }
    }
  }, 90_000);
});

