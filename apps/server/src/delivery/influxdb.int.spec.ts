import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender, type OutputAlert, type OutputSender, parseOutputsConfig } from '@peregrine/outputs';
import { FakeInfluxdb } from '../../../../packages/outputs/src/testing';
import { type Influxd, influxql as influxqlAt, startInfluxd } from '../testing/influxd';
import { startTestServer } from '../testing/test-server';

// Characters that must be percent-encoded in the `p=` query parameter.
const ADMIN = { user: 'peregrine', password: 'pw&Int3g#ration+' };

type Row = Record<string, string | number | null>;

function alert(extra: Partial<OutputAlert> = {}): OutputAlert {
  return {
    uuid: '',
    output: 'This is a test from falcosidekick',
    priority: 'Debug',
    rule: 'Test rule',
    time: '2001-01-01T01:10:00Z',
    output_fields: { 'proc.name': 'falcosidekick', 'proc.tty': 1234 },
    source: 'syscalls',
    tags: ['test', 'example'],
    hostname: 'test-host',
    cluster: '',
    ...extra,
  };
}

// Debian's influxdb (InfluxDB 1.6, `auth-enabled`), started on loopback by this suite with its
// own data, meta and WAL directories (testing/influxd.ts). `.ci/run` installs it; without it the
// suite fails loudly rather than skipping. 1.6 has no `/api/v2/write` (added in 1.8), so the v2
// API is tested against the fake InfluxDB only.
describe('InfluxDB output against a real InfluxDB 1.x', () => {
  let influxUrl: string;
  let influxd: Influxd | undefined;
  const senders: OutputSender[] = [];

  const sender = (section: Record<string, unknown>): OutputSender => {
    const { instances, problems } = parseOutputsConfig({ influxdb: { hostport: influxUrl, user: ADMIN.user, password: ADMIN.password, ...section } }, {});
    expect(problems).toEqual([]);
    const created = createSender(instances[0]!);
    senders.push(created);
    return created;
  };

  /** Runs InfluxQL over HTTP as the admin. */
  const influxql = (q: string, db = '', epoch = 'ns'): ReturnType<typeof influxqlAt> => influxqlAt(influxUrl, ADMIN, q, db, epoch);

  /** The rows of a SELECT, as column → value objects (times as integers in `epoch`; JSON numbers, so keep them below 2^53). */
  async function rows(q: string, db = 'falco', epoch = 's'): Promise<Row[]> {
    const { body } = await influxql(q, db, epoch);
    const series = body.results?.[0]?.series ?? [];
    return series.flatMap((s) => s.values.map((values) => Object.fromEntries(s.columns.map((column, i) => [column, values[i] as Row[string]]))));
  }

  async function values(q: string, db = 'falco'): Promise<string[]> {
    return (await rows(q, db)).map((row) => String(Object.values(row).at(-1)));
  }

  beforeAll(async () => {
    influxd = await startInfluxd(ADMIN);
    influxUrl = influxd.url;
    for (const db of ['falco', 'e2e', 'scratch']) expect((await influxql(`CREATE DATABASE ${db}`)).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
    await influxd?.stop();
  });

  it("stores falcosidekick's reference alert as the point falcosidekick writes (tags and value)", async () => {
    expect(await sender({}).send([alert()])).toEqual({ kind: 'ok', status: 204 });
    const stored = await rows(`SELECT * FROM events WHERE rule = 'Test_rule'`);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      rule: 'Test_rule',
      priority: 'Debug',
      source: 'syscalls',
      'proc.name': 'falcosidekick',
      hostname: 'test-host',
      tags: 'test_example',
      value: 'This is a test from falcosidekick',
    });
    // Everything but the output is a tag (indexed, groupable); the output is the one string field.
    expect(await values('SHOW TAG KEYS FROM events')).toEqual(expect.arrayContaining(['hostname', 'priority', 'proc.name', 'rule', 'source', 'tags']));
    expect(await rows('SHOW FIELD KEYS FROM events')).toEqual([{ fieldKey: 'value', fieldType: 'string' }]);
  });

  it('stores hostile text exactly (quotes, backslashes, commas, =, line breaks, non-ASCII), at the event time with eventtime', async () => {
    const output = 'cmd=bash -c "cat C:\\dir\\" && echo a,b=c\nnext line — données 日本語';
    const hostile = alert({
      rule: 'Write below etc, really',
      time: '2026-11-23T14:05:27.146981532Z',
      output,
      output_fields: { 'fd.name': '/etc/a b,c=d', 'k8s.ns.name': '', 'proc.cmdline': 'sh -c "x\\y"' },
      hostname: 'worker 2',
    });
    expect(await sender({ eventtime: true, precision: 'u' }).send([hostile])).toEqual({ kind: 'ok', status: 204 });
    const stored = await rows(`SELECT * FROM events WHERE rule = 'Write_below_etc,_really'`, 'falco', 'u');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      time: 1795442727146981,
      value: output,
      'fd.name': '/etc/a_b,c=d',
      'proc.cmdline': 'sh_-c_"x\\y"',
      hostname: 'worker 2',
    });
    // The empty field is not a tag (InfluxDB would have refused the whole point).
    expect(stored[0]?.['k8s.ns.name'] ?? null).toBeNull();
  });

  it('retrying a write under eventtime replaces the point instead of adding one', async () => {
    const retried = alert({ rule: 'Retried rule', time: '2026-11-23T14:05:27.5Z' });
    const once = sender({ eventtime: true });
    expect(await once.send([retried])).toMatchObject({ kind: 'ok' });
    expect(await once.send([retried])).toMatchObject({ kind: 'ok' });
    expect(await rows(`SELECT * FROM events WHERE rule = 'Retried_rule'`)).toHaveLength(1);
  });

  it("reads InfluxDB's refusals: wrong password and missing database are fatal and say why, without the password", async () => {
    const wrong = await sender({ password: `${ADMIN.password}-old` }).send([alert()]);
    expect(wrong).toEqual({ kind: 'fatal', status: 401, reason: 'HTTP 401 authentication error: {"error":"authorization failed"}' });
    const missing = await sender({ database: 'nope' }).send([alert()]);
    expect(missing).toEqual({ kind: 'fatal', status: 404, reason: 'HTTP 404 resource not found: {"error":"database not found: \\"nope\\""}' });
    // InfluxDB 1.6 serves no v2 API: an organization makes every write a 404.
    expect(await sender({ organization: 'acme', token: 'tok' }).send([alert()])).toMatchObject({ kind: 'fatal', status: 404 });
  });

  it('the fake InfluxDB answers every line as this InfluxDB does', async () => {
    const fake = await new FakeInfluxdb({ databases: ['scratch'], credentials: ADMIN }).start();
    try {
      const bodies = [
        'events,rule=Test_rule,priority=Debug,source=syscalls,proc.name=falcosidekick,hostname=test-host,tags=test_example value="This is a test from falcosidekick"',
        'events,rule=a\\,b\\=c\\ d,k\\ e=v value="say \\"hi\\" C:\\\\dir \\x"',
        'events,rule=a value="line1\nline2"',
        // Another measurement: `value` is a string field in `events`, a type conflict here.
        'numbers,rule=a value=1i,n=2.5,b=true 1700000000000000000',
        'events,rule=Write_below_etc,_or_not value="x"',
        'events,rule=a,k8s.ns.name= value="x"',
        'events,rule=a=b value="x"',
        'events,rule=a,rule=b value="x"',
        'events,time=a value="x"',
        'events,rule=a value="C:\\"',
        'events,rule=abc\\ value="2"',
        'events',
        'events,rule=a value=abc',
        'events,rule=a value=1 12a',
        'events,rule=a value="ok"\nevents,rule=b value="bad',
      ];
      const url = (base: string): string => `${base}/write?db=scratch&precision=ns&${new URLSearchParams({ u: ADMIN.user, p: ADMIN.password }).toString()}`;
      for (const body of bodies) {
        const [real, faked] = await Promise.all([fetch(url(influxUrl), { method: 'POST', body }), fetch(url(fake.url), { method: 'POST', body })]);
        const answer = async (r: Response): Promise<unknown> => [r.status, r.status === 204 ? '' : JSON.parse(await r.text())];
        expect(await answer(faked), body).toEqual(await answer(real));
      }
    } finally {
      await fake.stop();
    }
  });

  it('delivers an alert posted to Peregrine, configured with falcosidekick env names', async () => {
    const server = await startTestServer({
      INFLUXDB_HOSTPORT: influxUrl,
      INFLUXDB_DATABASE: 'e2e',
      INFLUXDB_USER: ADMIN.user,
      INFLUXDB_PASSWORD: ADMIN.password,
      PEREGRINE_DELIVERY_INITIAL_BACKOFF: '100ms',
    });
    try {
      const body = JSON.stringify({
        time: new Date().toISOString(),
        rule: 'Terminal shell in container',
        priority: 'Notice',
        source: 'syscall',
        hostname: 'worker-2',
        output: 'A shell was spawned in a container with an attached terminal (user=root container=web)',
        output_fields: { 'container.name': 'web', 'user.name': 'root', 'proc.tty': 34816 },
        tags: ['shell', 'container'],
      });
      const posted = await fetch(`${server.compatUrl}/`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(posted.status).toBe(200);
      let stored: Row[] = [];
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        stored = await rows('SELECT * FROM events', 'e2e');
        if (stored.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        rule: 'Terminal_shell_in_container',
        priority: 'Notice',
        source: 'syscall',
        'container.name': 'web',
        'user.name': 'root',
        hostname: 'worker-2',
        tags: 'container_shell',
        value: 'A shell was spawned in a container with an attached terminal (user=root container=web)',
      });
    } finally {
      await server.stop();
    }
  });
});
