import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

/** Sends headers, then one body byte every `everyMs`; resolves with what the server answered and when it closed. */
function trickle(url: string, everyMs: number, headersOnly = false): Promise<{ answer: string; afterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      if (headersOnly) {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\n');
        timer = setInterval(() => socket.write('X-Slow: 1\r\n'), everyMs);
        return;
      }
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n');
      timer = setInterval(() => socket.write('{'), everyMs);
    });
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, afterMs: Date.now() - started });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept a trickling client for 20 s'));
    }, 20_000);
  });
}

describe('clients that send a request a byte at a time', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ PEREGRINE_INGEST_READ_TIMEOUT_MS: '2000', PEREGRINE_INGEST_HEADER_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('are cut off with 408 once the read timeout passes, on the ingest port and the main port', async () => {
    for (const url of [server.compatUrl, server.mainUrl]) {
      const { answer, afterMs } = await trickle(url, 300);
      expect(answer, url).toMatch(/^HTTP\/1\.1 408/);
      expect(afterMs).toBeGreaterThanOrEqual(1900);
      expect(afterMs).toBeLessThan(6000);
    }
  }, 30_000);

  it('are cut off once the header timeout passes when the headers never end', async () => {
    const { answer, afterMs } = await trickle(server.compatUrl, 200, true);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(afterMs).toBeLessThan(5000);
  }, 30_000);

  it('a request sent at once is not affected', async () => {
    const body = JSON.stringify({ time: new Date().toISOString(), rule: 'r', priority: 'Warning', output: 'o', output_fields: { a: 1 } });
    expect((await fetch(`${server.compatUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(200);
  });
});
