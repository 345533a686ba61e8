/**
 * Scale-out on PostgreSQL, against SQLite measured in the same run with the same load generator:
 *
 * - ingest: alerts/s and p99 at 1 connection (one Falco node: serial, keep-alive) and at 50, for
 *   SQLite (one replica), PostgreSQL with one replica, and PostgreSQL with two replicas behind
 *   HAProxy (the shipped deploy/haproxy/haproxy.cfg, pointed at loopback), plus one replica
 *   behind the same HAProxy so that the balancer's own cost is seen apart;
 * - delivery: how fast one webhook output drains a backlog of alerts with one replica and with
 *   two (the sink answers after 2 ms, as a nearby real service might).
 *
 * On a 2-core machine the replicas, PostgreSQL, HAProxy and the load generator share two cores:
 * the two-replica figures measure correctness and overhead, not what more machines give.
 * Medians of alternating rounds (BENCH_ROUNDS, default 2; BENCH_DURATION seconds, default 5).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { startPostgres } from '../src/testing/postgres';
import { freePort } from '../src/testing/processes';
import { type LoadResult, postLoad, startPeregrine, stop } from './processes';

const root = resolve(__dirname, '../../..');
const durationSeconds = Number(process.env['BENCH_DURATION'] ?? 5);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const body = readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();

type Round = LoadResult;

const load = (url: string, connections: number, seconds: number): Promise<Round> => postLoad(url, body, connections, seconds);

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** HAProxy with the shipped config, its servers pointed at these replicas on loopback. */
async function startHaproxy(replicas: ReadonlyArray<{ compatUrl: string; mainUrl: string }>): Promise<{ child: ChildProcess; url: string; dir: string }> {
  const shipped = readFileSync(join(root, 'deploy/haproxy/haproxy.cfg'), 'utf8');
  const falcoPort = await freePort();
  const dashboardPort = await freePort();
  const hostPort = (url: string): string => url.replace('http://', '');
  const names = ['peregrine-a', 'peregrine-b'];
  let config = shipped
    .replace('bind :2801', `bind 127.0.0.1:${falcoPort}`)
    .replace('bind :2802', `bind 127.0.0.1:${dashboardPort}`)
    .replace(/ resolvers docker/, '')
    .replace(/^resolvers docker\n(?: {2}.*\n)*/m, '')
    .replace(/^ {2}log stdout.*\n/m, '')
    .replace(/^ {2}option httplog\n/m, '');
  names.forEach((name, i) => {
    const replica = replicas[i];
    const falcoLine = new RegExp(`^  server ${name} ${name}:2801.*$`, 'm');
    const dashboardLine = new RegExp(`^  server ${name} ${name}:2802(.*)$`, 'm');
    config = replica ? config.replace(falcoLine, `  server ${name} ${hostPort(replica.compatUrl)}`).replace(dashboardLine, `  server ${name} ${hostPort(replica.mainUrl)}$1`) : config.replace(falcoLine, '').replace(dashboardLine, '');
  });
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-haproxy-'));
  writeFileSync(join(dir, 'haproxy.cfg'), config);
  const child = spawn('/usr/sbin/haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${falcoPort}/`;
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${falcoPort}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((done) => setTimeout(done, 100));
  }
  return { child, url, dir };
}

