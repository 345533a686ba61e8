import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestServer, type TestServer } from '../testing/test-server';

/**
 * Issue #16: hostile rule text never takes the process down or stalls ingest. The repro bodies
 * are posted to the real server while `/healthz` on the ingest port is asked every 20 ms; the
 * slowest answer must stay far below what the same bodies used to cost (200 s and a dead
 * process for the list bomb, 5-8 s for the regex and the glob). `rules/test` runs on a thread
 * of its own (the build's worker file: `npm test` builds first).
 */

const PASSWORD = 'correct horse battery staple';
const ALERT = readFileSync(join(__dirname, '../../../../fixtures/alerts/falco-terminal-shell.json'), 'utf8');
/** Ingest must answer well within this while a hostile try runs (it used to wait seconds to minutes). */
const MAX_HEALTHZ_MS = 1000;

const rule = (condition: string, name = 'R'): string => `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: user=%ka.user.name verb=%ka.verb\n  priority: WARNING\n  source: k8s_audit\n`;

function auditEvent(username: string, verb = 'get', auditID = 'a'): Record<string, unknown> {
  return { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID, stage: 'ResponseComplete', requestURI: '/api/v1/namespaces/default/pods', verb, user: { username }, objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' }, stageTimestamp: '2026-11-23T00:00:00.000000Z', requestReceivedTimestamp: '2026-11-23T00:00:00.000000Z' };
}

function listBomb(): string {
  let text = `- list: big\n  items: [${Array.from({ length: 60_000 }, (_, i) => `i${i}`).join(',')}]\n`;
  for (let k = 0; k < 8; k++) text += `- list: l${k}\n  items: [${new Array<string>(1000).fill('big').join(',')}]\n`;
  return text;
}

function macroChain(count: number): string {
  let text = '- macro: m0\n  condition: ka.verb = get\n';
  for (let i = 1; i < count; i++) text += `- macro: m${i}\n  condition: m${i - 1}\n`;
  return `${text}${rule(`m${count - 1}`, 'Deep')}`;
}

interface TryAnswer {
  status: number;
  body: { ok?: boolean; code?: string; message?: string; errors?: Array<{ code: string; file: string; position?: { line: number } }>; alerts?: Array<{ rule: string }>; evaluationErrors?: Record<string, number> };
  /** The slowest `/healthz` answer of the ingest port while the try ran. */
  slowestHealthzMs: number;
}

/** Posts a try while asking the ingest port's /healthz every 20 ms. */
async function tryRules(server: TestServer, body: unknown, cookie = ''): Promise<TryAnswer> {
  let slowest = 0;
  let done = false;
  const probe = (async () => {
    while (!done) {
      const started = performance.now();
      const answer = await fetch(`${server.compatUrl}/healthz`);
      await answer.text();
      expect(answer.status).toBe(200);
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const response = await fetch(`${server.mainUrl}/api/v1/rules/test`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as TryAnswer['body'], slowestHealthzMs: slowest };
  } finally {
    done = true;
    await probe;
  }
}

/** The process is alive and ingesting: healthz answers and a Falco alert is stored. */
async function stillIngests(server: TestServer): Promise<void> {
  expect((await fetch(`${server.compatUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`${server.compatUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ALERT })).status).toBe(200);
}

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('hostile rules posted to rules/test, default limits (signed in)', () => {
  let server: TestServer;
  let cookie: string;
  beforeAll(async () => {
    server = await startTestServer({ PEREGRINE_AUTH_ENABLED: 'true', PEREGRINE_ADMIN_PASSWORD: PASSWORD });
    cookie = await signIn(server.mainUrl, PASSWORD);
  }, 60_000);
  afterAll(async () => server?.stop());

  it('a list bomb (8 lists naming a 60 000-item list 1 000 times): LIST_LIMIT, ingest unaffected', async () => {
    const body = { rules: `${listBomb()}${rule('ka.user.name in (l0)')}`, event: auditEvent('bob'), withStockRules: false };
    const answer = await tryRules(server, body, cookie);
    expect(answer.status).toBe(200);
    expect(answer.body.ok).toBe(false);
    expect(new Set(answer.body.errors?.map((error) => error.code))).toEqual(new Set(['LIST_LIMIT']));
    expect(answer.body.errors?.[0]).toMatchObject({ file: '<test>', position: { line: 3 } });
    expect(answer.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
    await stillIngests(server);
  }, 60_000);

  it('a 5 000-deep macro chain: MACRO_DEPTH_LIMIT at a position, no stack overflow', async () => {
    const answer = await tryRules(server, { rules: macroChain(5000), event: auditEvent('bob'), withStockRules: false }, cookie);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toMatchObject([{ code: 'MACRO_DEPTH_LIMIT', file: '<test>', position: { line: 2 * 4900 + 2 } }]);
    expect(answer.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
    await stillIngests(server);
  }, 60_000);

  it('regex "(.{1,1000}){24}x" against a 10 KB user name: refused at load as RE2 refuses it', async () => {
    const answer = await tryRules(server, { rules: rule('ka.user.name regex "(.{1,1000}){24}x"'), event: auditEvent('a'.repeat(10_000)) }, cookie);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toMatchObject([{ code: 'INVALID_REGEX', file: '<test>', position: { line: 3 } }]);
    expect(answer.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
    await stillIngests(server);
  }, 60_000);

  it('glob "*aaaa…b" against 100 KB: stopped at the step limit (not a match, reported), or refused when larger than the pattern limit', async () => {
    const stopped = await tryRules(server, { rules: rule(`ka.user.name glob "*${'a'.repeat(5000)}b"`), event: auditEvent('a'.repeat(100_000)), withStockRules: false }, cookie);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ ok: true, alerts: [], evaluationErrors: { R: 1 } });
    expect(stopped.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
    const refused = await tryRules(server, { rules: rule(`ka.user.name glob "*${'a'.repeat(20_000)}b"`), event: auditEvent('a'.repeat(100_000)), withStockRules: false }, cookie);
    expect(refused.body.errors).toMatchObject([{ code: 'PATTERN_LIMIT', file: '<test>' }]);
    expect(refused.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
    await stillIngests(server);
  }, 60_000);

  it('still tries ordinary rules', async () => {
    const answer = await tryRules(server, { rules: rule('ka.user.name = bob'), event: auditEvent('bob'), withStockRules: false }, cookie);
    expect(answer.body).toMatchObject({ ok: true, alerts: [{ rule: 'R' }], evaluationErrors: {} });
  }, 30_000);
});

describe('rules/test with the engine limits lifted: the thread limits answer instead', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      PEREGRINE_RULES_MAX_MATCH_STEPS: '10000000000',
      PEREGRINE_RULES_MAX_LIST_ITEMS: '100000000',
      PEREGRINE_RULES_TEST_TIMEOUT_MS: '2000',
      PEREGRINE_RULES_TEST_MAX_MEMORY_MB: '64',
    });
  }, 60_000);
  afterAll(async () => server?.stop());

  it('a regex that would run for minutes: 422 RULES_TEST_TIMEOUT after 2 s, ingest unaffected', async () => {
    const answer = await tryRules(server, { rules: rule('ka.user.name regex "(.{1,1000})*x"'), event: auditEvent('a'.repeat(1_000_000)), withStockRules: false });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'RULES_TEST_TIMEOUT', message: expect.stringContaining('2000 ms') as string });
    expect(answer.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
    await stillIngests(server);
  }, 60_000);

  it('the list bomb: 422 RULES_TEST_MEMORY_LIMIT, this process lives on', async () => {
    const answer = await tryRules(server, { rules: listBomb(), withStockRules: false });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'RULES_TEST_MEMORY_LIMIT', message: expect.stringContaining('64 MiB') as string });
    expect(answer.slowestHealthzMs).toBeLessThan(MAX_HEALTHZ_MS);
    await stillIngests(server);
    // The next try gets a new thread.
    expect((await tryRules(server, { rules: rule('ka.user.name = bob'), event: auditEvent('bob'), withStockRules: false })).body).toMatchObject({ ok: true, alerts: [{ rule: 'R' }] });
  }, 60_000);
});

