import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../common/json';
import { startTestServer, type TestServer } from '../testing/test-server';

interface Page {
  results: Array<{ uuid: string; rule: string; priority: string; cluster: string }>;
  total: number;
  nextCursor: string | null;
}

describe('read API: filters, cursor pages, counts, and falcosidekick-ui’s read API', () => {
  let server: TestServer;
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${server.mainUrl}${path}`);
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    server = await startTestServer();
    const alerts = [
      { rule: 'Terminal shell in container', priority: 'Notice', source: 'syscall', hostname: 'node-1', ns: 'prod', tags: ['shell', 'container'], cluster: 'eu', minute: 0 },
      { rule: 'Create Privileged Pod', priority: 'Warning', source: 'k8s_audit', hostname: 'eu', ns: 'kube-system', tags: ['k8s'], cluster: 'eu', minute: 1 },
      { rule: 'Create Privileged Pod', priority: 'Warning', source: 'k8s_audit', hostname: 'us', ns: 'prod', tags: ['k8s'], cluster: 'us', minute: 2 },
      { rule: 'Read sensitive file untrusted', priority: 'Critical', source: 'syscall', hostname: 'node-2', ns: 'prod', tags: ['filesystem', 'mitre_credential_access'], cluster: 'us', minute: 3 },
      { rule: 'Règle spéciale 100% _test_', priority: 'Error', source: 'syscall', hostname: 'node-2', ns: 'dev', tags: [], cluster: 'us', minute: 4 },
    ];
    for (const a of alerts) {
      const body = JSON.stringify({
        time: `2026-11-20T10:0${a.minute}:00.000000001Z`,
        rule: a.rule,
        priority: a.priority,
        source: a.source,
        hostname: a.hostname,
        output: `${a.rule} happened (ns=${a.ns})`,
        output_fields: { 'k8s.ns.name': a.ns, 'proc.cmdline': `cmd-${a.minute}` },
        tags: a.tags,
      });
      const response = await fetch(`${server.compatUrl}/?cluster=${a.cluster}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(200);
    }
  });
  afterAll(async () => {
    await server.stop();
  });

  it('filters by priority (list and minimum), rule, source, hostname, cluster, namespace, tags and free text', async () => {
    expect((await get<Page>('/api/v1/alerts?priority=warning,critical')).total).toBe(3);
    expect((await get<Page>('/api/v1/alerts?min_priority=Error')).results.map((a) => a.priority)).toEqual(['Error', 'Critical']);
    expect((await get<Page>(`/api/v1/alerts?rule=${encodeURIComponent('Create Privileged Pod')}`)).total).toBe(2);
    expect((await get<Page>('/api/v1/alerts?source=k8s_audit&cluster=us')).total).toBe(1);
    expect((await get<Page>('/api/v1/alerts?hostname=node-2')).total).toBe(2);
    expect((await get<Page>('/api/v1/alerts?namespace=prod')).total).toBe(3);
    expect((await get<Page>('/api/v1/alerts?tags=shell,filesystem')).total).toBe(2);
    expect((await get<Page>('/api/v1/alerts?q=CMD-3')).results.map((a) => a.rule)).toEqual(['Read sensitive file untrusted']);
    expect((await get<Page>('/api/v1/alerts?q=100%25 _test_')).total).toBe(1);
    expect((await get<Page>('/api/v1/alerts?q=100%25x')).total).toBe(0);
  });

  it('filters by absolute and relative time', async () => {
    expect((await get<Page>('/api/v1/alerts?from=2026-11-20T10:02:00Z&until=2026-11-20T10:03:30Z')).total).toBe(2);
    expect((await get<Page>('/api/v1/alerts?since=1h')).total).toBe(0);
    expect((await get<Page>('/api/v1/alerts?since=100y')).total).toBe(5);
  });

  it('pages newest first with a cursor that stays stable while alerts arrive', async () => {
    const first = await get<Page>('/api/v1/alerts?limit=2');
    expect(first.results.map((a) => a.rule)).toEqual(['Règle spéciale 100% _test_', 'Read sensitive file untrusted']);
    expect(first.total).toBe(5);
    const second = await get<Page>(`/api/v1/alerts?limit=2&cursor=${first.nextCursor}`);
    expect(second.results.map((a) => a.rule)).toEqual(['Create Privileged Pod', 'Create Privileged Pod']);
    const third = await get<Page>(`/api/v1/alerts?limit=2&cursor=${second.nextCursor}`);
    expect(third.results).toHaveLength(1);
    expect(third.nextCursor).toBeNull();
  });

  it('counts by field', async () => {
    expect(await get('/api/v1/alerts/stats?by=priority')).toEqual({ by: 'priority', results: { Warning: 2, Notice: 1, Critical: 1, Error: 1 }, total: 5 });
    expect((await get<{ results: Record<string, number> }>('/api/v1/alerts/stats?by=cluster')).results).toEqual({ us: 3, eu: 2 });
    expect((await get<{ results: Record<string, number> }>('/api/v1/alerts/stats?by=tags&source=syscall')).results).toEqual({ shell: 1, container: 1, filesystem: 1, mitre_credential_access: 1 });
  });

  it('buckets a timeline on the server', async () => {
    const stats = await get<{ timeline: Array<{ start: string; counts: Record<string, number> }> }>('/api/v1/alerts/stats?by=priority&bucket=2m');
    expect(stats.timeline).toEqual([
      { start: '2026-11-20T10:00:00.000Z', counts: { Notice: 1, Warning: 1 } },
      { start: '2026-11-20T10:02:00.000Z', counts: { Warning: 1, Critical: 1 } },
      { start: '2026-11-20T10:04:00.000Z', counts: { Error: 1 } },
    ]);
    expect((await fetch(`${server.mainUrl}/api/v1/alerts/stats?by=priority&bucket=1ms`)).status).toBe(400);
  });

  it('keeps the top N values, largest first', async () => {
    const top = await get<{ results: Record<string, number>; total: number }>('/api/v1/alerts/stats?by=hostname&top=2');
    expect(Object.entries(top.results)).toEqual([['node-2', 2], ['eu', 1]]);
    expect(top.total).toBe(5);
    expect(Object.keys((await get<{ results: Record<string, number> }>('/api/v1/alerts/stats?by=tags&top=1')).results)).toEqual(['k8s']);
    expect((await fetch(`${server.mainUrl}/api/v1/alerts/stats?by=rule&top=0`)).status).toBe(400);
  });

  it('sizes the timeline buckets itself with bucket=auto, over the filter range', async () => {
    const within = await get<{ bucketMs: number; from: string; until: string; timeline: Array<{ start: string; counts: Record<string, number> }> }>(
      '/api/v1/alerts/stats?by=source&bucket=auto&from=2026-11-20T10:00:00Z&until=2026-11-20T10:05:00Z',
    );
    expect(within.bucketMs).toBe(5000);
    expect([within.from, within.until]).toEqual(['2026-11-20T10:00:00.000Z', '2026-11-20T10:05:00.000Z']);
    expect(within.timeline.map((b) => b.counts)).toEqual([{ syscall: 1 }, { k8s_audit: 1 }, { k8s_audit: 1 }, { syscall: 1 }, { syscall: 1 }]);
    // No bounds: from the oldest alert to now, never more than 120 buckets.
    const open = await get<{ bucketMs: number; from: string; until: string; timeline: unknown[] }>('/api/v1/alerts/stats?by=priority&bucket=auto');
    expect(open.from).toBe('2026-11-20T10:00:00.000Z');
    expect((Date.parse(open.until) - Date.parse(open.from)) / open.bucketMs).toBeLessThanOrEqual(120);
    expect(open.timeline.length).toBeGreaterThan(0);
    const none = await get<{ timeline: unknown[] }>('/api/v1/alerts/stats?by=priority&bucket=auto&rule=nothing');
    expect(none.timeline).toEqual([]);
  });

  it('exports the current filter as CSV and as JSON with numbers exact', async () => {
    const csv = await fetch(`${server.mainUrl}/api/v1/alerts/export?format=csv&cluster=us`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="peregrine-alerts-.*\.csv"$/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('time,priority,rule,source,hostname,cluster,namespace,output,tags,output_fields,uuid');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(',Règle spéciale 100% _test_,');
    expect(lines[2]).toContain('"{""k8s.ns.name"":""prod"",""proc.cmdline"":""cmd-3""}"');
    const json = parseJson(await (await fetch(`${server.mainUrl}/api/v1/alerts/export?source=k8s_audit`)).text()) as Array<{ rule: string }>;
    expect(json.map((a) => a.rule)).toEqual(['Create Privileged Pod', 'Create Privileged Pod']);
    expect((await fetch(`${server.mainUrl}/api/v1/alerts/export?format=xml`)).status).toBe(400);
  });

  it("answers falcosidekick-ui's search and count API with its shapes", async () => {
    const search = await get<{ results: unknown[]; statistics: Record<string, number> }>('/api/v1/events/search?priority=Warning&rule=null&limit=1&page=2');
    expect(search.statistics).toEqual({ returned: 1, all: 2 });
    expect(await get('/api/v1/events/count?source=syscall')).toEqual({ statistics: { all: 3 } });
    expect(await get('/api/v1/events/count/hostname?since=100y')).toEqual({ results: { 'node-2': 2, 'node-1': 1, eu: 1, us: 1 }, statistics: { all: 5, distincts: 4 } });
    expect(await get('/api/v1/events/count/rule?priority=Alert')).toEqual({ results: {}, statistics: { all: 0 } });
  });

  it('refuses bad parameters with a coded 400 naming the parameter', async () => {
    for (const [path, text] of [
      ['/api/v1/alerts?priority=severe', 'query parameter priority'],
      ['/api/v1/alerts?since=tomorrow', 'query parameter since'],
      ['/api/v1/alerts?from=yesterday', 'query parameter from'],
      ['/api/v1/alerts?cursor=bm9wZQ', 'query parameter cursor'],
      ['/api/v1/alerts/stats?by=uuid', 'wrong Group By field'],
      ['/api/v1/events/count/color', 'wrong Group By field'],
      // Out of range: each of these once answered 500 (RangeError, SQLITE_MISMATCH).
      [`/api/v1/alerts?since=${'9'.repeat(400)}`, 'query parameter since'],
      [`/api/v1/alerts/stats?by=priority&since=${'9'.repeat(400)}`, 'query parameter since'],
      ['/api/v1/alerts/stats?by=priority&bucket=99999999999999999999d', 'query parameter bucket'],
      ['/api/v1/events/search?page=1e300', 'query parameter page'],
      ['/api/v1/events/search?limit=-5', 'query parameter limit'],
    ] as const) {
      const response = await fetch(`${server.mainUrl}${path}`);
      expect(response.status, path).toBe(400);
      const body = (await response.json()) as { code: string; message: string };
      expect(body.code).toBe('INVALID_FIELD');
      expect(body.message).toContain(text);
    }
    expect((await fetch(`${server.mainUrl}/api/v1/alerts/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('reads a bound beyond what times can hold as no bound', async () => {
    for (const path of [`/api/v1/alerts?until=${'9'.repeat(400)}`, '/api/v1/alerts?until=9999-12-31T23:59:59Z', `/api/v1/events/count?until=${'9'.repeat(30)}`]) {
      expect((await fetch(`${server.mainUrl}${path}`)).status, path).toBe(200);
    }
  });
});

describe('export beyond any page size', () => {
  it('streams every matching alert (more than one internal page), each once', async () => {
    const server = await startTestServer();
    try {
      const posts = Array.from({ length: 1200 }, (_, i) =>
        fetch(`${server.compatUrl}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ time: '2026-11-20T10:00:00Z', rule: `bulk ${i}`, priority: 'Notice', output: 'x', output_fields: { 'evt.time': 1795442727146981532n.toString() } }),
        }),
      );
      expect((await Promise.all(posts)).every((r) => r.status === 200)).toBe(true);
      const exported = parseJson(await (await fetch(`${server.mainUrl}/api/v1/alerts/export`)).text()) as Array<{ rule: string }>;
      expect(exported).toHaveLength(1200);
      expect(new Set(exported.map((a) => a.rule)).size).toBe(1200);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('values that are also names of Object members', () => {
  it('counts a rule, tag or host called constructor, toString or __proto__ like any other', async () => {
    const server = await startTestServer();
    try {
      for (const name of ['constructor', 'toString', '__proto__']) {
        const body = JSON.stringify({ time: '2026-11-20T10:00:00Z', rule: name, priority: 'Warning', hostname: name, output: name, output_fields: { [name]: name }, tags: [name, 'valueOf'] });
        expect((await fetch(`${server.compatUrl}/`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status).toBe(200);
      }
      for (const by of ['rule', 'hostname', 'tags']) {
        const stats = (await (await fetch(`${server.mainUrl}/api/v1/alerts/stats?by=${by}${by === 'tags' ? '' : '&bucket=auto'}`)).json()) as { results: Record<string, unknown>; timeline?: Array<{ counts: Record<string, unknown> }> };
        const expected: Array<[string, number]> = [['__proto__', 1], ['constructor', 1], ['toString', 1], ...(by === 'tags' ? [['valueOf', 3] as [string, number]] : [])];
        expect(Object.entries(stats.results).sort(), by).toEqual(expected);
        for (const bucket of stats.timeline ?? []) for (const count of Object.values(bucket.counts)) expect(typeof count).toBe('number');
      }
      const counted = (await (await fetch(`${server.mainUrl}/api/v1/events/count/tags`)).json()) as { results: Record<string, unknown>; statistics: { all: unknown } };
      expect(counted.statistics.all).toBe(6);
      const page = (await (await fetch(`${server.mainUrl}/api/v1/alerts?rule=__proto__`)).json()) as { results: Array<{ output_fields: Record<string, unknown> }> };
      expect(Object.keys(page.results[0]?.output_fields ?? {})).toEqual(['__proto__']);
    } finally {
      await server.stop();
    }
  });
});
