import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';
import { isClientRoute, withBaseHref } from './dashboard';

const SHELL = '<!doctype html>\n<html>\n  <head>\n    <base href="/" />\n    <script type="module" src="./assets/app.js"></script>\n  </head>\n  <body><div id="root"></div></body>\n</html>\n';

describe('withBaseHref', () => {
  it('replaces the base the source carries, or adds one at the top of <head>', () => {
    expect(withBaseHref(SHELL, '/peregrine/')).toContain('<base href="/peregrine/" />');
    expect(withBaseHref(SHELL, '/peregrine/').match(/<base /g)).toHaveLength(1);
    expect(withBaseHref('<html><head lang="x"><title>t</title></head></html>', '/')).toBe('<html><head lang="x">\n    <base href="/" /><title>t</title></head></html>');
    expect(withBaseHref('<head><base href="/"></head>', '/a"b/')).toBe('<head><base href="/a&quot;b/" /></head>');
  });
});

describe('isClientRoute', () => {
  it('is any path under the base that is neither the API, socket.io nor a file', () => {
    expect(isClientRoute('/events/8f7c?priority=Warning', '')).toBe(true);
    expect(isClientRoute('/peregrine/rules', '/peregrine')).toBe(true);
    expect(isClientRoute('/rules', '/peregrine')).toBe(false);
    expect(isClientRoute('/api/v1/nope', '')).toBe(false);
    expect(isClientRoute('/peregrine/api', '/peregrine')).toBe(false);
    expect(isClientRoute('/assets/missing.js', '')).toBe(false);
    expect(isClientRoute('/socket.io/', '')).toBe(false);
  });
});

describe.each([
  ['at the root', ''],
  ['under PEREGRINE_BASE_PATH', '/peregrine'],
])('the dashboard %s', (_name, basePath) => {
  let server: TestServer;
  let uiDir: string;
  const get = (path: string): Promise<Response> => fetch(`${server.mainUrl}${basePath}${path}`, { redirect: 'manual' });

  beforeAll(async () => {
    uiDir = mkdtempSync(join(tmpdir(), 'peregrine-ui-'));
    mkdirSync(join(uiDir, 'assets'));
    writeFileSync(join(uiDir, 'index.html'), SHELL);
    writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log("dashboard")');
    server = await startTestServer({ PEREGRINE_UI_DIR: uiDir, PEREGRINE_BASE_PATH: basePath });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('serves the shell with its base for the root and for every client route (deep links, reloads)', async () => {
    for (const path of ['/', '/events', '/events/0b7a4e4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b?priority=Warning', '/rules', '/overview/']) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toContain('text/html');
      expect(response.headers.get('cache-control'), path).toBe('no-cache');
      const html = await response.text();
      expect(html, path).toContain(`<base href="${basePath}/" />`);
      expect(html, path).toContain('./assets/app.js');
    }
  });

  it('serves assets as files, and a missing file or API path as the coded 404', async () => {
    const asset = await get('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe('console.log("dashboard")');
    for (const path of ['/assets/missing.js', '/api/v1/no-such-thing', '/index.html']) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { code: string }).code, path).toBe('NOT_FOUND');
    }
  });

  it('keeps the API answering beside the client routes', async () => {
    const response = await get('/api/v1/alerts?limit=1');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { total: number }).total).toBe(0);
  });
});
