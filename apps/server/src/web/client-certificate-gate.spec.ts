import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { hasVerifiedClientCertificate, takesAlerts } from './client-certificate-gate';

describe('the main port under mutual TLS', () => {
  it('insists on a client certificate for the routes that store alerts', () => {
    for (const [method, route] of [
      ['POST', '/api/v1/alerts'],
      ['POST', '/api/v1/events/add'],
      ['POST', '/api/v1/'],
      ['POST', '/'],
      ['POST', '/k8s-audit'],
      ['POST', '/k8s-audit/:cluster'],
      ['POST', '/k8s_audit'],
    ] as const) {
      expect(takesAlerts(method, route), `${method} ${route}`).toBe(true);
    }
    expect(takesAlerts('POST', '/peregrine/api/v1/alerts', '/peregrine')).toBe(true);
    expect(takesAlerts('POST', '/peregrine/', '/peregrine')).toBe(true);
    expect(takesAlerts('POST', '/peregrine', '/peregrine')).toBe(true);
  });

  it('leaves the dashboard, its API and probes to sign-in', () => {
    for (const [method, route] of [
      ['GET', '/'],
      ['GET', '/api/v1/alerts'],
      ['POST', '/api/v1/auth/login'],
      ['POST', '/api/v1/rules/reload'],
      ['GET', '/healthz'],
      ['GET', '/metrics'],
    ] as const) {
      expect(takesAlerts(method, route), `${method} ${route}`).toBe(false);
    }
  });

  it('counts only a certificate that verified against the CA', () => {
    expect(hasVerifiedClientCertificate({ authorized: true } as unknown as Socket)).toBe(true);
    expect(hasVerifiedClientCertificate({ authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } as unknown as Socket)).toBe(false);
    // A plain TCP socket has no such property at all.
    expect(hasVerifiedClientCertificate({} as Socket)).toBe(false);
  });
});