describe('a watched rules folder', () => {
  let server: TestServer;
  let rulesDir: string;
  beforeAll(async () => {
    rulesDir = mkdtempSync(join(tmpdir(), 'peregrine-rules-'));
    writeFileSync(join(rulesDir, 'a-good.yaml'), rule('ka.verb = create', 'Old rule'));
    server = await startTestServer({ PEREGRINE_RULES_FILES: rulesDir });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  it('keeps the old rules running when a 5 000-deep macro chain is dropped into it', async () => {
    const status = async (): Promise<{ ok: boolean; generation: number; errors: Array<{ code: string; file: string; position?: { line: number } }> }> =>
      (await (await fetch(`${server.mainUrl}/api/v1/rules/status`)).json()) as { ok: boolean; generation: number; errors: Array<{ code: string; file: string; position?: { line: number } }> };
    expect(await status()).toMatchObject({ ok: true, generation: 1 });

    writeFileSync(join(rulesDir, 'b-chain.yaml'), macroChain(5000));
    await until(async () => (await status()).ok === false);
    const failed = await status();
    expect(failed.generation).toBe(1);
    expect(failed.errors).toMatchObject([{ code: 'MACRO_DEPTH_LIMIT', file: join(rulesDir, 'b-chain.yaml'), position: { line: 2 * 4900 + 2 } }]);

    // Alive, and judging audit events with the old rules.
    await stillIngests(server);
    const answer = await fetch(`${server.mainUrl}/k8s-audit/watched`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(auditEvent('bob', 'create', 'after-chain')) });
    expect(await answer.json()).toMatchObject({ cluster: 'watched', alerts: 1 });
    const stored = async (): Promise<string[]> => ((await (await fetch(`${server.mainUrl}/api/v1/alerts?cluster=watched`)).json()) as { results: Array<{ rule: string }> }).results.map((alert) => alert.rule);
    await until(async () => (await stored()).length > 0);
    expect(await stored()).toEqual(['Old rule']);
  }, 60_000);
});
