import { describe, expect, it } from 'vitest';
import { requiresSession } from './access-policy';

describe('access policy', () => {
  it('guards the read and admin API', () => {
    for (const [method, path] of [
      ['GET', '/api/v1/alerts'],
      ['GET', '/api/v1/alerts/stats'],
      ['GET', '/api/v1/alerts/export'],
      ['GET', '/api/v1/alerts/:uuid'],
      ['GET', '/api/v1/events/search'],
      ['GET', '/api/v1/events/count/:groupby'],
      ['GET', '/api/v1/outputs'],
      ['POST', '/api/v1/outputs/:name/replay'],
      ['GET', '/api/v1/rules'],
      ['POST', '/api/v1/rules/reload'],
      ['GET', '/api/v1/audit/recent'],
      ['GET', '/api/v1/about'],
    ]) {
      expect(requiresSession(method ?? '', path ?? ''), `${method} ${path}`).toBe(true);
    }
  });

  it('guards routes nobody listed yet: default deny under /api', () => {
    expect(requiresSession('GET', '/api/v1/something-new')).toBe(true);
    expect(requiresSession('DELETE', '/api/v2/alerts')).toBe(true);
    expect(requiresSession('GET', '/api')).toBe(true);
  });

  it('leaves ingest, probes, sign-in and the API docs open', () => {
    for (const [method, path] of [
      ['POST', '/api/v1/alerts'],
      ['POST', '/api/v1/events/add'],
      ['POST', '/api/v1'],
      ['POST', '/api/v1/'],
      ['GET', '/api/v1/healthz'],
      ['POST', '/api/v1/auth/login'],
      ['POST', '/api/v1/auth/logout'],
      ['GET', '/api/v1/auth/me'],
      ['GET', '/api/docs'],
      ['GET', '/api/docs/openapi.json'],
      ['GET', '/api/docs/*'],
    ]) {
      expect(requiresSession(method ?? '', path ?? ''), `${method} ${path}`).toBe(false);
    }
  });

  it('opens a route for the listed methods only', () => {
    expect(requiresSession('GET', '/api/v1/events/add')).toBe(true);
    expect(requiresSession('POST', '/api/docs')).toBe(true);
  });

  it('leaves everything outside /api alone: dashboard, socket.io, metrics, audit webhook', () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/socket.io/', '/metrics', '/healthz', '/k8s-audit', '/apiary']) {
      expect(requiresSession('GET', path), path).toBe(false);
    }
  });

  it('applies under the base path, and only there', () => {
    expect(requiresSession('GET', '/peregrine/api/v1/alerts', '/peregrine')).toBe(true);
    expect(requiresSession('POST', '/peregrine/api/v1/alerts', '/peregrine')).toBe(false);
    expect(requiresSession('GET', '/peregrine/api/docs', '/peregrine')).toBe(false);
    expect(requiresSession('GET', '/api/v1/alerts', '/peregrine')).toBe(false);
  });
});
