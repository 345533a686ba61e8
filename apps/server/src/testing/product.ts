import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseJson, stringifyJson, type JsonValue } from '../common/json';
import { productEnv } from './processes';

/*
 * The BUILT product (`peregrine serve`) as real child processes, for the tests that must kill
 * one (`kill -9` under load) or run several (replicas): starting and stopping it, a webhook
 * sink, senders of marked alerts, and reading back what was stored. Build first
 * (`npx tsc -b apps/server/tsconfig.build.json`; `npm test` does).
 */

export type JsonObject = { [key: string]: JsonValue };

const root = resolve(__dirname, '../../../..');
const fixture = parseJson(readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8')) as JsonObject;
export const SEQ_FIELD = 'peregrine.test.seq';

/** The fixture (its time and all) marked with `seq`, in an output field and in the output text. */
export function markedAlert(seq: string): string {
  const outputFields = fixture['output_fields'] as JsonObject;
  return stringifyJson({ ...fixture, output: `${fixture['output'] as string} seq=${seq}`, output_fields: { ...outputFields, [SEQ_FIELD]: seq } });
}

/** The seq an alert (as the API or the webhook gives it back) carries, if any. */
export function seqOf(alert: unknown): string | undefined {
  const fields = (alert as { output_fields?: Record<string, unknown> } | null)?.output_fields;
  const seq = fields?.[SEQ_FIELD];
  return typeof seq === 'string' ? seq : undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** A running `peregrine serve`, its URLs and what it printed (for failure messages). */
export interface Product {
  child: ChildProcess;
  mainUrl: string;
  compatUrl: string;
  output: () => string;
}

/**
 * Same as bench/processes.ts's startPeregrine, but keeps the child's output instead of inheriting
 * stderr: its last 64 KiB, or with `keepAllOutput` every byte of stdout and stderr (a test that
 * reads every log line).
 */
export async function startPeregrine(env: Readonly<Record<string, string>>, timeoutMs = 20_000, options: { keepAllOutput?: boolean } = {}): Promise<Product> {
  const child = spawn(process.execPath, [join(root, 'apps/server/bin/peregrine.js'), 'serve'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: productEnv(env),
  });
  // The last 64 KiB of output: enough to explain a failure, bounded under load.
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = options.keepAllOutput ? output + chunk.toString('utf8') : (output + chunk.toString('utf8')).slice(-65_536);
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
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
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
export class Sink {
  readonly bodies: string[] = [];
  private server: Server | undefined;
  port = 0;
  /** Set to answer this status instead (a sink that is down); bodies it refuses are not recorded. */
  failWith: number | undefined;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (this.failWith !== undefined) {
          response.writeHead(this.failWith).end();
          return;
        }
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

export async function postAlert(compatUrl: string, body: string): Promise<number> {
  const response = await fetch(`${compatUrl}/`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  await response.arrayBuffer();
  return response.status;
}

/**
 * `loops` senders, each posting marked alerts one at a time, until `stopAt()` says so, a
 * connection fails (the server is gone), or `maxPerLoop`/`maxMs` is reached. Acknowledged seqs
 * (200s) go into `acked`; anything else counts as not acknowledged.
 */
export function driveLoad(compatUrl: string, options: { prefix: string; loops: number; maxPerLoop: number; maxMs: number; acked: Set<string>; stopAt: () => boolean }): { done: Promise<{ failures: number; notOk: number }> } {
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

export interface AlertPageBody {
  results: unknown[];
  total: number;
  nextCursor: string | null;
}

export async function getJson<T>(url: string, headers: Readonly<Record<string, string>> = {}): Promise<T> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Every stored alert's seq, paging newest first with the cursor (bounded); `headers` e.g. a session cookie. */
export async function storedSeqs(mainUrl: string, headers: Readonly<Record<string, string>> = {}): Promise<{ seqs: string[]; total: number }> {
  const seqs: string[] = [];
  let cursor: string | null = null;
  let total = 0;
  for (let pages = 0; pages < 1_000; pages++) {
    const page: AlertPageBody = await getJson<AlertPageBody>(`${mainUrl}/api/v1/alerts?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers);
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

export function duplicatesOf(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) (seen.has(value) ? twice : seen).add(value);
  return [...twice];
}
