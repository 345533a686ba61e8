import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config.loader';
import { signIn, startTestServer, type TestServer } from '../testing/test-server';
import { generateIngestToken, hashIngestToken, withTokenAdded, withTokenRemoved } from './ingest-tokens';

const RULES = join(__dirname, '../../../../rules/k8s_audit_rules.yaml');
const TRACE = join(__dirname, '../../../../fixtures/conformance/traces/create_nginx_pod_privileged.json');
const PASSWORD = 'ingest-auth-Pa55word';

let sequence = 0;
const uniqueRule = (what: string): string => `${what} ${++sequence} ${Date.now()}`;
const falcoAlert = (rule: string): string =>
  JSON.stringify({ time: new Date().toISOString(), rule, priority: 'Warning', source: 'syscall', hostname: 'node-1', output: `${rule} happened`, output_fields: { 'proc.name': 'sh' } });
const addEvent = (rule: string): string => `{"event":${falcoAlert(rule)},"outputs":["WebUI"]}`;
const auditBatch = (): string => {
  const event = JSON.parse(readFileSync(TRACE, 'utf8').split('\n')[0] ?? '') as Record<string, unknown>;
  // A fresh auditID per batch: the same one is stored once (idempotent retries).
  return JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [{ ...event, auditID: `ingest-auth-${++sequence}-${Date.now()}` }] });
};

interface Sent {
  status: number;
  text: string;
  headers: Headers;
}

