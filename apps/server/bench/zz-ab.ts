// temporary A/B harness (not committed)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { postLoad, stop, waitForLine } from './processes';
import { productEnv } from '../src/testing/processes';
async function startPeregrine(env: Record<string,string>): Promise<{ child: ChildProcess; mainUrl: string; compatUrl: string }> {
  const args = env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${env.PROF}`] : [];
  const child = spawn(process.execPath, [...args, join(root, 'apps/server/bin/peregrine.js'), 'serve'], { stdio: ['ignore', 'pipe', 'inherit'], env: productEnv(env) });
  const l = JSON.parse(await waitForLine(child, (line) => line.includes('Peregrine is listening'))) as { mainUrl: string; compatUrl: string };
  return { child, mainUrl: l.mainUrl, compatUrl: l.compatUrl };
}

const root = resolve(__dirname, '../../..');
const body = readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();
const secs = Number(process.env.SECS ?? 5);
const rounds = Number(process.env.ROUNDS ?? 3);
const conns = Number(process.env.C ?? 1);

async function sinks(): Promise<{ child: ChildProcess; urls: string[] }> {
  const script = `
    const { createServer } = require('node:http');
    const ports = []; let listening = 0;
    for (let i = 0; i < 2; i++) {
      const server = createServer((q, r) => { q.resume(); q.on('end', () => r.writeHead(200, { 'content-type': 'application/json' }).end('{}')); });
      server.keepAliveTimeout = 60000;
      server.listen(0, '127.0.0.1', () => { ports[i] = server.address().port; if (++listening === 2) process.stdout.write(JSON.stringify({ ports }) + '\\n'); });
    }
    process.on('SIGTERM', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { ports } = JSON.parse(await waitForLine(child, (l) => l.startsWith('{'))) as { ports: number[] };
  return { child, urls: ports.map((p) => `http://127.0.0.1:${p}`) };
}
async function delivered(mainUrl: string): Promise<number> {
  const text = await (await fetch(`${mainUrl}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^falcosecurity_falcosidekick_outputs_total\{destination="[^"]+",status="ok"\} (\d+)$/gm)) sum += Number(m[1]);
  return sum;
}
async function main(): Promise<void> {
  const s = await sinks();
  const variants = (process.env.VARIANTS ?? 'none,out').split(',');
  const started: Array<{ name: string; url: string; main: string; child: ChildProcess; outputs: boolean }> = [];
  for (const v of variants) {
    const [name, ...kv] = v.split(':');
    const extra: Record<string, string> = {};
    for (const p of kv) { const i = p.indexOf('='); extra[p.slice(0, i)] = p.slice(i + 1); }
    const outputs = name!.startsWith('out');
    const env = { PEREGRINE_DB_PATH: join(mkdtempSync(join(tmpdir(), 'ab-')), 'b.db'), ...(outputs ? { WEBHOOK_ADDRESS: `${s.urls[0]}/`, LOKI_HOSTPORT: s.urls[1]! } : {}), ...extra };
    const p = await startPeregrine(env);
    started.push({ name: name!, url: `${p.compatUrl}/`, main: p.mainUrl, child: p.child, outputs });
  }
  for (const t of started) await postLoad(t.url, body, conns, 2);
  await new Promise((r) => setTimeout(r, 3000));
  const res: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const t of started) {
      const before = t.outputs ? await delivered(t.main) : 0;
      const out = await postLoad(t.url, body, conns, secs);
      const during = t.outputs ? ((await delivered(t.main)) - before) / (2 * out.ok) : 0;
      (res[t.name] ??= []).push(out.requestsPerSecond);
      console.log(`r${r} ${t.name.padEnd(10)} ${out.requestsPerSecond.toFixed(0)} req/s p99 ${out.p99Ms} during ${(100 * during).toFixed(0)}%`);
      if (t.outputs) { const t0 = Date.now(); let d = 0; while (Date.now() - t0 < 60000) { d = await delivered(t.main); await new Promise((x) => setTimeout(x, 200)); const d2 = await delivered(t.main); if (d2 === d) break; } }
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  for (const [k, v] of Object.entries(res)) console.log(`${k}: median ${med(v).toFixed(0)}  ratio vs first ${(med(v) / med(res[started[0]!.name]!)).toFixed(3)}`);
  for (const t of started) await stop(t.child);
  await stop(s.child);
}
void main();
