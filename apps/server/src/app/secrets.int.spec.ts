import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productEnv } from '../testing/processes';
import { markedAlert, type Product, sleep, startPeregrine, stopChild } from '../testing/product';

/*
 * Secrets never leak, checked over a whole run of the BUILT product (`peregrine serve`, a child
 * process, so that every byte of its stdout and stderr is read): a secret in every place one can
 * be configured, sinks that echo the whole request (URL, headers, body) back in their error
 * bodies, failing deliveries into dead letters, sign-ins with the password in the wrong field,
 * broken rules and tokens files reloaded, a configuration that does not parse. Then every log
 * line, every answer of the dashboard's API, both /metrics, the CLI's `config` and the store's
 * files are searched for each secret in each spelling it could take (as is, URL-encoded,
 * base64, in a Basic header, the bare token of a Bearer header, a URL's path and query).
 * Build first (`npm run build`).
 */

const root = resolve(__dirname, '../../../..');

const SECRETS = {
  adminPassword: 'Adm1n p@ss/w0rd+7f3a9c',
  webhookPathToken: 'whPathTok3n8d2e5f1a9b',
  webhookQueryToken: 'whQueryTok3n/4c7b+1e0d2',
  webhookBearer: 'wh-Bearer-T0ken-6a1f9e3d2c',
  webhookApiKey: 'wh-X-Api-Key-0b5c8d3e1f',
  webhookSignatureSecret: 'whS1gnatureSecret-5b8e2a',
  lokiApiKey: 'l0ki-ApiKey-Secret-3e9d1c',
  esPassword: 'es-Passw0rd/Secret+9f2b7a',
  smtpPassword: 'smtp-Passw0rd-Secret-1d4c8e',
  slackToken: 'sl4ckT0kenSecret9x8y7z6w',
  ingestToken: 'ingest-T0ken-Secret-2a7e9f4b1c',
} as const;
type SecretName = keyof typeof SECRETS;

/** The users paired with a secret in a Basic header. */
const BASIC_USERS: Partial<Record<SecretName, string>> = { adminPassword: 'admin', lokiApiKey: 'loki-user', esPassword: 'es-user', ingestToken: 'falco' };

