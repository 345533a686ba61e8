import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyResponse, describeStatus, type HttpRequestSpec, type HttpResponse, parseRetryAfter, sendEach, type TransportOutcome, UndiciTransport } from './http';

const response = (status: number, body = '', headers: Record<string, string> = {}): HttpResponse => ({ status, body, headers, truncated: false });
const NOW = Date.UTC(2024, 0, 1);

describe('classifyResponse', () => {
  it.each([200, 201, 202, 204, 206])('%i → ok', (status) => {
    expect(classifyResponse(response(status), NOW)).toEqual({ kind: 'ok', status });
  });
  it.each([408, 425, 429, 500, 502, 503, 504, 599])('%i → retryable', (status) => {
    expect(classifyResponse(response(status), NOW).kind).toBe('retryable');
  });
  it.each([301, 302, 400, 401, 403, 404, 405, 410, 413, 415, 422])('%i → fatal', (status) => {
    expect(classifyResponse(response(status), NOW).kind).toBe('fatal');
  });
  it('uses falcosidekick wording and includes the start of the body', () => {
    expect(describeStatus(response(400, '  invalid_payload\n'))).toBe('HTTP 400 bad request: invalid_payload');
    expect(describeStatus(response(302))).toBe('HTTP 302 redirect not followed');
    expect(describeStatus(response(418, 'x'.repeat(400)))).toBe(`HTTP 418 unexpected response: ${'x'.repeat(300)}…`);
  });
});

describe('sendEach', () => {
  const specs = (count: number): HttpRequestSpec[] => Array.from({ length: count }, (_, i) => ({ method: 'POST', url: `http://sink/${i}`, headers: {}, body: String(i) }));
  const answer = (status: number): TransportOutcome => ({ kind: 'response', response: { status, headers: {}, body: '', truncated: false } });

  it('keeps at most `concurrency` requests in flight and answers in request order', async () => {
    let inFlight = 0;
    let most = 0;
    const send = async (spec: HttpRequestSpec): Promise<TransportOutcome> => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, spec.body === '0' ? 20 : 1));
      inFlight--;
      return answer(200 + Number(spec.body));
    };
    const outcomes = await sendEach(send, specs(7), 3);
    expect(most).toBe(3);
    expect(outcomes.map((o) => (o?.kind === 'response' ? o.response.status : 0))).toEqual([200, 201, 202, 203, 204, 205, 206]);
  });

  it('starts nothing after a failure or a non-2xx answer: the rest is null (never sent)', async () => {
    const sent: string[] = [];
    const failing = (bad: string, outcome: TransportOutcome) => async (spec: HttpRequestSpec): Promise<TransportOutcome> => {
      sent.push(String(spec.body));
      return spec.body === bad ? outcome : answer(200);
    };
    expect(await sendEach(failing('1', answer(503)), specs(4), 1)).toEqual([answer(200), answer(503), null, null]);
    expect(sent).toEqual(['0', '1']);
    const refused: TransportOutcome = { kind: 'failure', failure: 'connection', message: 'connection failed (ECONNREFUSED)' };
    expect(await sendEach(failing('0', refused), specs(3), 1)).toEqual([refused, null, null]);
    expect(await sendEach(failing('x', refused), [], 4)).toEqual([]);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates, never negative', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
});

describe('UndiciTransport', () => {
  const server = createServer((req, res) => {
    if (req.url === '/gzip') {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
      res.end(gzipSync('{"errors":false}'));
    } else if (req.url === '/big') {
      res.writeHead(200);
      res.end('y'.repeat(5000));
    } else {
      res.writeHead(201, { 'x-multi': ['a', 'b'] });
      req.pipe(res);
    }
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the body and returns status, lower-case headers and text', async () => {
    const transport = new UndiciTransport({ timeoutMs: 2000, checkCert: true, maxConnections: 1 });
    const outcome = await transport.send({ method: 'PUT', url: `${base}/echo`, headers: { 'Content-Type': 'text/plain' }, body: 'héllo' });
    expect(outcome).toMatchObject({ kind: 'response', response: { status: 201, body: 'héllo', truncated: false, headers: { 'x-multi': 'a, b' } } });
    await transport.close();
  });

  it('inflates gzip answers and caps huge ones', async () => {
    const transport = new UndiciTransport({ timeoutMs: 2000, checkCert: true, maxConnections: 0, maxResponseBytes: 1000 });
    expect(await transport.send({ method: 'GET', url: `${base}/gzip`, headers: {} })).toMatchObject({ response: { body: '{"errors":false}' } });
    expect(await transport.send({ method: 'GET', url: `${base}/big`, headers: {} })).toMatchObject({ response: { body: 'y'.repeat(1000), truncated: true } });
    await transport.close();
  });

  it('turns unreachable hosts into failures instead of throwing', async () => {
    const transport = new UndiciTransport({ timeoutMs: 1000, checkCert: true, maxConnections: 1 });
    expect(await transport.send({ method: 'POST', url: 'http://127.0.0.1:1/x', headers: {}, body: '' })).toMatchObject({ kind: 'failure', failure: 'connection' });
    expect(await transport.send({ method: 'POST', url: 'not a url', headers: {} })).toMatchObject({ kind: 'failure' });
    await transport.close();
  });
});
