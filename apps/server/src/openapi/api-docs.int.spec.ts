import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresSession } from '../auth/access-policy';
import { startTestServer, type TestServer } from '../testing/test-server';
import { routePatternOf, SIGNED_IN } from './api-document';
import { registeredRoutes } from './route-catalog';

const DOCUMENTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function operationsOf(document: OpenAPIObject): Array<{ method: string; path: string; operation: OperationObject }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    DOCUMENTED_METHODS.flatMap((method) => {
      const operation = (item as Record<string, OperationObject | undefined>)[method.toLowerCase()];
      return operation ? [{ method, path, operation }] : [];
    }),
  );
}

describe('the OpenAPI document at /api/docs', () => {
  let server: TestServer;
  let document: OpenAPIObject;

  beforeAll(async () => {
    // Sign-in on: the docs must answer without a session.
    server = await startTestServer({ PEREGRINE_AUTH_ENABLED: 'true', PEREGRINE_ADMIN_PASSWORD: 'docs-test-password' });
    const response = await fetch(`${server.mainUrl}/api/docs/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    document = (await response.json()) as OpenAPIObject;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('describes every route the server registers under /api/v1, with its method', () => {
    const documented = new Set(operationsOf(document).map(({ method, path }) => `${method} ${routePatternOf(path)}`));
    const registered = registeredRoutes(server.app.getHttpAdapter().getInstance()).filter(
      (route) => DOCUMENTED_METHODS.includes(route.method) && (route.url === '/api/v1' || route.url.startsWith('/api/v1/')),
    );
    // Sanity: the catalog saw the routes (a broken hook would make this test pass vacuously).
    expect(registered.length).toBeGreaterThan(20);
    const missing = registered.filter((route) => !documented.has(`${route.method} ${route.url.replace(/\/$/, '') || '/'}`)).map((route) => `${route.method} ${route.url}`);
    expect(missing, 'routes without an entry in apps/server/src/openapi/api-document.ts').toEqual([]);
  });

  it('describes no route that does not exist', () => {
    const registered = new Set(registeredRoutes(server.app.getHttpAdapter().getInstance()).map((route) => `${route.method} ${route.url}`));
    const phantom = operationsOf(document)
      .map(({ method, path }) => `${method} ${routePatternOf(path)}`)
      .filter((entry) => !registered.has(entry));
    expect(phantom).toEqual([]);
  });

  it('gives every operation a success response with its shape, and every reference resolves', () => {
    const schemas = Object.keys(document.components?.schemas ?? {});
    for (const { method, path, operation } of operationsOf(document)) {
      const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'));
      expect(success, `${method} ${path}`).toBeDefined();
      const [status, response] = success ?? ['', undefined];
      if (status !== '204') expect(response && 'content' in response ? response.content : undefined, `${method} ${path} ${status}`).toBeTruthy();
      expect(operation.summary, `${method} ${path}`).toBeTruthy();
    }
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.filter((name) => !schemas.includes(name ?? ''))).toEqual([]);
  });

  it('declares the parameters of templated paths', () => {
    for (const { method, path, operation } of operationsOf(document)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const declared = (operation.parameters ?? []).flatMap((parameter) => ('in' in parameter && parameter.in === 'path' ? [parameter.name] : []));
      expect(declared, `${method} ${path}`).toEqual(names);
    }
  });

  it('states the cookie security scheme, and per operation the same policy the server enforces', () => {
    expect(document.components?.securitySchemes?.['session']).toEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'peregrine_session' }));
    for (const { method, path, operation } of operationsOf(document)) {
      expect(operation.security, `${method} ${path}`).toEqual(requiresSession(method, routePatternOf(path)) ? SIGNED_IN : []);
    }
    expect(document.components?.securitySchemes?.['basic']).toEqual(expect.objectContaining({ type: 'http', scheme: 'basic' }));
    expect(operationsOf(document).find(({ method, path }) => method === 'GET' && path === '/api/v1/alerts')?.operation.security).toEqual([{ session: [] }, { basic: [] }]);
    expect(operationsOf(document).find(({ method, path }) => method === 'POST' && path === '/api/v1/alerts')?.operation.security).toEqual([]);
  });

  it('serves a readable page with its assets, without a session', async () => {
    const page = await fetch(`${server.mainUrl}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('Peregrine API');
    for (const asset of [...html.matchAll(/(?:src|href)="\.\/docs\/([^"]+)"/g)].map((match) => match[1])) {
      const response = await fetch(`${server.mainUrl}/api/docs/${asset}`);
      // Read to the end: an unread body keeps the connection busy and the server's close waiting.
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
      expect(response.status, asset).toBe(200);
    }
    const init = await (await fetch(`${server.mainUrl}/api/docs/swagger-ui-init.js`)).text();
    expect(init).toContain('/api/v1/alerts/{uuid}');
  });
});

describe('the OpenAPI document under a base path', () => {
  it('is served under it and names it as the server URL', async () => {
    const server = await startTestServer({ PEREGRINE_BASE_PATH: '/peregrine' });
    try {
      const document = (await (await fetch(`${server.mainUrl}/peregrine/api/docs/openapi.json`)).json()) as OpenAPIObject;
      expect(document.servers).toEqual([{ url: '/peregrine' }]);
      const page = await fetch(`${server.mainUrl}/peregrine/api/docs`);
      expect(await page.text()).toContain('swagger-ui');
      expect(page.status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
