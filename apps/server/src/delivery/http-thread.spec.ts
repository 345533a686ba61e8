import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpThread, httpThreadWorkerFile } from './http-thread';

const options = { timeoutMs: 2000, checkCert: true, mutualTls: false, maxConnections: 4 };

describe('HttpThread (the outputs’ HTTP on a worker thread)', () => {
  let server: Server;
  let url: string;
  const received: Array<{ method: string; headers: IncomingMessage['headers']; body: string }> = [];
  let hold: (() => void) | undefined;

  beforeAll(async () => {
    if (!existsSync(httpThreadWorkerFile())) throw new Error(`${httpThreadWorkerFile()} is missing: build first (npm test does)`);
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (request.url === '/hold') {
          hold = () => response.writeHead(200).end('late');
          return;
        }
        response.writeHead(request.url === '/busy' ? 429 : 200, { 'content-type': 'text/plain', 'retry-after': '7' }).end(`got ${request.url}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends each request with its method, headers and body, and answers with the status, headers and body', async () => {
    const thread = new HttpThread();
    const transport = thread.transport(options);
    const [first, second, busy] = await Promise.all([
      transport.send({ method: 'POST', url: `${url}/a`, headers: { 'Content-Type': 'application/json', 'X-Token': 't' }, body: '{"a":1}' }),
      transport.send({ method: 'PUT', url: `${url}/b`, headers: {}, body: Buffer.from('bytes') }),
      transport.send({ method: 'POST', url: `${url}/busy`, headers: {}, body: '' }),
    ]);
    expect(first).toMatchObject({ kind: 'response', response: { status: 200, body: 'got /a', truncated: false } });
    expect(second).toMatchObject({ kind: 'response', response: { status: 200, body: 'got /b' } });
    expect(busy).toMatchObject({ kind: 'response', response: { status: 429, headers: { 'retry-after': '7' } } });
    expect(received.find((r) => r.body === '{"a":1}')).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json', 'x-token': 't' } });
    expect(received.find((r) => r.body === 'bytes')?.method).toBe('PUT');
    const refused = await transport.send({ method: 'POST', url: 'http://127.0.0.1:1/', headers: {}, body: '' });
    expect(refused).toMatchObject({ kind: 'failure', failure: 'connection' });
    await transport.close();
  });

  it('runs a whole pass of requests on the thread in one hop: in order, at most `concurrency` at once, none started after a failure', async () => {
    const thread = new HttpThread();
    const transport = thread.transport(options);
    if (!transport.sendMany) throw new Error('the thread transport sends passes');
    const pass = (names: string[]) => names.map((name) => ({ method: 'POST' as const, url: `${url}/${name}`, headers: {}, body: `pass ${name}` }));
    const before = received.length;
    const serial = await transport.sendMany(pass(['p1', 'p2', 'p3']), 1);
    expect(serial.map((outcome) => (outcome?.kind === 'response' ? outcome.response.body : outcome))).toEqual(['got /p1', 'got /p2', 'got /p3']);
    expect(received.slice(before).map((r) => r.body)).toEqual(['pass p1', 'pass p2', 'pass p3']);
    // The sink says 429 to the second: the third is never sent (tried again at the next pass).
    const stopped = await transport.sendMany(pass(['q1', 'busy', 'q3']), 1);
    expect(stopped[0]).toMatchObject({ kind: 'response', response: { status: 200 } });
    expect(stopped[1]).toMatchObject({ kind: 'response', response: { status: 429 } });
    expect(stopped[2]).toBeNull();
    expect(received.some((r) => r.body === 'pass q3')).toBe(false);
    await transport.close();
  });

  it('fails what was in flight when the thread dies (to be retried from the outbox), and starts a new one for the next request', async () => {
    const errors: Error[] = [];
    const thread = new HttpThread((error) => errors.push(error));
    const transport = thread.transport(options);
    const inFlight = transport.send({ method: 'POST', url: `${url}/hold`, headers: {}, body: 'x' });
    while (!hold) await new Promise((resolve) => setTimeout(resolve, 5));
    await thread.stop();
    expect(await inFlight).toMatchObject({ kind: 'failure', failure: 'connection' });
    hold();
    const again = await transport.send({ method: 'POST', url: `${url}/after`, headers: {}, body: '' });
    expect(again).toMatchObject({ kind: 'response', response: { status: 200, body: 'got /after' } });
    await transport.close();
  });
});
