import { type ChildProcess, spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { productEnv } from '../src/testing/processes';

/** Resolves with the first stdout line of `child` that passes `test` (e.g. "listening"). */
export function waitForLine(child: ChildProcess, test: (line: string) => boolean): Promise<string> {
  return new Promise((resolveLine, reject) => {
    if (!child.stdout) return reject(new Error('child has no stdout'));
    const lines = createInterface({ input: child.stdout });
    child.once('exit', (code) => reject(new Error(`process exited early (${code})`)));
    lines.on('line', (line) => {
      if (test(line)) resolveLine(line);
    });
  });
}

/** SIGTERM, then waits for the exit: the server drains what it acknowledged. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

/**
 * The built product (`peregrine serve`, as users start it) on loopback ports of its own, with
 * sign-in off and info logs; `env` adds or overrides settings. Resolves once it listens.
 */
export async function startPeregrine(env: Readonly<Record<string, string>>): Promise<{ child: ChildProcess; mainUrl: string; compatUrl: string }> {
  const root = resolve(__dirname, '../../..');
  const child = spawn(process.execPath, [join(root, 'apps/server/bin/peregrine.js'), 'serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: productEnv(env),
  });
  const listening = JSON.parse(await waitForLine(child, (line) => line.includes('Peregrine is listening'))) as { mainUrl: string; compatUrl: string };
  return { child, mainUrl: listening.mainUrl, compatUrl: listening.compatUrl };
}

/** One autocannon run's figures. */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  errors: number;
  non2xx: number;
}

/** POSTs `body` (a Falco alert) to `url` from `connections` keep-alive connections for `seconds`, one request in flight per connection. */
export async function postLoad(url: string, body: string, connections: number, seconds: number): Promise<LoadResult> {
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

/**
 * Request bodies made from `template`, each batch with audit IDs of its own (a live apiserver's
 * batches carry new ones; a resent batch is stored once). The load generator shares the cores
 * with the server, so it does as little as possible: one template Buffer with fixed-width slots,
 * copied and numbered in place (building a 700 KB string per batch cost it ~20 µs per event,
 * a third of all the CPU the run had).
 */
let batchesMade = 0;

export function batchBodies(template: string): () => Buffer {
  const WIDTH = 10;
  const parts = template.split('@BATCH@');
  const blank = Buffer.from(parts.join('0'.repeat(WIDTH)));
  const slots: number[] = [];
  let offset = 0;
  for (const part of parts.slice(0, -1)) {
    offset += Buffer.byteLength(part);
    slots.push(offset);
    offset += WIDTH;
  }
  return () => {
    const body = Buffer.from(blank);
    // Counted across runs: the warm-up's batches are not resent by the measured run.
    const id = String(batchesMade++).padStart(WIDTH, '0');
    for (const slot of slots) body.write(id, slot, 'latin1');
    return body;
  };
}
