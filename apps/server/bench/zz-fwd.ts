import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { postLoad, stop, waitForLine } from './processes';
const root = resolve(__dirname, '../../..');
const body = readFileSync(join(root, 'fixtures/alerts/falco-terminal-shell.json'), 'utf8').trim();
async function start(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const l = JSON.parse(await waitForLine(child, (x) => x.startsWith('{'))) as { port?: number; ports?: number[] };
  return { child, port: l.port ?? 0, ...(l as object) };
}
async function main(): Promise<void> {
  const script = `const { createServer } = require('node:http'); const ports = []; let n = 0; let count = 0;
    for (let i = 0; i < 2; i++) { const s = createServer((q, r) => { q.resume(); q.on('end', () => { count++; r.writeHead(200, { 'content-type': 'application/json' }).end('{}'); }); }); s.keepAliveTimeout = 60000;
      s.listen(0, '127.0.0.1', () => { ports[i] = s.address().port; if (++n === 2) process.stdout.write(JSON.stringify({ ports }) + '\\n'); }); }
    setInterval(() => process.stderr.write('sink count ' + count + '\\n'), 5000).unref(); process.on('SIGTERM', () => process.exit(0));`;
  const sinks = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { ports } = JSON.parse(await waitForLine(sinks, (l) => l.startsWith('{'))) as { ports: number[] };
  const urls = ports.map((p) => `http://127.0.0.1:${p}`).join(',');
  const f = join(__dirname, 'zz-fwd.mjs');
  const modes = (process.env.MODES ?? 'raw,main,worker').split(',');
  const servers = [];
  for (const m of modes) servers.push({ m, ...(await start([f, m, urls])) });
  const c = Number(process.env.C ?? 1);
  for (const s of servers) await postLoad(`http://127.0.0.1:${s.port}/`, body, c, 2);
  const res: Record<string, number[]> = {};
  for (let r = 0; r < Number(process.env.ROUNDS ?? 3); r++) for (const s of servers) {
    const o = await postLoad(`http://127.0.0.1:${s.port}/`, body, c, 5);
    (res[s.m] ??= []).push(o.requestsPerSecond);
    console.log(`r${r} ${s.m} ${o.requestsPerSecond.toFixed(0)}`);
    await new Promise((x) => setTimeout(x, 1500));
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  for (const [k, v] of Object.entries(res)) console.log(`${k} ${med(v).toFixed(0)} ${(med(v) / med(res['raw']!)).toFixed(3)}`);
  for (const s of servers) await stop(s.child);
  await stop(sinks);
}
void main();
