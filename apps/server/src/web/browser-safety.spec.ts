import { describe, expect, it } from 'vitest';
import { isIngestRoute } from '../auth/access-policy';
import { crossSiteReason } from './browser-safety';

describe('crossSiteReason', () => {
  it('trusts what the browser says in Sec-Fetch-Site', () => {
    expect(crossSiteReason({ 'sec-fetch-site': 'same-origin', host: 'a:2802' })).toBeUndefined();
    expect(crossSiteReason({ 'sec-fetch-site': 'none' })).toBeUndefined();
    // Another port of the same host is same-site, and another application.
    expect(crossSiteReason({ 'sec-fetch-site': 'same-site', origin: 'http://a:8080', host: 'a:2802' })).toMatch(/same-site/);
    expect(crossSiteReason({ 'sec-fetch-site': 'cross-site' })).toMatch(/cross-site/);
  });

  it('compares Origin with the host the request went to when the browser sends no Sec-Fetch-Site', () => {
    expect(crossSiteReason({ origin: 'http://peregrine.example:2802', host: 'peregrine.example:2802' })).toBeUndefined();
    expect(crossSiteReason({ origin: 'http://peregrine.example:8080', host: 'peregrine.example:2802' })).toMatch(/not this site/);
    expect(crossSiteReason({ origin: 'https://peregrine.example', host: '10.0.0.5:2802', 'x-forwarded-host': 'peregrine.example' })).toBeUndefined();
    expect(crossSiteReason({ origin: 'null', host: 'a' })).toMatch(/not a URL|not this site/);
  });

  it('lets requests that no browser page sent through (curl, scripts, senders)', () => {
    expect(crossSiteReason({ host: 'a:2802' })).toBeUndefined();
  });
});

describe('isIngestRoute', () => {
  it('names the routes senders post to, under the base path', () => {
    expect(isIngestRoute('POST', '/api/v1/alerts')).toBe(true);
    expect(isIngestRoute('POST', '/peregrine/k8s-audit/prod', '/peregrine')).toBe(true);
    expect(isIngestRoute('POST', '/k8s_audit')).toBe(true);
    expect(isIngestRoute('POST', '/api/v1/events/add')).toBe(true);
    expect(isIngestRoute('POST', '/api/v1/rules/reload')).toBe(false);
    expect(isIngestRoute('POST', '/api/v1/auth/logout')).toBe(false);
    expect(isIngestRoute('POST', '/k8s-auditor')).toBe(false);
  });
});
