import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config.loader';
import { startTestServer, type TestServer } from '../testing/test-server';
import { type IssuedCertificate, TestCertificateAuthority } from '../testing/tls-certificates';

interface Answer {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
  /** The server certificate this connection got (https only). */
  peer?: PeerCertificate;
}

interface RequestOptions {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  /** PEM: the CA to trust, and a client certificate and key to present. */
  ca?: string;
  cert?: string;
  key?: string;
  /** e.g. 'TLSv1.2': the newest protocol the client offers. */
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** One request on a fresh connection (no agent): a new connection is what sees a reloaded certificate. */
function send(url: string, options: RequestOptions = {}): Promise<Answer> {
  const target = new URL(url);
  const common = { method: options.method ?? 'GET', headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers }, agent: false as const };
  return new Promise((resolve, reject) => {
    const onResponse = (response: import('node:http').IncomingMessage): void => {
      const socket = response.socket as TLSSocket;
      const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers, ...(peer ? { peer } : {}) }));
    };
    const request =
      target.protocol === 'https:'
        ? httpsRequest(target, { ...common, ca: options.ca, cert: options.cert, key: options.key, ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}) }, onResponse)
        : httpRequest(target, common, onResponse);
    request.setTimeout(10_000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** What a client offering only TLS 1.1 gets: the handshake's outcome. */
function handshakeWithTls11(url: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    // SECLEVEL=0: OpenSSL 3 would not even offer TLS 1.1 otherwise, and the point is what the server does.
    const socket = connect({ host: hostname, port: Number(port), ca, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
      resolve(`connected with ${socket.getProtocol()}`);
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

const alert = (): string => JSON.stringify({ time: new Date().toISOString(), rule: 'TLS test', priority: 'Warning', output: 'over TLS', output_fields: { 'proc.name': 'curl' } });

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function auditPortUrl(server: TestServer): string {
  const line = server.logLines().find((entry) => entry['msg'] === 'audit webhook listening on extra ports');
  const url = (line?.['urls'] as string[] | undefined)?.[0];
  if (url === undefined) throw new Error('no audit port in the log');
  return url;
}

describe('TLS on every listener (tlsserver.*)', () => {
  let dir: string;
  let authority: TestCertificateAuthority;
  let served: IssuedCertificate;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-tls-'));
    authority = TestCertificateAuthority.create(dir);
    served = authority.issue('server', 'server');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('TLS', () => {
    let server: TestServer;
    const password = 'correct horse battery staple';
    beforeAll(async () => {
      server = await startTestServer({
        TLSSERVER_DEPLOY: 'true',
        TLSSERVER_CERTFILE: served.certFile,
        TLSSERVER_KEYFILE: served.keyFile,
        TLSSERVER_NOTLSPORT: '0',
        TLSSERVER_NOTLSPATHS: '/healthz,/ping',
        PEREGRINE_AUDIT_EXTRA_PORTS: '0',
        PEREGRINE_AUTH_ENABLED: 'true',
        PEREGRINE_ADMIN_PASSWORD: password,
        PEREGRINE_INGEST_HEADER_TIMEOUT_MS: '1000',
        PEREGRINE_INGEST_READ_TIMEOUT_MS: '2000',
      });
    });
    afterAll(async () => {
      await server.stop();
    });

    it('serves https on the ingest port, the dashboard port and the audit ports, with the configured certificate', async () => {
      expect(server.compatUrl).toMatch(/^https:/);
      expect(server.mainUrl).toMatch(/^https:/);
      const ingest = await send(`${server.compatUrl}/`, { method: 'POST', body: alert(), ca: authority.ca.cert });
      expect(ingest.status).toBe(200);
      expect(ingest.peer?.fingerprint256).toBe(served.fingerprint256);
      const dashboard = await send(`${server.mainUrl}/healthz`, { ca: authority.ca.cert });
      expect(dashboard).toMatchObject({ status: 200, body: '{"status": "ok"}' });
      expect(dashboard.peer?.fingerprint256).toBe(served.fingerprint256);
      const audit = await send(`${auditPortUrl(server)}/healthz`, { ca: authority.ca.cert });
      expect(audit.status).toBe(200);
      expect(audit.peer?.fingerprint256).toBe(served.fingerprint256);
    });

    it('refuses plain HTTP on the TLS ports (no HTTP answer at all)', async () => {
      for (const url of [server.compatUrl, server.mainUrl, auditPortUrl(server)]) {
        const error = await send(url.replace(/^https:/, 'http:') + '/healthz').then(
          (answer): NodeJS.ErrnoException => new Error(`answered ${answer.status}`),
          (caught: NodeJS.ErrnoException) => caught,
        );
        expect(error.code, url).toBe('ECONNRESET');
      }
    });

    it('refuses TLS 1.1 and accepts TLS 1.2', async () => {
      for (const url of [server.compatUrl, server.mainUrl]) {
        expect(await handshakeWithTls11(url, authority.ca.cert)).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
        expect((await send(`${url}/healthz`, { ca: authority.ca.cert, maxVersion: 'TLSv1.2' })).status).toBe(200);
      }
    });

    it('a client that does not trust the CA refuses the server (the certificate is really the one configured)', async () => {
      await expect(send(`${server.compatUrl}/healthz`)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });

    it('serves only tlsserver.notlspaths over plain HTTP on tlsserver.notlsport', async () => {
      expect(server.plainUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const plainUrl = server.plainUrl ?? 'http://no-plain-port';
      expect(await send(`${plainUrl}/healthz`)).toMatchObject({ status: 200, body: '{"status": "ok"}' });
      expect(await send(`${plainUrl}/ping`)).toMatchObject({ status: 200, body: 'pong\n' });
      expect((await send(`${plainUrl}/`, { method: 'POST', body: alert() })).status).toBe(404);
      expect((await send(`${plainUrl}/metrics`)).status).toBe(404);
      expect((await send(`${plainUrl}/test`, { method: 'POST' })).status).toBe(404);
      // The same paths stay on the TLS port too, for probes that speak https.
      expect((await send(`${server.compatUrl}/ping`, { ca: authority.ca.cert })).body).toBe('pong\n');
    });

    it('keeps the listeners\' timeouts: a silent client is dropped before its handshake, a trickling one gets 408', async () => {
      const { hostname, port } = new URL(server.compatUrl);
      const silentFor = await new Promise<number>((resolve) => {
        const started = Date.now();
        const socket = netConnect(Number(port), hostname);
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(Date.now() - started));
      });
      expect(silentFor).toBeGreaterThanOrEqual(900);
      expect(silentFor).toBeLessThan(5000);

      const trickled = await new Promise<{ answer: string; afterMs: number }>((resolve) => {
        const started = Date.now();
        let answer = '';
        let timer: NodeJS.Timeout | undefined;
        const socket = connect({ host: hostname, port: Number(port), ca: authority.ca.cert }, () => {
          socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
          timer = setInterval(() => socket.write('{'), 300);
        });
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(timer);
          resolve({ answer, afterMs: Date.now() - started });
        });
      });
      expect(trickled.answer).toMatch(/^HTTP\/1\.1 408/);
      expect(trickled.afterMs).toBeGreaterThanOrEqual(1900);
      expect(trickled.afterMs).toBeLessThan(6000);
    }, 20_000);

    it('marks the session cookie Secure when signing in over TLS, and pushes live alerts over wss', async () => {
      const answer = await send(`${server.mainUrl}/api/v1/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'admin', password }), ca: authority.ca.cert });
      expect(answer.status).toBe(204);
      const session = (answer.headers['set-cookie'] ?? []).find((cookie) => cookie.startsWith('peregrine_session='));
      expect(session).toMatch(/; Secure(;|$)/);

      const live = io(server.mainUrl, { transports: ['websocket'], reconnection: false, ca: authority.ca.cert, extraHeaders: { cookie: session?.split(';')[0] ?? '' } });
      try {
        await new Promise<void>((resolve, reject) => {
          live.on('connect', resolve);
          live.on('connect_error', reject);
        });
        const received = new Promise<string>((resolve) => live.on('alert', (json: string) => resolve(json)));
        expect((await send(`${server.compatUrl}/`, { method: 'POST', body: alert(), ca: authority.ca.cert })).status).toBe(200);
        expect(await received).toContain('TLS test');
      } finally {
        live.close();
      }
    });

    it('picks up replaced certificate files without a restart, and keeps the last good one when new files are bad', async () => {
      const seenFingerprint = async (url: string): Promise<string | undefined> => (await send(`${url}/healthz`, { ca: authority.ca.cert })).peer?.fingerprint256;

      // Renewed as cert-manager and most tools do: new files renamed over the old ones.
      const renewed = authority.issue('renewed', 'server');
      renameSync(renewed.keyFile, served.keyFile);
      renameSync(renewed.certFile, served.certFile);
      for (const url of [server.compatUrl, server.mainUrl, auditPortUrl(server)]) {
        await until(`${url} serving the renewed certificate`, async () => ((await seenFingerprint(url)) === renewed.fingerprint256 ? true : undefined));
      }
      expect(server.logLines()).toContainEqual(expect.objectContaining({ code: 'TLS_CERTIFICATE_RELOADED', certificate: expect.objectContaining({ serialNumber: renewed.serialNumber }) as unknown }));

      // A certificate whose key is not there: refused, logged, the renewed one still served.
      const next = authority.issue('next', 'server');
      writeFileSync(served.certFile, next.cert);
      const failure = await until('TLS_RELOAD_FAILED logged', async () => server.logLines().find((line) => line['code'] === 'TLS_RELOAD_FAILED'));
      expect(failure).toMatchObject({ level: 50, problems: [expect.stringContaining('tlsserver.keyfile')] });
      expect(JSON.stringify(failure)).not.toContain('PRIVATE KEY');
      expect(await seenFingerprint(server.compatUrl)).toBe(renewed.fingerprint256);
      expect((await send(`${server.compatUrl}/`, { method: 'POST', body: alert(), ca: authority.ca.cert })).status).toBe(200);

      // Its key written in place: now the pair is good and goes in.
      writeFileSync(served.keyFile, next.key);
      await until('the next certificate served', async () => ((await seenFingerprint(server.compatUrl)) === next.fingerprint256 ? true : undefined));
      expect(await seenFingerprint(server.mainUrl)).toBe(next.fingerprint256);
    }, 60_000);
  });

  describe('mutual TLS', () => {
    let server: TestServer;
    let client: IssuedCertificate;
    let stranger: IssuedCertificate;
    let mutualServed: IssuedCertificate;
    beforeAll(async () => {
      mutualServed = authority.issue('mutual-server', 'server');
      client = authority.issue('falco', 'client');
      const otherDir = join(dir, 'other');
      rmSync(otherDir, { recursive: true, force: true });
      mkdirSync(otherDir);
      stranger = TestCertificateAuthority.create(otherDir, 'other-ca').issue('stranger', 'client');
      server = await startTestServer({
        TLSSERVER_DEPLOY: 'true',
        TLSSERVER_CERTFILE: mutualServed.certFile,
        TLSSERVER_KEYFILE: mutualServed.keyFile,
        TLSSERVER_MUTUALTLS: 'true',
        TLSSERVER_CACERTFILE: authority.ca.certFile,
        TLSSERVER_NOTLSPORT: '0',
        TLSSERVER_NOTLSPATHS: '/healthz',
        PEREGRINE_AUDIT_EXTRA_PORTS: '0',
      });
    });
    afterAll(async () => {
      await server.stop();
    });

    it('refuses a client without a certificate, or with one another CA signed, on the ingest and audit ports', async () => {
      // TLS 1.3 checks the client's certificate after the client has finished its handshake: the
      // server's alert, or the reset that follows it, is what the client's first request meets.
      const refusal = async (url: string, options: RequestOptions): Promise<string | undefined> =>
        send(url, options).then(
          (answer) => `answered ${answer.status}`,
          (error: NodeJS.ErrnoException) => error.code,
        );
      for (const url of [server.compatUrl, auditPortUrl(server)]) {
        expect(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ECONNRESET'], url).toContain(await refusal(`${url}/healthz`, { ca: authority.ca.cert }));
        expect(['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ECONNRESET'], url).toContain(await refusal(`${url}/healthz`, { ca: authority.ca.cert, cert: stranger.cert, key: stranger.key }));
        await expect(send(`${url}/healthz`, { ca: authority.ca.cert, maxVersion: 'TLSv1.2' }), url).rejects.toMatchObject({ code: 'EPROTO', message: expect.stringContaining('alert handshake failure') as unknown });
      }
    });

    it('accepts a client certificate signed by the CA', async () => {
      const answer = await send(`${server.compatUrl}/`, { method: 'POST', body: alert(), ca: authority.ca.cert, cert: client.cert, key: client.key });
      expect(answer.status).toBe(200);
      expect((await send(`${auditPortUrl(server)}/healthz`, { ca: authority.ca.cert, cert: client.cert, key: client.key })).status).toBe(200);
    });

    it('on the dashboard port, takes alerts only with a certificate, and leaves the dashboard to sign-in', async () => {
      const trusted = { ca: authority.ca.cert };
      const withCertificate = { ...trusted, cert: client.cert, key: client.key };
      expect((await send(`${server.mainUrl}/healthz`, trusted)).status).toBe(200);
      expect((await send(`${server.mainUrl}/api/v1/alerts?limit=1`, trusted)).status).toBe(200);
      const refused = await send(`${server.mainUrl}/api/v1/alerts`, { ...trusted, method: 'POST', body: alert() });
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'CLIENT_CERTIFICATE_REQUIRED' });
      const auditRefused = await send(`${server.mainUrl}/k8s-audit`, { ...trusted, method: 'POST', body: '{"kind":"EventList","items":[]}' });
      expect(JSON.parse(auditRefused.body)).toMatchObject({ statusCode: 403, code: 'CLIENT_CERTIFICATE_REQUIRED' });
      expect((await send(`${server.mainUrl}/api/v1/alerts`, { ...trusted, method: 'POST', body: alert(), cert: stranger.cert, key: stranger.key })).status).toBe(403);
      expect((await send(`${server.mainUrl}/api/v1/alerts`, { ...withCertificate, method: 'POST', body: alert() })).status).toBe(200);
    });

    it('keeps the plain-HTTP probe port free of certificates', async () => {
      expect(server.plainUrl).toMatch(/^http:/);
      expect((await send(`${server.plainUrl ?? 'http://no-plain-port'}/healthz`)).status).toBe(200);
    });
  });

  describe('bad configuration', () => {
    const startFails = async (env: Record<string, string>): Promise<ConfigError> => {
      const dataDir = mkdtempSync(join(dir, 'data-'));
      const outcome = await startTestServer(env, dataDir).then(
        async (server) => {
          await server.stop();
          return new Error('started');
        },
        (error: unknown) => error,
      );
      expect(outcome).toBeInstanceOf(ConfigError);
      return outcome as ConfigError;
    };

    it('refuses to start when the files are missing, naming each key', async () => {
      const error = await startFails({ TLSSERVER_DEPLOY: 'true', TLSSERVER_CERTFILE: join(dir, 'absent.crt'), TLSSERVER_KEYFILE: join(dir, 'absent.key') });
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain(`tlsserver.certfile (env TLSSERVER_CERTFILE): cannot read ${join(dir, 'absent.crt')} (ENOENT)`);
      expect(error.message).toContain('tlsserver.keyfile (env TLSSERVER_KEYFILE)');
    });

    it('refuses to start when the key does not belong to the certificate', async () => {
      const one = authority.issue('one', 'server');
      const another = authority.issue('another', 'server');
      const error = await startFails({ TLSSERVER_DEPLOY: 'true', TLSSERVER_CERTFILE: one.certFile, TLSSERVER_KEYFILE: another.keyFile });
      expect(error.problems).toEqual([expect.stringMatching(/^tlsserver\.keyfile \(env TLSSERVER_KEYFILE\): the key in .* does not belong to the certificate in /)]);
    });

    it('refuses to start with mutual TLS and no CA file', async () => {
      const good = authority.issue('good', 'server');
      const error = await startFails({ TLSSERVER_DEPLOY: 'true', TLSSERVER_CERTFILE: good.certFile, TLSSERVER_KEYFILE: good.keyFile, TLSSERVER_MUTUALTLS: 'true', TLSSERVER_CACERTFILE: join(dir, 'absent-ca.crt') });
      expect(error.problems).toEqual([`tlsserver.cacertfile (env TLSSERVER_CACERTFILE): cannot read ${join(dir, 'absent-ca.crt')} (ENOENT)`]);
    });
  });
});
