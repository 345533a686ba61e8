import { io } from 'socket.io-client';
import { Store } from '../store/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestServer, type TestServer } from '../testing/test-server';

const PASSWORD = 'int-test-Pa55word';

const alertBody = (rule: string): string =>
  JSON.stringify({ time: new Date().toISOString(), rule, priority: 'Warning', source: 'syscall', hostname: 'node-1', output: `${rule} happened`, output_fields: { 'proc.name': 'sh' } });

describe('sign-in through the real server', () => {
  let server: TestServer;
  const url = (path: string): string => `${server.mainUrl}${path}`;
  const login = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(url('/api/v1/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    server = await startTestServer({ PEREGRINE_AUTH_ENABLED: 'true', PEREGRINE_ADMIN_PASSWORD: PASSWORD, PEREGRINE_AUTH_LOGIN_MAX_FAILURES: '5' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('refuses the dashboard’s API without a session, with a coded 401', async () => {
    for (const path of ['/api/v1/alerts', '/api/v1/alerts/stats?by=rule', '/api/v1/alerts/export', '/api/v1/alerts/1f0c2a4e-0000-4000-8000-000000000000', '/api/v1/events/search', '/api/v1/events/count', '/api/v1/outputs', '/api/v1/rules', '/api/v1/rules/status', '/api/v1/audit/recent', '/api/v1/about', '/api/v1/auth/me', '/api/v1/%61lerts', '/%61pi/v1/alerts']) {
      const response = await fetch(url(path));
      expect(response.status, path).toBe(401);
      expect(await response.json(), path).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    }
    for (const path of ['/api/v1/rules/reload', '/api/v1/rules/test', '/api/v1/outputs/slack/replay']) {
      expect((await fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, path).toBe(401);
    }
  });

  it('leaves ingest, probes, metrics and the API docs open', async () => {
    const headers = { 'content-type': 'application/json' };
    expect((await fetch(url('/api/v1/alerts'), { method: 'POST', headers, body: alertBody('Open ingest') })).status).toBe(200);
    expect((await fetch(url('/'), { method: 'POST', headers, body: JSON.stringify({ event: JSON.parse(alertBody('WebUI output')) as unknown, outputs: [] }) })).status).toBe(200);
    expect((await fetch(url('/api/v1/events/add'), { method: 'POST', headers, body: JSON.stringify({ event: JSON.parse(alertBody('WebUI add')) as unknown }) })).status).toBe(200);
    expect((await fetch(`${server.compatUrl}/`, { method: 'POST', headers, body: alertBody('Compat port') })).status).toBe(200);
    expect((await fetch(url('/healthz'))).status).toBe(200);
    expect((await fetch(url('/api/v1/healthz'))).status).toBe(200);
    expect((await fetch(url('/metrics'))).status).toBe(200);
    expect((await fetch(`${server.compatUrl}/metrics`)).status).toBe(200);
  });

  it('answers 401 INVALID_CREDENTIALS for a wrong password and a 400 for a malformed body', async () => {
    const wrong = await login({ username: 'admin', password: 'nope' }, { 'x-forwarded-for': 'ignored' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ statusCode: 401, code: 'INVALID_CREDENTIALS', message: 'wrong username or password' });
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const malformed = await login({ username: 'admin' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'MISSING_FIELD', message: 'password is required' });
  });

  it('signs in: 204 and an HttpOnly, SameSite=Lax session cookie that opens the API, until logout', async () => {
    const response = await login({ username: 'admin', password: PASSWORD });
    expect(response.status).toBe(204);
    const [setCookie = '', setDevice = ''] = response.headers.getSetCookie();
    expect(setCookie).toMatch(/^peregrine_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    // The trusted-device cookie: this browser's failed sign-ins never share the address's budget.
    expect(setDevice).toMatch(/^peregrine_device=[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=31536000; HttpOnly; SameSite=Strict$/);
    const cookie = setCookie.split(';')[0] ?? '';

    const me = await fetch(url('/api/v1/auth/me'), { headers: { cookie } });
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(await me.json()).toEqual({ username: 'admin', authEnabled: true });
    expect(server.logLines().some((line) => line['code'] === 'SIGNED_IN' && line['username'] === 'admin')).toBe(true);
    expect(server.logLines().some((line) => line['code'] === 'INVALID_CREDENTIALS' && line['client'] === '127.0.0.1')).toBe(true);
    const alerts = await fetch(url('/api/v1/alerts?limit=1'), { headers: { cookie } });
    expect(alerts.status).toBe(200);
    expect(((await alerts.json()) as { total: number }).total).toBeGreaterThan(0);

    const logout = await fetch(url('/api/v1/auth/logout'), { method: 'POST', headers: { cookie } });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/^peregrine_session=; Path=\/; Max-Age=0; /);
    expect((await fetch(url('/api/v1/alerts'), { headers: { cookie } })).status).toBe(401);
  });

  it('takes HTTP Basic from scripts (as falcosidekick-ui did), never asking browsers for it', async () => {
    const basic = (password: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` });
    const ok = await fetch(url('/api/v1/events/search?limit=1'), { headers: basic(PASSWORD) });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { results: unknown[] }).results).toHaveLength(1);
    const wrong = await fetch(url('/api/v1/events/count'), { headers: basic('nope') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBeNull();
    expect(await wrong.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('marks the cookie Secure when the request came through TLS', async () => {
    const response = await login({ username: 'admin', password: PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(response.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('refuses state changes and the live feed from another site’s page, and sends the security headers', async () => {
    const cookie = await signIn(server.mainUrl, PASSWORD);
    // A form on another port of the same host (same-site), the victim signed in: text/plain, no preflight.
    const forged = { 'content-type': 'text/plain', cookie, origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' };
    for (const path of ['/api/v1/rules/reload', '/api/v1/outputs/webhook/replay', '/api/v1/auth/logout', '/api/v1/auth/login']) {
      const refused = await fetch(url(path), { method: 'POST', headers: forged, body: '{}' });
      expect(refused.status, path).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'CROSS_SITE_REQUEST' });
    }
    // Older browsers send only Origin.
    expect((await fetch(url('/api/v1/rules/reload'), { method: 'POST', headers: { cookie, origin: 'http://evil.example' } })).status).toBe(403);
    // The session survived the forged sign-out; the dashboard itself (same origin) still works.
    expect((await fetch(url('/api/v1/alerts?limit=1'), { headers: { cookie } })).status).toBe(200);
    expect((await fetch(url('/api/v1/rules/reload'), { method: 'POST', headers: { cookie, origin: server.mainUrl, 'sec-fetch-site': 'same-origin' } })).status).toBeLessThan(300);
    // Senders are not browsers: ingest takes a post whatever its headers.
    expect((await fetch(url('/api/v1/alerts'), { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: alertBody('Posted cross-site') })).status).toBe(200);

    const page = await fetch(url('/'));
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await fetch(url('/api/v1/alerts'), { headers: { cookie } })).headers.get('x-frame-options')).toBe('DENY');

    const crossSite = io(server.mainUrl, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie, origin: 'http://127.0.0.1:9999' } });
    const refusal = await new Promise<Error>((resolve) => crossSite.on('connect_error', resolve));
    expect(refusal.message).toBeTruthy();
    expect(crossSite.connected).toBe(false);
    crossSite.close();
  });

  it('pushes live alerts only to signed-in dashboards', async () => {
    const socketUrl = server.mainUrl;
    const anonymous = io(socketUrl, { transports: ['websocket'], reconnection: false });
    const refusal = await new Promise<{ message: string; data?: { code?: string } }>((resolve) => anonymous.on('connect_error', (error) => resolve(error as never)));
    expect(refusal.data?.code).toBe('UNAUTHENTICATED');
    anonymous.close();

    const cookie = await signIn(server.mainUrl, PASSWORD);
    const signedIn = io(socketUrl, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
    try {
      await new Promise<void>((resolve, reject) => {
        signedIn.on('connect', resolve);
        signedIn.on('connect_error', reject);
      });
      const received = new Promise<string>((resolve) => signedIn.on('alert', (json: string) => resolve(json)));
      expect((await fetch(`${server.compatUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: alertBody('Pushed live') })).status).toBe(200);
      expect(await received).toContain('Pushed live');

      // Signing out closes the live push of that session at once.
      const closed = new Promise<string>((resolve) => signedIn.on('disconnect', (reason) => resolve(reason)));
      expect((await fetch(`${server.mainUrl}/api/v1/auth/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
      expect(await closed).toBe('io server disconnect');
    } finally {
      signedIn.close();
    }
  });

  it('refuses a client after five failed sign-ins a minute: 429 with Retry-After, even for the right password', async () => {
    // A fresh server, so earlier tests' failures from this address do not count.
    const limited = await startTestServer({ PEREGRINE_AUTH_ENABLED: 'true', PEREGRINE_ADMIN_PASSWORD: PASSWORD });
    try {
      const attempt = (password: string): Promise<Response> =>
        fetch(`${limited.mainUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      for (let i = 0; i < 5; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
      const refused = await attempt(PASSWORD);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(50);
      expect(await refused.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
      expect(JSON.stringify(limited.logLines())).not.toContain(PASSWORD);
    } finally {
      await limited.stop();
    }
  });
});

describe('sign-in when the store is unavailable', () => {
  it('answers a coded 503 with Retry-After instead of letting anyone in', async () => {
    const server = await startTestServer({ PEREGRINE_AUTH_ENABLED: 'true', PEREGRINE_ADMIN_PASSWORD: PASSWORD });
    const dataSource = server.app.get(Store).dataSource;
    try {
      const cookie = await signIn(server.mainUrl, PASSWORD);
      await dataSource.destroy();
      const response = await fetch(`${server.mainUrl}/api/v1/alerts`, { headers: { cookie } });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      if (!dataSource.isInitialized) await dataSource.initialize();
      await server.stop();
    }
  });
});

describe('sign-in at first start, under a base path, and switched off', () => {
  it('generates the admin password at the first start, prints it once, and it signs in', async () => {
    const first = await startTestServer({ PEREGRINE_AUTH_ENABLED: 'true' });
    const lines = (server: TestServer): string[] => server.logLines().map((line) => String(line['msg']));
    const printed = lines(first)
      .map((msg) => /first sign-in: ([A-Za-z0-9]{24}) /.exec(msg)?.[1])
      .find((password) => password !== undefined);
    expect(printed).toBeDefined();
    const cookie = await signIn(first.mainUrl, printed ?? '');
    expect((await fetch(`${first.mainUrl}/api/v1/alerts`, { headers: { cookie } })).status).toBe(200);
    await first.stop({ keepData: true });

    const second = await startTestServer({ PEREGRINE_AUTH_ENABLED: 'true' }, first.dataDir);
    try {
      expect(JSON.stringify(second.logLines())).not.toContain(printed);
      expect((await fetch(`${second.mainUrl}/api/v1/alerts`, { headers: { cookie } })).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('scopes the cookie and the guard to the base path', async () => {
    const server = await startTestServer({ PEREGRINE_AUTH_ENABLED: 'true', PEREGRINE_ADMIN_PASSWORD: PASSWORD, PEREGRINE_BASE_PATH: '/peregrine' });
    try {
      expect((await fetch(`${server.mainUrl}/peregrine/api/v1/alerts`)).status).toBe(401);
      const response = await fetch(`${server.mainUrl}/peregrine/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
      expect(response.headers.get('set-cookie')).toContain('; Path=/peregrine;');
      const cookie = response.headers.get('set-cookie')?.split(';')[0] ?? '';
      // Another Peregrine's cookie on the same host comes along too; this one's still counts.
      expect((await fetch(`${server.mainUrl}/peregrine/api/v1/alerts`, { headers: { cookie: `peregrine_session=${'x'.repeat(43)}; ${cookie}` } })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('with peregrine.auth.enabled false, serves everything without a session and warns in the log', async () => {
    const server = await startTestServer({ PEREGRINE_AUTH_ENABLED: 'false' });
    try {
      expect((await fetch(`${server.mainUrl}/api/v1/alerts`)).status).toBe(200);
      expect(await (await fetch(`${server.mainUrl}/api/v1/auth/me`)).json()).toEqual({ username: null, authEnabled: false });
      expect(server.logLines().some((line) => line['code'] === 'AUTH_DISABLED' && line['level'] === 40)).toBe(true);
      expect(server.logLines().some((line) => String(line['msg']).includes('first sign-in'))).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
