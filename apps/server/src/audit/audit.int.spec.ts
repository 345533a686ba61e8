import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const TRACES = join(__dirname, '../../../../fixtures/conformance/traces');

function traceEvents(name: string): Array<Record<string, unknown>> {
  return readFileSync(join(TRACES, name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const privilegedPod = (): Record<string, unknown> => structuredClone(traceEvents('create_nginx_pod_privileged.json')[0] as Record<string, unknown>);
const eventList = (items: unknown[]): string => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });

async function postAudit(url: string, body: string, contentType = 'application/json', method = 'POST'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method, headers: { 'content-type': contentType }, body: method === 'GET' ? null : body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface Alert {
  uuid: string;
  rule: string;
  priority: string;
  source: string;
  hostname: string;
  cluster: string;
  output: string;
  output_fields: Record<string, unknown>;
  tags: string[];
}

/** Every stored alert of the filter, following the cursor. */
async function alerts(server: TestServer, query: string): Promise<Alert[]> {
  const all: Alert[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (await fetch(`${server.mainUrl}/api/v1/alerts?limit=1000&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json()) as { results: Alert[]; nextCursor: string | null };
    all.push(...page.results);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('POST /k8s-audit with the shipped rules', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ PEREGRINE_CLUSTER_NAME: 'home', PEREGRINE_RULES_FILES: join(__dirname, '../../../../rules/k8s_audit_rules.yaml') });
  }, 60_000);
  afterAll(async () => server?.stop());

  it('loads the shipped rules with no error and no warning', async () => {
    const status = (await (await fetch(`${server.mainUrl}/api/v1/rules/status`)).json()) as { ok: boolean; errors: unknown[]; warnings: unknown[]; files: Array<{ path: string; rules: number }> };
    expect(status).toMatchObject({ ok: true, errors: [], warnings: [] });
    expect(status.files).toEqual([{ path: expect.stringMatching(/rules\/k8s_audit_rules\.yaml$/) as unknown, rules: 48 }]);
  });

  it("turns a privileged pod creation into Falco's alert, stored with source k8s_audit and the cluster as hostname", async () => {
    const answer = await postAudit(`${server.mainUrl}/k8s-audit`, eventList([privilegedPod()]));
    expect(answer).toEqual({ status: 200, body: { cluster: 'home', received: 1, alerts: 1 } });
    const [alert] = await alerts(server, 'cluster=home&rule=Create Privileged Pod');
    expect(alert).toMatchObject({ rule: 'Create Privileged Pod', priority: 'Warning', source: 'k8s_audit', hostname: 'home', cluster: 'home' });
    expect(alert?.output).toMatch(/^14:09:12\.581541000: Warning Pod started with privileged container \(user=system:serviceaccount:kube-system:replicaset-controller pod=nginx-deployment-5cdcc99dbf-rgw6z resource=pods ns=default images=\(nginx\) init_images=<NA> ephemeral_images=<NA>\)$/);
    expect(alert?.output_fields).toMatchObject({ 'ka.user.name': 'system:serviceaccount:kube-system:replicaset-controller', 'ka.target.namespace': 'default', 'ka.req.pod.containers.image': ['nginx'] });
    expect(alert?.tags).toEqual(expect.arrayContaining(['k8s']));
  });

  it('takes the cluster from the path, the query, the header, else the configured name; each is filterable', async () => {
    const body = (auditID: string): string => eventList([{ ...privilegedPod(), auditID }]);
    expect((await postAudit(`${server.mainUrl}/k8s-audit/prod-eu`, body('a-1'))).body).toMatchObject({ cluster: 'prod-eu' });
    expect((await postAudit(`${server.mainUrl}/k8s-audit?cluster=prod-us`, body('a-2'))).body).toMatchObject({ cluster: 'prod-us' });
    const viaHeader = await fetch(`${server.compatUrl}/k8s_audit`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'x-peregrine-cluster': 'staging' }, body: body('a-3') });
    expect(await viaHeader.json()).toMatchObject({ cluster: 'staging' });
    expect((await postAudit(`${server.compatUrl}/k8s-audit/bad%20name`, body('a-4'))).status).toBe(400);
    for (const cluster of ['prod-eu', 'prod-us', 'staging']) {
      const stored = await alerts(server, `cluster=${cluster}`);
      expect(stored.map((a) => [a.cluster, a.hostname])).toEqual([[cluster, cluster]]);
    }
    const stats = (await (await fetch(`${server.mainUrl}/api/v1/alerts/stats?by=cluster`)).json()) as { results: Record<string, number> };
    expect(stats.results).toMatchObject({ 'prod-eu': 1, 'prod-us': 1, staging: 1, home: 1 });
  });

  it('stores an alert once when the apiserver resends a batch it got no answer for', async () => {
    const batch = eventList([{ ...privilegedPod(), auditID: 'resent-1' }]);
    expect((await postAudit(`${server.mainUrl}/k8s-audit/resend`, batch)).status).toBe(200);
    expect((await postAudit(`${server.mainUrl}/k8s-audit/resend`, batch)).status).toBe(200);
    expect(await alerts(server, 'cluster=resend')).toHaveLength(1);
  });

  it('refuses bad requests with a clear 4xx, and stores the good events of a batch with a bad one', async () => {
    const url = `${server.mainUrl}/k8s-audit/bad-input`;
    const good = (auditID: string): Record<string, unknown> => ({ ...privilegedPod(), auditID });

    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await postAudit(url, eventList([good('x')]), 'text/plain')).body).toMatchObject({ statusCode: 400, code: 'UNSUPPORTED_CONTENT_TYPE' });
    expect((await postAudit(url, '{"kind": "EventList", "items": [')).body).toMatchObject({ statusCode: 400, code: 'BODY_NOT_JSON' });
    expect((await postAudit(url, '')).body).toMatchObject({ statusCode: 400, code: 'BODY_NOT_JSON' });
    expect((await postAudit(url, JSON.stringify({ kind: 'Pod', apiVersion: 'v1' }))).body).toMatchObject({ statusCode: 400, code: 'NOT_AN_AUDIT_EVENT' });
    expect((await postAudit(url, JSON.stringify({ kind: 'Event', apiVersion: 'events.k8s.io/v1' }))).body).toMatchObject({ statusCode: 400, code: 'NOT_AN_AUDIT_EVENT' });

    const tooMany = eventList(Array.from({ length: 50_000 }, () => ({ kind: 'Event' })));
    expect((await postAudit(url, tooMany)).body).toMatchObject({ statusCode: 413, code: 'TOO_MANY_EVENTS' });
    const huge = eventList([{ ...good('huge'), padding: 'x'.repeat(13 * 1024 * 1024) }]);
    const hugeAnswer = await postAudit(url, huge);
    expect(hugeAnswer.status).toBe(413);
    expect(hugeAnswer.body['message']).toMatch(/peregrine\.audit\.max_body_bytes/);
    const bigEvent = await postAudit(url, eventList([good('ok-big-1'), { ...good('big'), padding: 'x'.repeat(300 * 1024) }]));
    expect(bigEvent.body).toMatchObject({ statusCode: 400, code: 'INVALID_AUDIT_EVENTS', errors: [{ index: 1, code: 'EVENT_TOO_LARGE' }] });
    // Nested 10 000 deep: refused by index, and the recent-events API keeps answering.
    const deepText = `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${JSON.stringify(good('ok-deep-1'))},${JSON.stringify({ ...good('deep'), annotations: {} }).replace('"annotations":{}', `"annotations":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`)}]}`;
    const deep = await postAudit(url, deepText);
    expect(deep.body).toMatchObject({ statusCode: 400, code: 'INVALID_AUDIT_EVENTS', errors: [{ index: 1, code: 'EVENT_TOO_DEEP' }] });
    expect((await fetch(`${server.mainUrl}/api/v1/audit/recent`)).status).toBe(200);

    const noObjectRef = good('no-ref');
    delete noObjectRef['objectRef'];
    const mixed = await postAudit(url, eventList([good('ok-1'), noObjectRef, { kind: 'Event', auditID: 'no-time', stage: 'ResponseComplete', requestURI: '/healthz', verb: 'get', user: {} }, good('ok-2')]));
    expect(mixed.status).toBe(400);
    expect(mixed.body).toMatchObject({
      code: 'INVALID_AUDIT_EVENTS',
      received: 4,
      alerts: 2,
      errors: [
        { index: 1, code: 'MISSING_FIELD', message: expect.stringContaining('lacks objectRef') as unknown },
        { index: 2, code: 'INVALID_EVENT_TIME' },
      ],
    });
    expect(mixed.body['message']).toMatch(/^2 of 4 audit events rejected \(first: item 1: /);
    // The good ones of every batch above were kept: ok-big-1, ok-deep-1, ok-1, ok-2.
    expect((await alerts(server, 'cluster=bad-input')).map((a) => a.uuid)).toHaveLength(4);

    const metrics = await (await fetch(`${server.mainUrl}/metrics`)).text();
    for (const reason of ['METHOD_NOT_ALLOWED', 'UNSUPPORTED_CONTENT_TYPE', 'BODY_NOT_JSON', 'NOT_AN_AUDIT_EVENT', 'TOO_MANY_EVENTS', 'BODY_TOO_LARGE', 'EVENT_TOO_LARGE', 'EVENT_TOO_DEEP', 'MISSING_FIELD', 'INVALID_EVENT_TIME']) {
      expect(metrics).toMatch(new RegExp(`peregrine_audit_events_rejected_total\\{reason="${reason}"\\} [1-9]`));
    }
  }, 60_000);

  it('refuses by index an event whose stageTimestamp 64-bit nanoseconds do not hold, instead of answering 500 (found by the fuzz suite)', async () => {
    // The first became the year -1, the second Go's zero time: both made an alert time the store could not read.
    // (The fuzz suite found the second as 0000-12-31T00:00:60-23:59; Go refuses a leap second, and so does the parser now.)
    const stamps = ['0000-01-01T00:30:00+01:00', '0000-12-31T00:01:00-23:59', '9999-12-31T23:59:59Z'];
    const answer = await postAudit(`${server.mainUrl}/k8s-audit/far-times`, eventList([...stamps.map((stamp) => ({ ...privilegedPod(), auditID: `far-${stamp}`, stageTimestamp: stamp })), { ...privilegedPod(), auditID: 'near' }]));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_AUDIT_EVENTS', received: 4, alerts: 1, errors: stamps.map((_, index) => ({ index, code: 'INVALID_EVENT_TIME', message: expect.stringContaining('is outside 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z') as unknown })) });
  });

  it('accepts a lone Event and a non-resource request without objectRef', async () => {
    const healthz: Record<string, unknown> = { ...privilegedPod(), auditID: 'healthz-1', requestURI: '/healthz', verb: 'get' };
    delete healthz['objectRef'];
    delete healthz['requestObject'];
    delete healthz['responseObject'];
    expect((await postAudit(`${server.mainUrl}/k8s-audit/lone`, JSON.stringify(healthz))).body).toEqual({ cluster: 'lone', received: 1, alerts: 0 });
  });

  it('exposes the audit metrics: received by cluster, evaluation latency, alerts per rule', async () => {
    const metrics = await (await fetch(`${server.compatUrl}/metrics`)).text();
    expect(metrics).toMatch(/peregrine_audit_events_received_total\{cluster="home"\} [1-9]/);
    expect(metrics).toMatch(/peregrine_audit_evaluation_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/peregrine_audit_alerts_total\{rule="Create Privileged Pod",priority="Warning"\} [1-9]/);
    expect(metrics).toMatch(/falcosecurity_falcosidekick_inputs_total\{source="k8s_audit",status="accepted"\} [1-9]/);
    expect(metrics).toMatch(/peregrine_rules_reloads_total\{result="ok"\} 1/);
  });

  it('keeps the last events received, newest first, per cluster', async () => {
    const recent = (await (await fetch(`${server.mainUrl}/api/v1/audit/recent?limit=2&cluster=prod-eu`)).json()) as { events: Array<{ cluster: string; event: { auditID: string }; receivedAt: string }> };
    expect(recent.events).toEqual([{ cluster: 'prod-eu', receivedAt: expect.any(String) as unknown, event: expect.objectContaining({ auditID: 'a-1', kind: 'Event' }) as unknown }]);
    const all = (await (await fetch(`${server.mainUrl}/api/v1/audit/recent`)).json()) as { events: Array<{ event: { auditID: string } }> };
    expect(all.events[0]?.event.auditID).toBe('healthz-1');
    expect((await fetch(`${server.mainUrl}/api/v1/audit/recent?limit=abc`)).status).toBe(400);
  });

  it('lists every rule with its source, priority, tags, file and matches', async () => {
    const { rules } = (await (await fetch(`${server.mainUrl}/api/v1/rules`)).json()) as { rules: Array<Record<string, unknown>> };
    expect(rules).toHaveLength(48);
    const privileged = rules.find((rule) => rule['name'] === 'Create Privileged Pod');
    expect(privileged).toMatchObject({ source: 'k8s_audit', priority: 'Warning', enabled: true, evaluated: true, file: expect.stringMatching(/k8s_audit_rules\.yaml$/) as unknown, line: expect.any(Number) as unknown });
    expect(privileged?.['matches']).toBeGreaterThanOrEqual(6);
    expect(privileged?.['tags']).toEqual(expect.arrayContaining(['k8s']));
  });

  it('tries a rule on an event without storing anything, and shows load errors underlined', async () => {
    const before = (await alerts(server, '')).length;
    const rule = ['- rule: Pods in default', '  desc: test', '  condition: kevt and pod and kcreate and ka.target.namespace = default', '  output: pod in default (user=%ka.user.name)', '  priority: NOTICE', '  source: k8s_audit'].join('\n');
    const tried = (await (await fetch(`${server.mainUrl}/api/v1/rules/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: rule, event: privilegedPod() }) })).json()) as { ok: boolean; alerts: Array<{ rule: string; output: string }> };
    // Rule matching is "first": the shipped Create Privileged Pod is defined before the test rule.
    expect(tried.ok).toBe(true);
    expect(tried.alerts.map((a) => a.rule)).toEqual(['Create Privileged Pod']);
    const selfContained = rule.replace('kevt and pod and kcreate and', 'ka.verb = create and ka.target.resource = pods and');
    const alone = (await (await fetch(`${server.mainUrl}/api/v1/rules/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: selfContained, event: privilegedPod(), withStockRules: false }) })).json()) as { alerts: Array<{ rule: string; output: string }> };
    expect(alone.alerts).toMatchObject([{ rule: 'Pods in default', output: expect.stringContaining('pod in default (user=system:serviceaccount:kube-system:replicaset-controller)') as unknown }]);

    const broken = rule.replace('ka.target.namespace = default', 'ka.target.namespaec = default');
    const failed = (await (await fetch(`${server.mainUrl}/api/v1/rules/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: broken, event: privilegedPod() }) })).json()) as { ok: boolean; errors: Array<{ code: string; file: string; excerpt: { text: string; start: number; end: number } }> };
    expect(failed.ok).toBe(false);
    const [error] = failed.errors;
    expect(error).toMatchObject({ code: 'UNKNOWN_FIELD', file: '<test>' });
    expect(error?.excerpt.text.slice(error.excerpt.start, error.excerpt.end)).toBe('ka.target.namespaec');

    const bad = await fetch(`${server.mainUrl}/api/v1/rules/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: 42 }) });
    expect(await bad.json()).toMatchObject({ statusCode: 400, code: 'INVALID_FIELD' });
    expect((await alerts(server, '')).length).toBe(before);
  });
});

describe('rules at run time: reload on change, keep the old rules when the new ones are broken', () => {
  let server: TestServer;
  let rulesDir: string;
  const generationRules = (generation: number, rules = 5): string =>
    Array.from({ length: rules }, (_, i) =>
      [`- rule: Generation rule ${i}`, '  desc: one of a set that always changes together', '  condition: ka.verb = create', `  output: generation=${generation} id=%ka.auditid`, '  priority: WARNING', '  source: k8s_audit'].join('\n'),
    ).join('\n\n');

  beforeAll(async () => {
    rulesDir = mkdtempSync(join(tmpdir(), 'peregrine-rules-'));
    writeFileSync(join(rulesDir, 'generation.yaml'), generationRules(0));
    server = await startTestServer({ PEREGRINE_RULES_FILES: rulesDir, PEREGRINE_RULES_RULE_MATCHING: 'all', PEREGRINE_AUDIT_EXTRA_PORTS: '0' });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  it('never evaluates an event against a half-loaded ruleset while files change under traffic', async () => {
    let generation = 0;
    let posting = true;
    const poster = (async () => {
      let n = 0;
      while (posting) {
        const batch = eventList(Array.from({ length: 20 }, (_, i) => ({ ...privilegedPod(), auditID: `flow-${n}-${i}` })));
        expect((await postAudit(`${server.mainUrl}/k8s-audit/flow`, batch)).status).toBe(200);
        n++;
      }
    })();
    for (let i = 1; i <= 6; i++) {
      generation = i;
      writeFileSync(join(rulesDir, 'generation.yaml'), generationRules(generation));
      await until(async () => ((await (await fetch(`${server.mainUrl}/api/v1/rules/status`)).json()) as { generation: number }).generation === generation + 1);
    }
    posting = false;
    await poster;
    const stored = await alerts(server, 'cluster=flow');
    expect(stored.length).toBeGreaterThan(0);
    // Every event fired all five rules of one generation: never a mix, never a partial set.
    const generationsByEvent = new Map<string, string[]>();
    for (const alert of stored) {
      const event = alert.output_fields['ka.auditid'] as string;
      generationsByEvent.set(event, [...(generationsByEvent.get(event) ?? []), /generation=(\d+)/.exec(alert.output)?.[1] ?? '?']);
    }
    for (const [event, generations] of generationsByEvent) {
      expect(generations, event).toHaveLength(5);
      expect(new Set(generations).size, event).toBe(1);
    }
    expect(new Set([...generationsByEvent.values()].map((g) => g[0])).size).toBeGreaterThan(1);
  }, 60_000);

  it('serves the webhook on the extra ports too', async () => {
    const line = server.logLines().find((entry) => entry['msg'] === 'audit webhook listening on extra ports');
    const [url] = (line?.['urls'] as string[] | undefined) ?? [];
    const port = new URL(url ?? 'http://x').port;
    const answer = await postAudit(`http://127.0.0.1:${port}/k8s-audit/extra`, eventList([{ ...privilegedPod(), auditID: 'extra-1' }]));
    expect(answer).toMatchObject({ status: 200, body: { cluster: 'extra', alerts: 5 } });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/alerts`)).status).toBe(404);
  });

  it('keeps the old rules running when a changed file is broken, and shows the error at its position', async () => {
    const before = (await (await fetch(`${server.mainUrl}/api/v1/rules/status`)).json()) as { generation: number };
    writeFileSync(join(rulesDir, 'generation.yaml'), `${generationRules(99)}\n\n- rule: Broken\n  desc: x\n  condition: ka.verb = create and (\n  output: x\n  priority: WARNING\n  source: k8s_audit\n`);
    await until(async () => ((await (await fetch(`${server.mainUrl}/api/v1/rules/status`)).json()) as { ok: boolean }).ok === false);
    const status = (await (await fetch(`${server.mainUrl}/api/v1/rules/status`)).json()) as { ok: boolean; generation: number; errors: Array<{ code: string; item: { name: string }; position: { line: number }; excerpt: { text: string } }> };
    expect(status.generation).toBe(before.generation);
    expect(status.errors[0]).toMatchObject({ item: { name: 'Broken' }, excerpt: { text: expect.stringContaining('condition: ka.verb = create and (') as unknown } });
    const reload = await fetch(`${server.mainUrl}/api/v1/rules/reload`, { method: 'POST' });
    expect(reload.status).toBe(422);
    expect(await reload.json()).toMatchObject({ ok: false, generation: before.generation });
    // The rules in force are still the last good ones.
    const answer = await postAudit(`${server.mainUrl}/k8s-audit/after-broken`, eventList([{ ...privilegedPod(), auditID: 'after-broken' }]));
    expect(answer.body).toMatchObject({ alerts: 5 });
    expect((await alerts(server, 'cluster=after-broken')).every((a) => a.output.includes(`generation=6`))).toBe(true);

    writeFileSync(join(rulesDir, 'generation.yaml'), generationRules(7));
    const fixed = await fetch(`${server.mainUrl}/api/v1/rules/reload`, { method: 'POST' });
    expect(fixed.status).toBe(200);
    expect(await fixed.json()).toMatchObject({ ok: true, errors: [] });
  }, 30_000);
});
