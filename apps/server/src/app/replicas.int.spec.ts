import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import { signIn } from '../testing/test-server';
import { markedAlert, postAlert, type Product, seqOf, Sink, sleep, startPeregrine, stopChild, storedSeqs, duplicatesOf } from '../testing/product';

/*
 * Several replicas on one PostgreSQL, as the built product (`peregrine serve` child processes):
 * alerts posted round-robin, one replica SIGKILLed under load and restarted. Every acknowledged
 * alert is stored once and delivered at least once; a delivery is sent by one replica at a
 * time (claims on the outbox), so duplicates come only from the killed replica's claims.
 */

/**
 * `senders` clients posting marked alerts one at a time, each to the next replica in turn,
 * until `until` are acknowledged. A replica killed mid-request leaves that alert unacknowledged.
 */
async function roundRobin(replicas: () => readonly Product[], prefix: string, until: number, acked: Set<string>, senders = 6): Promise<number> {
  let n = 0;
  let refused = 0;
  const sender = async (index: number): Promise<void> => {
    while (acked.size < until) {
      const seq = `${prefix}${index}-${n++}`;
      const targets = replicas();
      const target = targets[n % targets.length] as Product;
      try {
        if ((await postAlert(target.compatUrl, markedAlert(seq))) === 200) acked.add(seq);
        else refused++;
      } catch {
        refused++;
      }
    }
  };
  await Promise.all(Array.from({ length: senders }, (_, index) => sender(index)));
  return refused;
}

/** The figures of the run; written as JSON to $PEREGRINE_REPLICAS_REPORT if set. */
const reports: Array<Record<string, unknown>> = [];
afterAll(async () => {
  const file = process.env['PEREGRINE_REPLICAS_REPORT'];
  if (file) (await import('node:fs')).writeFileSync(file, JSON.stringify(reports, null, 2));
});