/** Every spelling of a secret that would give it away. */
function spellingsOf(name: SecretName): string[] {
  const secret = SECRETS[name];
  const forms = new Set<string>([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1), secret.replace(/\//g, '\\/')]);
  const user = BASIC_USERS[name];
  if (user !== undefined) forms.add(Buffer.from(`${user}:${secret}`).toString('base64'));
  // What SMTP's AUTH PLAIN carries: base64 of "\0user\0password".
  if (name === 'smtpPassword') forms.add(Buffer.from(`\u0000smtp-user\u0000${secret}`).toString('base64'));
  return [...forms];
}

/** A secret cut short (a message that keeps the first N characters of a sink's answer) still gives away its part: every 12 characters of it. */
const PART_LENGTH = 12;
function partsOf(name: SecretName): string[] {
  const parts = new Set<string>();
  for (const spelling of [SECRETS[name], encodeURIComponent(SECRETS[name])]) {
    for (let start = 0; start + PART_LENGTH <= spelling.length; start++) parts.add(spelling.slice(start, start + PART_LENGTH));
  }
  return [...parts];
}

/** Where a spelling, or a part of one, was found, with some context, for the failure message. */
function findLeaks(texts: ReadonlyMap<string, string>): string[] {
  const leaks: string[] = [];
  for (const name of Object.keys(SECRETS) as SecretName[]) {
    for (const spelling of [...spellingsOf(name), ...partsOf(name)]) {
      for (const [where, text] of texts) {
        const at = text.indexOf(spelling);
        if (at >= 0) leaks.push(`${name} (${JSON.stringify(spelling)}) in ${where}: …${text.slice(Math.max(0, at - 120), at + spelling.length + 40)}…`);
      }
    }
  }
  return leaks;
}

/** An HTTP sink that answers every request with an error whose body echoes the whole request. */
class EchoingSink {
  requests = 0;
  private server: HttpServer | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests++;
        const echo = JSON.stringify({ error: 'rejected', method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, 2000) });
        // The webhook's answer starts with its Authorization header placed so that the 300 characters
        // of an answer a reason keeps end 16 characters into the token.
        const lead = 'echo authorization=';
        const placed = request.url?.startsWith('/hooks/') ? `${'x'.repeat(300 - lead.length - 'Bearer '.length - 16)}${lead}${request.headers.authorization ?? ''} ` : '';
        // Retryable for Loki and Elasticsearch (they go dead after peregrine.delivery.max_age), final for the others.
        const status = /loki|falco|_bulk|_doc/.test(request.url ?? '') ? 500 : 400;
        response.writeHead(status, { 'content-type': 'application/json' }).end(`${placed}${echo} (${request.headers.authorization ?? ''})`);
      });
    });
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    this.port = (this.server?.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

/** An SMTP server that refuses every AUTH, quoting what it was sent (and decoding it) in the 535. */
class EchoingSmtp {
  private server: TcpServer | undefined;
  port = 0;
  authAttempts = 0;

  async start(): Promise<void> {
    this.server = createTcpServer((socket) => {
      socket.write('220 echo.test ESMTP\r\n');
      let buffered = '';
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let end: number;
        while ((end = buffered.indexOf('\r\n')) >= 0) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const verb = line.split(' ')[0]?.toUpperCase();
          if (verb === 'EHLO' || verb === 'HELO') socket.write('250-echo.test\r\n250 AUTH PLAIN LOGIN\r\n');
          else if (verb === 'AUTH') {
            this.authAttempts++;
            const payload = line.split(' ')[2] ?? '';
            socket.write(`535 5.7.8 rejected: ${line} decoded ${Buffer.from(payload, 'base64').toString('utf8')}\r\n`);
          } else if (verb === 'QUIT') socket.end('221 bye\r\n');
          else socket.write(`502 5.5.2 unknown: ${line}\r\n`);
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((done) => this.server?.listen(0, '127.0.0.1', done));
    this.port = (this.server?.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}

function runCli(args: readonly string[], env: Readonly<Record<string, string>>): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'apps/server/bin/peregrine.js'), ...args], { env: productEnv(env), timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** Every file under `dir` (the store: main file, its log, the journal), as text. */
function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(`file ${full}`, readFileSync(full).toString('latin1'));
    }
  };
  walk(dir);
  return files;
}

const tokensFile = (sha256: string, extra = ''): string => `tokens:\n  - id: prod-1\n    cluster: prod\n    sha256: ${sha256}\n${extra}`;

describe('secrets over a full run (built product)', () => {
  const sink = new EchoingSink();
  const smtp = new EchoingSmtp();
  let dir: string;
  let env: Record<string, string>;
  let product: Product | undefined;
  const texts = new Map<string, string>();

  beforeAll(async () => {
    await sink.start();
    await smtp.start();
    dir = mkdtempSync(join(tmpdir(), 'peregrine-secrets-'));
    const webhookUrl = `http://127.0.0.1:${sink.port}/hooks/${SECRETS.webhookPathToken}?token=${encodeURIComponent(SECRETS.webhookQueryToken)}`;
    copyFileSync(join(root, 'rules/k8s_audit_rules.yaml'), join(dir, 'rules.yaml'));
    writeFileSync(join(dir, 'ingest-tokens.yaml'), tokensFile(createHash('sha256').update(SECRETS.ingestToken).digest('hex')));
    env = {
      PEREGRINE_DB_PATH: join(dir, 'store', 'peregrine.db'),
      PEREGRINE_LOG_LEVEL: 'debug',
      PEREGRINE_AUTH_ENABLED: 'true',
      PEREGRINE_ADMIN_PASSWORD: SECRETS.adminPassword,
      PEREGRINE_INGEST_AUTH_ENABLED: 'true',
      PEREGRINE_INGEST_AUTH_TOKENS_FILE: join(dir, 'ingest-tokens.yaml'),
      PEREGRINE_RULES_FILES: join(dir, 'rules.yaml'),
      PEREGRINE_DELIVERY_MAX_AGE: '2s',
      PEREGRINE_DELIVERY_INITIAL_BACKOFF: '50ms',
      PEREGRINE_DELIVERY_MAX_BACKOFF: '300ms',
      WEBHOOK_ADDRESS: webhookUrl,
      WEBHOOK_CUSTOMHEADERS: `Authorization:Bearer ${SECRETS.webhookBearer},X-Api-Key:${SECRETS.webhookApiKey}`,
      WEBHOOK_SIGNATURE_SECRET: SECRETS.webhookSignatureSecret,
      LOKI_HOSTPORT: `http://127.0.0.1:${sink.port}`,
      LOKI_USER: 'loki-user',
      LOKI_APIKEY: SECRETS.lokiApiKey,
      ELASTICSEARCH_HOSTPORT: `http://127.0.0.1:${sink.port}`,
      ELASTICSEARCH_USERNAME: 'es-user',
      ELASTICSEARCH_PASSWORD: SECRETS.esPassword,
      SLACK_WEBHOOKURL: `http://127.0.0.1:${sink.port}/services/T0SECRET1/B0SECRET2/${SECRETS.slackToken}`,
      SMTP_HOSTPORT: `127.0.0.1:${smtp.port}`,
      SMTP_TLS: 'false',
      SMTP_USER: 'smtp-user',
      SMTP_PASSWORD: SECRETS.smtpPassword,
      SMTP_FROM: 'falco@example.test',
      SMTP_TO: 'security@example.test',
    };
  });

  afterAll(async () => {
    if (product) await stopChild(product.child);
    await sink.stop();
    await smtp.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows no secret, in any spelling, in any log line, API answer, metric, CLI output or stored file', async () => {
    product = await startPeregrine(env, 30_000, { keepAllOutput: true });
    const running = product;
    const main = running.mainUrl;
    const json = { 'content-type': 'application/json' };

    // Sign-ins: wrong passwords, the password typed into the username field, Basic with a wrong and the right password, then the right one.
    const signIn = (username: string, password: string): Promise<Response> => fetch(`${main}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username, password }) });
    expect((await signIn('admin', `${SECRETS.adminPassword}x`)).status).toBe(401);
    expect((await signIn(SECRETS.adminPassword, SECRETS.adminPassword)).status).toBe(401);
    expect((await signIn('admin', 'x'.repeat(2000))).status).toBe(400);
    const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    expect((await fetch(`${main}/api/v1/alerts`, { headers: { authorization: basic('admin', 'not-it') } })).status).toBe(401);
    expect((await fetch(`${main}/api/v1/alerts`, { headers: { authorization: basic('admin', SECRETS.adminPassword) } })).status).toBe(200);
    const session = await signIn('admin', SECRETS.adminPassword);
    expect(session.status).toBe(204);
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const authed = { cookie };

    // Alerts with the ingest token every way it can travel, and refused ones without it.
    const bearer = { ...json, authorization: `Bearer ${SECRETS.ingestToken}` };
    for (let i = 0; i < 3; i++) expect((await fetch(`${running.compatUrl}/`, { method: 'POST', headers: bearer, body: markedAlert(`bearer${i}`) })).status).toBe(200);
    expect((await fetch(`${running.compatUrl}/ingest/${SECRETS.ingestToken}/`, { method: 'POST', headers: json, body: markedAlert('path') })).status).toBe(200);
    expect((await fetch(`${running.compatUrl}/ingest/${SECRETS.ingestToken}/test`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${running.compatUrl}/`, { method: 'POST', headers: { ...json, authorization: basic('falco', SECRETS.ingestToken) }, body: markedAlert('basic') })).status).toBe(200);
    expect((await fetch(`${main}/ingest/${SECRETS.ingestToken}/api/v1/alerts`, { method: 'POST', headers: json, body: markedAlert('main') })).status).toBe(200);
    const auditEvent = readFileSync(join(root, 'fixtures/conformance/traces/create_nginx_pod_privileged.json'), 'utf8');
    expect((await fetch(`${main}/k8s-audit/prod/${SECRETS.ingestToken}`, { method: 'POST', headers: json, body: auditEvent })).status).toBe(200);
    expect((await fetch(`${running.compatUrl}/k8s-audit`, { method: 'POST', headers: bearer, body: auditEvent })).status).toBe(200);
    expect((await fetch(`${running.compatUrl}/`, { method: 'POST', headers: { ...json, authorization: `Bearer ${SECRETS.ingestToken}x` }, body: markedAlert('wrong') })).status).toBe(401);
    expect((await fetch(`${running.compatUrl}/ingest/${SECRETS.ingestToken.slice(0, -1)}/`, { method: 'POST', headers: json, body: markedAlert('wrong') })).status).toBe(401);

    // A broken rules file reloaded (the old rules stay), a broken tokens file with a token pasted into it (the old tokens stay).
    writeFileSync(join(dir, 'rules.yaml'), '- rule: broken\n  desc: x\n  condition: ka.verb = create and (\n  output: "broken"\n  priority: WARNING\n  source: k8s_audit\n');
    expect((await fetch(`${main}/api/v1/rules/reload`, { method: 'POST', headers: authed })).status).toBe(422);
    writeFileSync(join(dir, 'ingest-tokens.yaml'), tokensFile(createHash('sha256').update(SECRETS.ingestToken).digest('hex'), `  - id: pasted\n    cluster: prod\n    token: ${SECRETS.ingestToken}\n    sha256: "${SECRETS.ingestToken}\n`));
    await sleep(1_000);
    expect((await fetch(`${running.compatUrl}/`, { method: 'POST', headers: bearer, body: markedAlert('after-broken-edit') })).status).toBe(200);

    // Deliveries fail against the echoing sinks until they are dead letters; replay them once, let them fail again.
    type Listed = Array<{ name: string; queueDepth: number; deadLetters: number }>;
    const outputs = async (): Promise<Listed> => (await fetch(`${main}/api/v1/outputs`, { headers: authed })).json() as Promise<Listed>;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(await outputs()).every((output) => output.deadLetters > 0 && output.queueDepth === 0)) await sleep(250);
    const listed = await outputs();
    expect(listed.map((output) => output.name).sort()).toEqual(['elasticsearch', 'loki', 'slack', 'smtp', 'webhook']);
    for (const output of listed) expect(output.deadLetters, `${output.name} has dead letters`).toBeGreaterThan(0);
    for (const output of listed) expect((await fetch(`${main}/api/v1/outputs/${output.name}/replay`, { method: 'POST', headers: authed })).status).toBe(200);
    await sleep(1_500);
    expect(sink.requests).toBeGreaterThan(10);
    expect(smtp.authAttempts).toBeGreaterThan(0);

    // Every answer the dashboard's API gives to a GET, and both ports' metrics.
    const alerts = (await (await fetch(`${main}/api/v1/alerts?limit=100`, { headers: authed })).json()) as { results: Array<{ uuid: string }> };
    const paths = [
      '/api/v1/outputs', '/api/v1/alerts?limit=1000', '/api/v1/alerts/stats?by=rule&bucket=auto', '/api/v1/alerts/stats?by=cluster', '/api/v1/alerts/export?format=json', '/api/v1/alerts/export?format=csv',
      '/api/v1/events/search', '/api/v1/events/count', '/api/v1/events/count/rule', '/api/v1/rules', '/api/v1/rules/status', '/api/v1/about', '/api/v1/audit/recent',
      '/api/v1/auth/me', '/api/v1/healthz', '/metrics', '/api/docs/openapi.json', '/', '/outputs',
      ...alerts.results.map((alert) => `/api/v1/alerts/${alert.uuid}`),
    ];
    for (const path of paths) {
      const response = await fetch(`${main}${path}`, { headers: authed });
      expect(response.status, path).toBe(200);
      texts.set(`GET ${path}`, `${JSON.stringify([...response.headers])}\n${await response.text()}`);
    }
    texts.set('GET :2801/metrics', await (await fetch(`${running.compatUrl}/metrics`)).text());

    // The CLI shows the same configuration, masked; a configuration that does not parse names the key, not the value.
    texts.set('peregrine config', (await runCli(['config'], env)).output);
    const broken = await runCli(['serve'], { ...env, WEBHOOK_ADDRESS: `127.0.0.1/hooks/${SECRETS.webhookPathToken}`, SLACK_WEBHOOKURL: `hooks.slack.test/services/${SECRETS.slackToken}`, PEREGRINE_DB_SYNCHRONOUS: 'sometimes' });
    expect(broken.code).toBe(2);
    texts.set('peregrine serve with a broken configuration', broken.output);

    // A clean stop logs too.
    await stopChild(running.child);
    product = undefined;
    texts.set('stdout and stderr', running.output());
    for (const [where, text] of filesUnder(join(dir, 'store'))) texts.set(where, text);

    // The run went where secrets could leak: tokens in logged paths, echoes in errors, dead letters, refused sign-ins, broken files.
    const log = running.output();
    for (const seen of ['"url":"/ingest/********/"', '"url":"/k8s-audit/prod/********"', '"code":"DELIVERY_DEAD_LETTER"', '"msg":"sign-in refused"', '"code":"INGEST_TOKENS_INVALID"']) expect(log, seen).toContain(seen);
    expect(texts.get('GET /api/v1/outputs')).toContain('[REDACTED]');
    expect(texts.get('peregrine serve with a broken configuration')).toContain('Invalid configuration');
    // And the search finds what it looks for: a Basic header, a token cut short.
    const planted = new Map([['planted', `Basic ${Buffer.from(`loki-user:${SECRETS.lokiApiKey}`).toString('base64')} Bearer ${SECRETS.webhookBearer.slice(0, PART_LENGTH)}…`]]);
    expect(findLeaks(planted).map((leak) => leak.split(' ')[0])).toEqual(expect.arrayContaining(['lokiApiKey', 'webhookBearer']));
    if (process.env['PEREGRINE_SECRETS_DUMP']) writeFileSync(process.env['PEREGRINE_SECRETS_DUMP'], JSON.stringify(Object.fromEntries(texts), null, 1));
    expect(findLeaks(texts)).toEqual([]);
  }, 120_000);
});