async function send(url: string, body: string, headers: Record<string, string> = {}): Promise<Sent> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const basic = (user: string, password: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

/** One ingest route: where it is, with and without the token in its path, and how to tell where its alert went. */
interface IngestRoute {
  name: string;
  url: (server: TestServer) => string;
  urlWithToken: (server: TestServer, token: string) => string;
  body: (rule: string) => string;
  /** The cluster the stored alert got. */
  storedCluster: (server: TestServer, sent: Sent, rule: string) => Promise<string | undefined>;
  /** The answer's format: falcosidekick's text on 2801, coded JSON elsewhere. */
  answers: 'text' | 'json';
}

function routes(cookie: () => string): IngestRoute[] {
  const byRule = async (server: TestServer, _sent: Sent, rule: string): Promise<string | undefined> => {
    const response = await fetch(`${server.mainUrl}/api/v1/alerts?rule=${encodeURIComponent(rule)}`, { headers: { cookie: cookie() } });
    const page = (await response.json()) as { results: Array<{ cluster: string }> };
    expect(page.results).toHaveLength(1);
    return page.results[0]?.cluster;
  };
  const fromAnswer = async (_server: TestServer, sent: Sent): Promise<string | undefined> => (JSON.parse(sent.text) as { cluster?: string; alerts?: number }).cluster;
  const testAlertCluster = async (server: TestServer): Promise<string | undefined> => {
    const response = await fetch(`${server.mainUrl}/api/v1/alerts?rule=Test%20rule&limit=1`, { headers: { cookie: cookie() } });
    return ((await response.json()) as { results: Array<{ cluster: string }> }).results[0]?.cluster;
  };
  return [
    { name: 'Falco on 2801 (POST /)', url: (s) => `${s.compatUrl}/?cluster=elsewhere`, urlWithToken: (s, t) => `${s.compatUrl}/ingest/${t}?cluster=elsewhere`, body: falcoAlert, storedCluster: byRule, answers: 'text' },
    { name: 'falcosidekick test alert on 2801 (POST /test)', url: (s) => `${s.compatUrl}/test`, urlWithToken: (s, t) => `${s.compatUrl}/ingest/${t}/test`, body: () => '', storedCluster: testAlertCluster, answers: 'text' },
    { name: 'POST /api/v1/alerts', url: (s) => `${s.mainUrl}/api/v1/alerts?cluster=elsewhere`, urlWithToken: (s, t) => `${s.mainUrl}/ingest/${t}/api/v1/alerts?cluster=elsewhere`, body: falcoAlert, storedCluster: byRule, answers: 'json' },
    { name: "falcosidekick-ui's /api/v1/events/add", url: (s) => `${s.mainUrl}/api/v1/events/add`, urlWithToken: (s, t) => `${s.mainUrl}/ingest/${t}/api/v1/events/add`, body: addEvent, storedCluster: byRule, answers: 'json' },
    { name: "falcosidekick-ui's root (WEBUI_URL)", url: (s) => `${s.mainUrl}/api/v1`, urlWithToken: (s, t) => `${s.mainUrl}/ingest/${t}`, body: addEvent, storedCluster: byRule, answers: 'json' },
    { name: 'audit webhook on 2802', url: (s) => `${s.mainUrl}/k8s-audit/elsewhere`, urlWithToken: (s, t) => `${s.mainUrl}/k8s-audit/elsewhere/${t}`, body: auditBatch, storedCluster: fromAnswer, answers: 'json' },
    { name: 'audit webhook on 2801', url: (s) => `${s.compatUrl}/k8s_audit?cluster=elsewhere`, urlWithToken: (s, t) => `${s.compatUrl}/k8s-audit/elsewhere/${t}`, body: auditBatch, storedCluster: fromAnswer, answers: 'json' },
    { name: 'audit webhook on an extra port', url: (s) => `${extraAuditPort(s)}/k8s-audit/elsewhere`, urlWithToken: (s, t) => `${extraAuditPort(s)}/k8s_audit/elsewhere/${t}`, body: auditBatch, storedCluster: fromAnswer, answers: 'json' },
  ];
}

/** `peregrine.audit.extra_ports: [0]` takes any free port; the start-up log line says which. */
function extraAuditPort(server: TestServer): string {
  const line = server.logLines().find((entry) => entry['msg'] === 'audit webhook listening on extra ports');
  const url = (line?.['urls'] as string[] | undefined)?.[0];
  if (url === undefined) throw new Error('no extra audit port');
  return url.replace('[::1]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1');
}

function codeOf(sent: Sent, answers: 'text' | 'json'): string | undefined {
  if (answers === 'json') return (JSON.parse(sent.text) as { code?: string }).code;
  return /^([A-Z_]+):/m.exec(sent.text)?.[1];
}

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('ingest authentication off (the default)', () => {
  let server: TestServer;
  const all = routes(() => '');

  beforeAll(async () => {
    server = await startTestServer({ PEREGRINE_RULES_FILES: RULES, PEREGRINE_RULES_WATCH: 'false', PEREGRINE_AUDIT_EXTRA_PORTS: '0' });
  }, 60_000);
  afterAll(async () => server?.stop());

  it('takes every ingest route without a token, as before, in the cluster the request names', async () => {
    for (const route of all) {
      const rule = uniqueRule(route.name);
      const sent = await send(route.url(server), route.body(rule));
      expect(sent.status, `${route.name}: ${sent.text}`).toBe(200);
      if (route.name.includes('test alert')) continue;
      const cluster = await route.storedCluster(server, sent, rule);
      expect(cluster, route.name).toBe(route.name.includes('events/add') || route.name.includes('root') ? 'default' : 'elsewhere');
    }
  });

  it('ignores tokens, in a header or a path, so senders can get theirs before the switch is turned on', async () => {
    for (const route of all) {
      const rule = uniqueRule(route.name);
      const sent = await send(route.urlWithToken(server, 'pgi_not-checked'), route.body(rule), bearer('pgi_not-checked-either'));
      expect(sent.status, `${route.name}: ${sent.text}`).toBe(200);
    }
    const metrics = await (await fetch(`${server.mainUrl}/metrics`)).text();
    expect(metrics).not.toContain('INGEST_TOKEN');
  });
});

describe('ingest authentication on', () => {
  let server: TestServer;
  let dir: string;
  let tokensFile: string;
  let cookie = '';
  const prod = generateIngestToken();
  const dev = generateIngestToken();
  const wrong = `${generateIngestToken()}-wrong`;
  const all = routes(() => cookie);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-ingest-auth-'));
    tokensFile = join(dir, 'ingest-tokens.yaml');
    let text = withTokenAdded('', { id: 'prod-apiserver', cluster: 'prod-eu', sha256: hashIngestToken(prod) });
    text = withTokenAdded(text, { id: 'dev-falco', cluster: 'dev', sha256: hashIngestToken(dev) });
    writeFileSync(tokensFile, text);
    server = await startTestServer({
      PEREGRINE_INGEST_AUTH_ENABLED: 'true',
      PEREGRINE_INGEST_AUTH_TOKENS_FILE: tokensFile,
      // Sign-in on as well: the token routes must not be behind it.
      PEREGRINE_AUTH_ENABLED: 'true',
      PEREGRINE_ADMIN_PASSWORD: PASSWORD,
      PEREGRINE_RULES_FILES: RULES,
      PEREGRINE_RULES_WATCH: 'false',
      PEREGRINE_AUDIT_EXTRA_PORTS: '0',
    });
    cookie = await signIn(server.mainUrl, PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 INGEST_TOKEN_REQUIRED without a token and INGEST_TOKEN_INVALID with a wrong one, on every ingest route', async () => {
    for (const route of all) {
      const missing = await send(route.url(server), route.body(uniqueRule(route.name)));
      expect(missing.status, `${route.name}: ${missing.text}`).toBe(401);
      expect(codeOf(missing, route.answers), route.name).toBe('INGEST_TOKEN_REQUIRED');
      expect(missing.headers.get('www-authenticate'), route.name).toBe('Bearer realm="peregrine-ingest"');
      for (const attempt of [
        await send(route.url(server), route.body(uniqueRule(route.name)), bearer(wrong)),
        await send(route.urlWithToken(server, wrong), route.body(uniqueRule(route.name))),
        // A right token in the path does not rescue a wrong header: the header is what counts.
        await send(route.urlWithToken(server, prod), route.body(uniqueRule(route.name)), bearer(wrong)),
      ]) {
        expect(attempt.status, `${route.name}: ${attempt.text}`).toBe(401);
        expect(codeOf(attempt, route.answers), route.name).toBe('INGEST_TOKEN_INVALID');
        expect(attempt.text).not.toContain(wrong);
      }
    }
    const compatAnswer = await send(`${server.compatUrl}/`, falcoAlert('x'));
    expect(compatAnswer.text).toBe('Unauthorized\nINGEST_TOKEN_REQUIRED: an ingest token is required (peregrine.ingest.auth is on): send Authorization: Bearer <token>, or put /ingest/<token> in front of the path\n');
  });

  it('takes a right token as Bearer, as Basic (URL user info) and in the path, and stores the alert in the token’s cluster whatever the request names', async () => {
    for (const route of all) {
      for (const [form, url, headers, token, cluster] of [
        ['Bearer', route.url(server), bearer(prod), prod, 'prod-eu'],
        ['Basic', route.url(server), basic('falco', dev), dev, 'dev'],
        ['path', route.urlWithToken(server, dev), {}, dev, 'dev'],
      ] as const) {
        const rule = uniqueRule(route.name);
        const sent = await send(url, route.body(rule), { ...headers, 'x-peregrine-cluster': 'elsewhere' });
        expect(sent.status, `${route.name} (${form}): ${sent.text}`).toBe(200);
        expect(await route.storedCluster(server, sent, rule), `${route.name} (${form})`).toBe(cluster);
        expect(sent.text).not.toContain(token);
      }
    }
  });

  it('leaves probes and metrics open, and the dashboard’s API behind sign-in', async () => {
    for (const url of [`${server.compatUrl}/healthz`, `${server.compatUrl}/ping`, `${server.compatUrl}/metrics`, `${server.mainUrl}/healthz`, `${server.mainUrl}/metrics`]) {
      expect((await fetch(url)).status, url).toBe(200);
    }
    // An ingest token is no key to the dashboard's API.
    const read = await fetch(`${server.mainUrl}/api/v1/alerts`, { headers: bearer(prod) });
    expect(read.status).toBe(401);
    expect(((await read.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
  });

  it('counts refusals by code and logs them without the token, and never logs a token', async () => {
    const metrics = await (await fetch(`${server.mainUrl}/metrics`)).text();
    expect(metrics).toMatch(/peregrine_ingest_rejected_total\{code="INGEST_TOKEN_REQUIRED"\} [1-9]/);
    expect(metrics).toMatch(/peregrine_ingest_rejected_total\{code="INGEST_TOKEN_INVALID"\} [1-9]/);
    const lines = server.logLines();
    expect(lines).toContainEqual(expect.objectContaining({ component: 'ingest-auth', level: 40, code: expect.stringMatching(/^INGEST_TOKEN_/) as string, route: expect.any(String) as string, ip: expect.any(String) as string }));
    // Debug logging is on in tests: every request line is there, with path tokens masked.
    expect(lines.some((line) => line['msg'] === 'request' && String(line['url']).includes('/ingest/********'))).toBe(true);
    const everything = JSON.stringify(lines);
    for (const token of [prod, dev, wrong]) expect(everything).not.toContain(token);
  });

  it('follows the tokens file without a restart: a token added works, a token removed stops working', async () => {
    const added = generateIngestToken();
    const url = `${server.mainUrl}/api/v1/alerts`;
    expect((await send(url, falcoAlert(uniqueRule('before')), bearer(added))).status).toBe(401);

    writeFileSync(tokensFile, withTokenAdded(readFileSync(tokensFile, 'utf8'), { id: 'rotated', cluster: 'staging', sha256: hashIngestToken(added) }));
    await until(async () => (await send(url, falcoAlert(uniqueRule('probe')), bearer(added))).status === 200);
    const rule = uniqueRule('after adding');
    expect((await send(url, falcoAlert(rule), bearer(added))).status).toBe(200);
    expect(await all[2]?.storedCluster(server, { status: 200, text: '', headers: new Headers() }, rule)).toBe('staging');

    writeFileSync(tokensFile, withTokenRemoved(readFileSync(tokensFile, 'utf8'), 'prod-apiserver').text);
    await until(async () => (await send(url, falcoAlert(uniqueRule('probe')), bearer(prod))).status === 401);
    // The others keep working through the change.
    expect((await send(url, falcoAlert(uniqueRule('still')), bearer(dev))).status).toBe(200);
    expect((await send(url, falcoAlert(uniqueRule('still')), bearer(added))).status).toBe(200);
  });
});

describe('ingest authentication on under a base path', () => {
  it('guards the main port’s ingest routes under the prefix, with the token in a header or in front of the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-ingest-auth-'));
    const tokensFile = join(dir, 'ingest-tokens.yaml');
    const token = generateIngestToken();
    writeFileSync(tokensFile, withTokenAdded('', { id: 'edge', cluster: 'edge', sha256: hashIngestToken(token) }));
    const server = await startTestServer({ PEREGRINE_BASE_PATH: '/peregrine', PEREGRINE_INGEST_AUTH_ENABLED: 'true', PEREGRINE_INGEST_AUTH_TOKENS_FILE: tokensFile, PEREGRINE_RULES_FILES: RULES, PEREGRINE_RULES_WATCH: 'false' });
    try {
      const base = `${server.mainUrl}/peregrine`;
      for (const url of [`${base}/api/v1/alerts`, `${base}/api/v1/events/add`, `${base}/api/v1`, base, `${base}/k8s-audit/edge`]) {
        const body = url.includes('k8s-audit') ? auditBatch() : url.endsWith('/alerts') ? falcoAlert(uniqueRule('base')) : addEvent(uniqueRule('base'));
        const refused = await send(url, body);
        expect(refused.status, `${url}: ${refused.text}`).toBe(401);
        expect(codeOf(refused, 'json'), url).toBe('INGEST_TOKEN_REQUIRED');
        expect((await send(url, body, bearer(token))).status, url).toBe(200);
      }
      const rule = uniqueRule('base path token');
      expect((await send(`${base}/ingest/${token}/api/v1/alerts`, falcoAlert(rule))).status).toBe(200);
      expect((await send(`${base}/ingest/${token}`, addEvent(uniqueRule('base root')))).status).toBe(200);
      const audit = await send(`${base}/k8s-audit/elsewhere/${token}`, auditBatch());
      expect(audit.status).toBe(200);
      expect((JSON.parse(audit.text) as { cluster: string }).cluster).toBe('edge');
      const stored = (await (await fetch(`${base}/api/v1/alerts?rule=${encodeURIComponent(rule)}`)).json()) as { results: Array<{ cluster: string }> };
      expect(stored.results.map((alert) => alert.cluster)).toEqual(['edge']);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ingest authentication on with a broken tokens file', () => {
  it('refuses to start, naming the file, line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-ingest-auth-'));
    const tokensFile = join(dir, 'ingest-tokens.yaml');
    writeFileSync(tokensFile, 'tokens:\n  - { id: a, cluster: prod, sha256: nothex }\n');
    try {
      const failure = await startTestServer({ PEREGRINE_INGEST_AUTH_ENABLED: 'true', PEREGRINE_INGEST_AUTH_TOKENS_FILE: tokensFile }).then(
        async (server) => {
          await server.stop();
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as ConfigError).message).toContain(`${tokensFile}:2:37: INGEST_TOKENS_INVALID`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
