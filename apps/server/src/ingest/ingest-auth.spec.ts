import type { FastifyRequest } from 'fastify';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PeregrineError } from '../common/errors';
import { createLogger } from '../logging/logger';
import { PUBLIC_API_ROUTES } from '../auth/access-policy';
import { IngestAuthenticator, ingestClusterOf, type IngestRefusal, isMainPortIngestRoute, RefusalLog, urlForLog } from './ingest-auth';
import { hashIngestToken, IngestTokenSet } from './ingest-tokens';

const PROD = 'pgi_prod-token';
const DEV = 'pgi_dev-token';
const basic = (text: string): string => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

function authenticator(entries = [{ id: 'p', cluster: 'prod-eu', sha256: hashIngestToken(PROD) }, { id: 'd', cluster: 'dev', sha256: hashIngestToken(DEV) }]): {
  auth: IngestAuthenticator;
  refusals: IngestRefusal[];
  source: { current: IngestTokenSet };
} {
  const source = { current: new IngestTokenSet(entries) };
  const refusals: IngestRefusal[] = [];
  return { auth: new IngestAuthenticator(source, (refusal) => refusals.push(refusal)), refusals, source };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof PeregrineError ? error.code : 'not coded';
  }
}

function messageOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const request = (headers: Record<string, string>, params: Record<string, string> = {}, query: Record<string, string> = {}): FastifyRequest =>
  ({ headers, params, query, method: 'POST', ip: '10.1.2.3' }) as unknown as FastifyRequest;

describe('IngestAuthenticator', () => {
  it('admits a Bearer token with its cluster, the scheme in any case', () => {
    const { auth } = authenticator();
    expect(auth.authenticate(`Bearer ${PROD}`, undefined)).toEqual({ tokenId: 'p', cluster: 'prod-eu' });
    expect(auth.authenticate(`bearer   ${DEV}`, undefined)).toEqual({ tokenId: 'd', cluster: 'dev' });
  });

  it('admits Basic with the token as password, or as user name when there is no password (URL user info)', () => {
    const { auth } = authenticator();
    expect(auth.authenticate(basic(`falco:${PROD}`), undefined).cluster).toBe('prod-eu');
    expect(auth.authenticate(basic(`${DEV}:`), undefined).cluster).toBe('dev');
    expect(auth.authenticate(basic(DEV), undefined).cluster).toBe('dev');
    expect(codeOf(() => auth.authenticate(basic(`${PROD}:wrong`), undefined))).toBe('INGEST_TOKEN_INVALID');
  });

  it('takes the path token when there is no Authorization header; the header wins when both are there', () => {
    const { auth } = authenticator();
    expect(auth.authenticate(undefined, PROD).cluster).toBe('prod-eu');
    expect(auth.authenticate(`Bearer ${DEV}`, PROD).cluster).toBe('dev');
    expect(codeOf(() => auth.authenticate('Bearer pgi_wrong', PROD))).toBe('INGEST_TOKEN_INVALID');
  });

  it('answers INGEST_TOKEN_REQUIRED without any token, INGEST_TOKEN_INVALID for a wrong or malformed one, never quoting it', () => {
    const { auth } = authenticator();
    expect(codeOf(() => auth.authenticate(undefined, undefined))).toBe('INGEST_TOKEN_REQUIRED');
    expect(codeOf(() => auth.authenticate('', ''))).toBe('INGEST_TOKEN_REQUIRED');
    for (const header of ['Bearer pgi_wrong-secret', 'Bearer', 'Bearer   ', 'Token pgi_wrong-secret', basic(':'), `Bearer ${hashIngestToken(PROD)}`]) {
      expect(codeOf(() => auth.authenticate(header, undefined)), header).toBe('INGEST_TOKEN_INVALID');
    }
    for (const [header, path] of [['Bearer pgi_wrong-secret', undefined], [undefined, 'pgi_wrong-secret'], [basic('falco:pgi_wrong-secret'), undefined]] as const) {
      const message = messageOf(() => auth.authenticate(header, path));
      expect(message).toMatch(/^the ingest token is not valid/);
      expect(message).not.toContain('wrong-secret');
    }
  });

  it('follows the tokens in force: a token added works at once, one removed stops at once', () => {
    const { auth, source } = authenticator([{ id: 'p', cluster: 'prod-eu', sha256: hashIngestToken(PROD) }]);
    expect(codeOf(() => auth.authenticate(`Bearer ${DEV}`, undefined))).toBe('INGEST_TOKEN_INVALID');
    source.current = new IngestTokenSet([{ id: 'd', cluster: 'dev', sha256: hashIngestToken(DEV) }]);
    expect(auth.authenticate(`Bearer ${DEV}`, undefined).cluster).toBe('dev');
    expect(codeOf(() => auth.authenticate(`Bearer ${PROD}`, undefined))).toBe('INGEST_TOKEN_INVALID');
  });

  it('remembers the admitted request’s cluster, whatever cluster the request names, and reports refusals without the token', () => {
    const { auth, refusals } = authenticator();
    const admitted = request({ authorization: `Bearer ${PROD}`, 'x-peregrine-cluster': 'dev' }, {}, { cluster: 'dev' });
    auth.guard(admitted, '/api/v1/alerts');
    expect(auth.clusterOf(admitted)).toBe('prod-eu');
    expect(ingestClusterOf(auth, admitted)).toBe('prod-eu');

    const refused = request({}, { token: 'pgi_wrong-secret' });
    expect(codeOf(() => auth.guard(refused, '/ingest/:token/api/v1/alerts'))).toBe('INGEST_TOKEN_INVALID');
    expect(codeOf(() => auth.guard(request({}), '/'))).toBe('INGEST_TOKEN_REQUIRED');
    expect(refusals).toEqual([
      { code: 'INGEST_TOKEN_INVALID', route: '/ingest/:token/api/v1/alerts', method: 'POST', ip: '10.1.2.3' },
      { code: 'INGEST_TOKEN_REQUIRED', route: '/', method: 'POST', ip: '10.1.2.3' },
    ]);
    // A request no hook admitted is refused rather than stored in a cluster it names.
    expect(codeOf(() => auth.clusterOf(refused))).toBe('INGEST_TOKEN_REQUIRED');
  });

  it('leaves the cluster to the request when authentication is off', () => {
    expect(ingestClusterOf(undefined, request({ 'x-peregrine-cluster': 'edge' }))).toBe('edge');
    expect(ingestClusterOf(undefined, request({}, {}, { cluster: 'q' }))).toBe('q');
    expect(ingestClusterOf(undefined, request({}))).toBeUndefined();
  });
});