/** A webhook sink that answers 200 after `delayMs`, or 503 while held; counts what it accepted. */
function startSink(delayMs: number): Promise<{ server: Server; url: string; accepted: () => number; hold: (held: boolean) => void }> {
  let accepted = 0;
  let held = true;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (held) return void response.writeHead(503).end();
      setTimeout(() => {
        accepted++;
        response.writeHead(200).end();
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, accepted: () => accepted, hold: (value) => void (held = value) }),
    ),
  );
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const postgresStops: Array<() => Promise<void>> = [];
  try {
    const sqliteDir = mkdtempSync(join(tmpdir(), 'peregrine-bench-'));
    dirs.push(sqliteDir);
    const sqlite = await startPeregrine({ PEREGRINE_DB_PATH: join(sqliteDir, 'bench.db') });
    children.push(sqlite.child);

    const postgres = await startPostgres();
    postgresStops.push(() => postgres.stop());
    const pgEnv = { PEREGRINE_DB_DRIVER: 'postgres', PEREGRINE_DB_URL: postgres.url };
    const pgA = await startPeregrine(pgEnv);
    const pgB = await startPeregrine(pgEnv);
    children.push(pgA.child, pgB.child);
    const lbOne = await startHaproxy([pgA]);
    const lbTwo = await startHaproxy([pgA, pgB]);
    children.push(lbOne.child, lbTwo.child);
    dirs.push(lbOne.dir, lbTwo.dir);

    const targets = [
      { name: 'SQLite, 1 replica', url: `${sqlite.compatUrl}/` },
      { name: 'PostgreSQL, 1 replica', url: `${pgA.compatUrl}/` },
      { name: 'PostgreSQL, 1 replica behind HAProxy', url: lbOne.url },
      { name: 'PostgreSQL, 2 replicas behind HAProxy', url: lbTwo.url },
    ];
    const rounds = new Map<string, Round[]>();
    for (const target of targets) for (const connections of [1, 50]) await load(target.url, connections, 2); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const connections of [1, 50]) {
        for (const target of targets) {
          const result = await load(target.url, connections, durationSeconds);
          const key = `${target.name}|${connections}`;
          rounds.set(key, [...(rounds.get(key) ?? []), result]);
          process.stderr.write(`round ${round + 1} ${target.name.padEnd(38)} c=${String(connections).padEnd(3)} ${result.requestsPerSecond.toFixed(0).padStart(6)} alerts/s  p99 ${result.p99Ms} ms  (not 2xx ${result.non2xx + result.errors})\n`);
        }
      }
    }
    const ingest = [...rounds].map(([key, list]) => {
      const [name, connections] = key.split('|');
      const sorted = [...list].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
      const mid = sorted[Math.floor(sorted.length / 2)] as Round;
      return { name, connections: Number(connections), alertsPerSecond: Math.round(median(list.map((r) => r.requestsPerSecond))), p99Ms: mid.p99Ms, notOk: list.reduce((sum, r) => sum + r.non2xx + r.errors, 0) };
    });
    const baseline = (connections: number): number => ingest.find((c) => c.name === 'SQLite, 1 replica' && c.connections === connections)?.alertsPerSecond ?? 1;
    const ingestWithRatios = ingest.map((c) => ({ ...c, vsSqlite: Number((c.alertsPerSecond / baseline(c.connections)).toFixed(3)) }));

    // Delivery: a backlog of 3 000 alerts for one webhook, drained by one replica, then by two.
    const delivery: Array<{ replicas: number; alerts: number; seconds: number; deliveriesPerSecond: number }> = [];
    for (const replicaCount of [1, 2]) {
      const database = await startPostgres();
      postgresStops.push(() => database.stop());
      const sink = await startSink(2);
      const env = { PEREGRINE_DB_DRIVER: 'postgres', PEREGRINE_DB_URL: database.url, WEBHOOK_ADDRESS: sink.url, PEREGRINE_DELIVERY_INITIAL_BACKOFF: '100ms', PEREGRINE_DELIVERY_MAX_BACKOFF: '200ms' };
      const replicas = [];
      for (let i = 0; i < replicaCount; i++) {
        const replica = await startPeregrine(env);
        children.push(replica.child);
        replicas.push(replica);
      }
      const alerts = 3_000;
      const first = replicas[0];
      if (!first) throw new Error('no replica');
      // The backlog builds up while the sink refuses (503): every delivery waits for a retry.
      await autocannon({ url: `${first.compatUrl}/`, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections: 10, amount: alerts });
      await new Promise((done) => setTimeout(done, 1_000));
      const started = performance.now();
      sink.hold(false);
      while (sink.accepted() < alerts && performance.now() - started < 120_000) await new Promise((done) => setTimeout(done, 20));
      const seconds = (performance.now() - started) / 1000;
      delivery.push({ replicas: replicaCount, alerts: sink.accepted(), seconds: Number(seconds.toFixed(2)), deliveriesPerSecond: Math.round(sink.accepted() / seconds) });
      process.stderr.write(`delivery with ${replicaCount} replica(s): ${sink.accepted()} in ${seconds.toFixed(2)} s\n`);
      for (const replica of replicas) await stop(replica.child);
      sink.server.closeAllConnections();
      sink.server.close();
    }
    const one = delivery.find((d) => d.replicas === 1)?.deliveriesPerSecond ?? 1;
    const two = delivery.find((d) => d.replicas === 2)?.deliveriesPerSecond ?? 0;
    process.stdout.write(`${JSON.stringify({ name: 'replicas', durationSeconds, rounds: ROUNDS, ingest: ingestWithRatios, delivery, deliveryTwoVsOne: Number((two / one).toFixed(3)) })}\n`);
  } finally {
    for (const child of children) await stop(child);
    for (const stopPostgres of postgresStops) await stopPostgres().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