describe('two replicas on one PostgreSQL (built product, one SIGKILLed under load)', () => {
  let postgres: TestPostgres;
  const sink = new Sink();
  const running: Product[] = [];

  beforeAll(async () => {
    postgres = await startPostgres();
    await sink.start();
  }, 60_000);
  afterAll(async () => {
    for (const product of running) await stopChild(product.child);
    await sink.stop();
    await postgres?.stop();
  });

  it('stores every acknowledged alert once and delivers each at least once; only the killed replica’s claims are sent twice', async () => {
    const env = {
      PEREGRINE_DB_DRIVER: 'postgres',
      PEREGRINE_DB_URL: postgres.url,
      PEREGRINE_AUTH_ENABLED: 'false',
      WEBHOOK_ADDRESS: `http://127.0.0.1:${sink.port}/`,
      // A short lease, so that the killed replica's claims come due again within the test.
      WEBHOOK_TIMEOUT: '1s',
      PEREGRINE_DELIVERY_CLAIM_LEASE: '3s',
      PEREGRINE_DELIVERY_INITIAL_BACKOFF: '50ms',
      PEREGRINE_DELIVERY_MAX_BACKOFF: '200ms',
    };
    const start = async (): Promise<Product> => {
      const product = await startPeregrine(env, 40_000);
      running.push(product);
      return product;
    };
    let replicaA = await start();
    const replicaB = await start();
    let replicas = [replicaA, replicaB];
    const acked = new Set<string>();

    // Senders post round-robin to whichever replicas are up, until 3 000 are acknowledged.
    const load = roundRobin(() => replicas, 'rr', 3_000, acked);
    // Halfway, A is killed with requests and deliveries in flight; B alone takes the alerts (and
    // finishes A's unindexed inbox entries and, once the lease ends, its claimed deliveries).
    while (acked.size < 1_500) await sleep(5);
    await stopChild(replicaA.child, 'SIGKILL');
    const killedAt = Date.now();
    replicas = [replicaB];
    replicaA = await start();
    replicas = [replicaA, replicaB];
    const refused = await load;

    const { seqs, total } = await storedSeqs(replicaB.mainUrl);
    const stored = new Set(seqs);
    const lost = [...acked].filter((seq) => !stored.has(seq));
    expect(lost, `acknowledged but not stored (${lost.length} of ${acked.size})`).toEqual([]);
    expect(duplicatesOf(seqs), 'stored more than once').toEqual([]);
    expect(total).toBe(seqs.length);
    // The same, read through the restarted replica.
    expect((await storedSeqs(replicaA.mainUrl)).total).toBe(total);

    const deadline = Date.now() + 60_000;
    let undelivered = [...acked];
    while (undelivered.length > 0 && Date.now() < deadline) {
      await sleep(200);
      const counts = sink.seqCounts();
      undelivered = undelivered.filter((seq) => !counts.has(seq));
    }
    // Whatever is still in flight settles before the duplicates are counted.
    await sleep(1_000);
    const counts = sink.seqCounts();
    const duplicates = [...counts.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
    // The replicas count what they took over from the killed one: every duplicate is among those.
    const reclaimedOn = async (replica: Product): Promise<number> => Number(/^peregrine_output_reclaimed_total\{[^}]*\} (\d+)/m.exec(await (await fetch(`${replica.mainUrl}/metrics`)).text())?.[1] ?? 0);
    const reclaimed = (await reclaimedOn(replicaA)) + (await reclaimedOn(replicaB));
    const report = {
      acknowledged: acked.size,
      refusedOrCutOff: refused,
      stored: seqs.length,
      delivered: counts.size,
      webhookBodies: sink.bodies.length,
      duplicateDeliveries: duplicates,
      reclaimedByReplicas: reclaimed,
      duplicateShare: Number((duplicates / acked.size).toFixed(4)),
      msFromKillToAllDelivered: Date.now() - killedAt,
      deliveredWithoutSeq: sink.bodies.filter((body) => seqOf(JSON.parse(body)) === undefined).length,
    };
    reports.push(report);
    expect(undelivered, `never delivered within 60 s: ${JSON.stringify(report)}`).toEqual([]);
    expect(duplicates, `duplicate deliveries: ${JSON.stringify(report)}`).toBeLessThan(acked.size * 0.05);
    expect(reclaimed, `duplicates not among the reclaimed deliveries: ${JSON.stringify(report)}`).toBeGreaterThanOrEqual(duplicates);
  }, 180_000);

  it('shows an alert stored by one replica on a dashboard connected to the other; a sign-out, and failed sign-ins, count on both', async () => {
    const password = 'replicas-Pa55word-1';
    // A database of its own: the first test's replicas (one of them killed, still listed until it has been silent for 30 s) are not these.
    const admin = new Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE DATABASE live');
    await admin.end();
    const env = { PEREGRINE_DB_DRIVER: 'postgres', PEREGRINE_DB_URL: postgres.url.replace(/\/peregrine$/, '/live'), PEREGRINE_AUTH_ENABLED: 'true', PEREGRINE_ADMIN_PASSWORD: password };
    const replicaA = await startPeregrine(env, 40_000);
    running.push(replicaA);
    const replicaB = await startPeregrine(env, 40_000);
    running.push(replicaB);
    // One session (signed in on A, kept in the shared database), a dashboard socket on each replica.
    const cookie = await signIn(replicaA.mainUrl, password);
    const connect = async (url: string): Promise<Socket> => {
      const socket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
      await new Promise<void>((resolve, reject) => {
        socket.on('connect', resolve);
        socket.on('connect_error', reject);
      });
      return socket;
    };
    const onA = await connect(replicaA.mainUrl);
    const onB = await connect(replicaB.mainUrl);
    try {
      // B's dashboard said it is watching; give A that message before posting.
      await sleep(500);
      const seenOnB = new Promise<string>((resolve) => onB.on('alert', (json: string) => resolve(json)));
      const seenOnA = new Promise<string>((resolve) => onA.on('alert', (json: string) => resolve(json)));
      const postedAt = Date.now();
      expect(await postAlert(replicaA.compatUrl, markedAlert('live-across'))).toBe(200);
      expect(seqOf(JSON.parse(await seenOnA))).toBe('live-across');
      expect(seqOf(JSON.parse(await seenOnB))).toBe('live-across');
      reports.push({ liveAcrossReplicasMs: Date.now() - postedAt });

      // The Rules status lists both replicas, each with the rules it runs (the same files: the same fingerprint).
      const status = (await (await fetch(`${replicaB.mainUrl}/api/v1/rules/status`, { headers: { cookie } })).json()) as { fingerprint: string; replicas: Array<{ self: boolean; fingerprint: string; generation: number }> };
      expect(status.replicas).toHaveLength(2);
      expect(status.replicas.filter((replica) => replica.self)).toHaveLength(1);
      expect(status.replicas.map((replica) => replica.fingerprint)).toEqual([status.fingerprint, status.fingerprint]);
      expect(status.fingerprint).toMatch(/^[0-9a-f]{16}$/);

      const closedOnA = new Promise<string>((resolve) => onA.on('disconnect', (reason) => resolve(reason)));
      const closedOnB = new Promise<string>((resolve) => onB.on('disconnect', (reason) => resolve(reason)));
      expect((await fetch(`${replicaA.mainUrl}/api/v1/auth/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
      expect(await closedOnA).toBe('io server disconnect');
      expect(await closedOnB).toBe('io server disconnect');
    } finally {
      onA.close();
      onB.close();
    }

    // Failed sign-ins are counted in the database: five spread over both replicas use up the
    // budget on both, and then even the right password is refused, on either one.
    const attempt = (replica: Product, candidate: string): Promise<Response> =>
      fetch(`${replica.mainUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: candidate }) });
    for (let i = 0; i < 5; i++) expect((await attempt(i % 2 === 0 ? replicaA : replicaB, `wrong-${i}`)).status).toBe(401);
    for (const replica of [replicaA, replicaB]) {
      const refused = await attempt(replica, password);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  }, 120_000);
});
