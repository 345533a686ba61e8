import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, getJson, onSessionEnded, postJson } from './http';

// A real HTTP server answering what Peregrine answers, so fetch and the parsing run for real.
describe('http: a session that ended is announced', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const code = request.url?.includes('expired') ? 'UNAUTHENTICATED' : 'INVALID_CREDENTIALS';
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 401, code, message: 'no' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('calls the listeners on 401 UNAUTHENTICATED, not on a wrong password, and still throws the coded error', async () => {
    let ended = 0;
    const stop = onSessionEnded(() => (ended += 1));
    await expect(getJson(`${base}/api/v1/alerts?expired`)).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(ended).toBe(1);
    const wrong = await postJson(`${base}/api/v1/auth/login`, { username: 'admin', password: 'x' }).catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(ApiError);
    expect(ended).toBe(1);
    stop();
    await expect(getJson(`${base}/api/v1/alerts?expired`)).rejects.toBeInstanceOf(ApiError);
    expect(ended).toBe(1);
  });
});
