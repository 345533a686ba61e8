// temporary: idealised forwarder (raw http + forward each alert to two sinks) — not committed
import { createServer } from 'node:http';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
const mode = process.argv[2]; // raw | main | worker
const sinks = (process.argv[3] ?? '').split(',').filter(Boolean);
if (!isMainThread) {
  const pools = workerData.sinks.map((u) => new Pool(u, { connections: 1, pipelining: 1 }));
  const queues = pools.map(() => []); const busy = pools.map(() => false);
  const pump = (i) => { if (busy[i] || queues[i].length === 0) return; busy[i] = true; const body = queues[i].shift();
    pools[i].request({ path: '/', method: 'POST', body, headers: { 'content-type': 'application/json' } }).then(async (r) => { await r.body.dump(); busy[i] = false; pump(i); }, () => { busy[i] = false; pump(i); }); };
  parentPort.on('message', (bodies) => { for (const b of bodies) for (let i = 0; i < pools.length; i++) { queues[i].push(b); pump(i); } });
} else {
  let forward = () => {};
  if (mode === 'worker') {
    const w = new Worker(new URL(import.meta.url), { workerData: { sinks } }); let batch = []; let q = false;
    forward = (b) => { batch.push(b); if (!q) { q = true; queueMicrotask(() => { q = false; w.postMessage(batch); batch = []; }); } };
  } else if (mode === 'main') {
    const pools = sinks.map((u) => new Pool(u, { connections: 1, pipelining: 1 }));
    const queues = pools.map(() => []); const busy = pools.map(() => false);
    const pump = (i) => { if (busy[i] || queues[i].length === 0) return; busy[i] = true; const body = queues[i].shift();
      pools[i].request({ path: '/', method: 'POST', body, headers: { 'content-type': 'application/json' } }).then(async (r) => { await r.body.dump(); busy[i] = false; pump(i); }, () => { busy[i] = false; pump(i); }); };
    forward = (b) => { for (let i = 0; i < pools.length; i++) { queues[i].push(b); pump(i); } };
  }
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => { const text = Buffer.concat(chunks).toString('utf8'); JSON.parse(text); response.writeHead(200).end(); forward(text); });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
  process.on('SIGTERM', () => process.exit(0));
}
