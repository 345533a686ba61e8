/**
 * What sign-in costs: the dashboard's most frequent read (`GET /api/v1/alerts?limit=50`) with a
 * session cookie (one session look-up per request) against the same read with sign-in off, same
 * data, same autocannon settings, in the same run; plus how long one sign-in takes (bcrypt, cost 12).
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { startPeregrine, stop } from './processes';

const root = resolve(__dirname, '../../..');
const durationSeconds = Number(process.env['BENCH_DURATION'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 10);
const PASSWORD = 'bench-password';
const alert = readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();

interface Started {
  child: ChildProcess;
  mainUrl: string;
  compatUrl: string;
}

function start(dataDir: string, env: Record<string, string>): Promise<Started> {
  return startPeregrine({ PEREGRINE_DB_PATH: join(dataDir, 'bench.db'), ...env });
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<{ requestsPerSecond: number; p99Ms: number; non2xx: number }> {
  const result = await autocannon({ url, headers, connections, duration: seconds });
  return { requestsPerSecond: result.requests.average, p99Ms: result.latency.p99, non2xx: result.non2xx + result.errors };
}

async function measure(name: string, url: string, headers: Record<string, string>): Promise<{ requestsPerSecond: number; p99Ms: number; non2xx: number }> {
  await load(url, headers, 1);
  const result = await load(url, headers, durationSeconds);
  process.stderr.write(`${name.padEnd(12)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${result.p99Ms} ms  (non-2xx ${result.non2xx})\n`);
  return result;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const openDir = mkdtempSync(join(tmpdir(), 'peregrine-bench-auth-'));
  const guardedDir = mkdtempSync(join(tmpdir(), 'peregrine-bench-auth-'));
  const servers: Started[] = [];
  try {
    // The same alerts in both databases: stored by one server, the file copied for the other.
    const filler = await start(openDir, { PEREGRINE_AUTH_ENABLED: 'false' });
    for (let i = 0; i < 500; i++) await fetch(`${filler.compatUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: alert });
    await stop(filler.child);
    copyFileSync(join(openDir, 'bench.db'), join(guardedDir, 'bench.db'));

    const open = await start(openDir, { PEREGRINE_AUTH_ENABLED: 'false' });
    servers.push(open);
    const guarded = await start(guardedDir, { PEREGRINE_AUTH_ENABLED: 'true', PEREGRINE_ADMIN_PASSWORD: PASSWORD });
    servers.push(guarded);

    const signInMs: number[] = [];
    let cookie = '';
    for (let i = 0; i < 5; i++) {
      const began = performance.now();
      const response = await fetch(`${guarded.mainUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
      signInMs.push(performance.now() - began);
      if (response.status !== 204) throw new Error(`sign-in failed: ${response.status}`);
      cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    }

    // Alternated rounds, medians: the machine is shared, and drift hits both sides alike.
    const off: Awaited<ReturnType<typeof load>>[] = [];
    const on: Awaited<ReturnType<typeof load>>[] = [];
    for (let round = 0; round < 3; round++) {
      off.push(await measure('auth off', `${open.mainUrl}/api/v1/alerts?limit=50`, {}));
      on.push(await measure('session', `${guarded.mainUrl}/api/v1/alerts?limit=50`, { cookie }));
    }
    const offRps = median(off.map((r) => r.requestsPerSecond));
    const onRps = median(on.map((r) => r.requestsPerSecond));
    const non2xx = [...off, ...on].reduce((sum, r) => sum + r.non2xx, 0);
    const ratio = onRps / offRps;
    const summary = {
      name: 'auth',
      connections,
      durationSeconds,
      baselineRequestsPerSecond: Math.round(offRps),
      requestsPerSecond: Math.round(onRps),
      ratio: Number(ratio.toFixed(3)),
      p99Ms: median(on.map((r) => r.p99Ms)),
      baselineP99Ms: median(off.map((r) => r.p99Ms)),
      signInMedianMs: Math.round(median(signInMs)),
      non2xx,
      targets: { ratio: '>= 0.8', non2xx: '0' },
      met: ratio >= 0.8 && non2xx === 0,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    for (const server of servers) await stop(server.child);
    rmSync(openDir, { recursive: true, force: true });
    rmSync(guardedDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