describe('which routes of the main port need a token', () => {
  it('every ingest route of the access policy and falcosidekick-ui’s root, each also behind /ingest/:token, POST only', () => {
    const ingestPaths = PUBLIC_API_ROUTES.filter((route) => route.ingest === true).map((route) => route.path);
    expect(ingestPaths.length).toBeGreaterThan(2);
    for (const path of [...ingestPaths, '/']) {
      expect(isMainPortIngestRoute('POST', path), path).toBe(true);
      expect(isMainPortIngestRoute('POST', `/ingest/:token${path === '/' ? '' : path}`), path).toBe(true);
      expect(isMainPortIngestRoute('POST', `/peregrine/ingest/:token${path === '/' ? '' : path}`, '/peregrine'), path).toBe(true);
      expect(isMainPortIngestRoute('GET', path), path).toBe(false);
    }
    for (const path of ['/api/v1/alerts/:uuid', '/api/v1/rules/reload', '/api/v1/auth/login', '/k8s-audit/:cluster', '/healthz']) expect(isMainPortIngestRoute('POST', path), path).toBe(false);
  });
});

describe('urlForLog', () => {
  it('masks the segment a :token route takes and keeps the rest', () => {
    expect(urlForLog('/ingest/pgi_secret/api/v1/alerts?cluster=x', '/ingest/:token/api/v1/alerts')).toBe('/ingest/********/api/v1/alerts?cluster=x');
    expect(urlForLog('/k8s-audit/prod/pgi_secret', '/k8s-audit/:cluster/:token')).toBe('/k8s-audit/prod/********');
    expect(urlForLog('/peregrine/ingest/pgi_secret', '/peregrine/ingest/:token')).toBe('/peregrine/ingest/********');
    expect(urlForLog('/ingest/pgi_secret/any/path', '/ingest/:token/*')).toBe('/ingest/********/any/path');
    expect(urlForLog('/api/v1/alerts?cluster=x', '/api/v1/alerts')).toBe('/api/v1/alerts?cluster=x');
    expect(urlForLog('/nowhere', undefined)).toBe('/nowhere');
  });
});

describe('RefusalLog', () => {
  it('writes one line per window at most, then says how many it left out', () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    let now = 0;
    const log = new RefusalLog(createLogger('info', sink), () => now, 10_000);
    const refusal: IngestRefusal = { code: 'INGEST_TOKEN_INVALID', route: '/', method: 'POST', ip: '10.0.0.1' };
    log.record(refusal);
    for (let i = 0; i < 50; i++) log.record({ ...refusal, code: 'INGEST_TOKEN_REQUIRED' });
    now = 10_000;
    log.record(refusal);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 40, code: 'INGEST_TOKEN_INVALID', route: '/', ip: '10.0.0.1', msg: 'ingest request refused (token not valid)' });
    expect(lines[0]).not.toHaveProperty('refusedSinceLastLine');
    expect(lines[1]).toMatchObject({ code: 'INGEST_TOKEN_INVALID', refusedSinceLastLine: 50 });
  });
});
