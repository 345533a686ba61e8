import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSender, type OutputSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeInfluxdb, parseLine, parseLineProtocol } from '../testing/servers/influxdb';
import { influxdb, influxdbLine, lineProtocolString, lineProtocolTagText } from './influxdb';

const HOST = 'http://localhost:8086';
const HEADERS = { 'Content-Type': 'text/plain; charset=utf-8', Accept: 'application/json', 'User-Agent': 'Falcosidekick' };
// influxdb_test.go's expectation (there JSON-quoted by json.Marshal), for falcoTestInput.
const REFERENCE_LINE = 'events,rule=Test_rule,priority=Debug,source=syscalls,proc.name=falcosidekick,hostname=test-host,tags=test_example value="This is a test from falcosidekick"';

runOutputContract({
  definition: influxdb,
  startSink: () => new FakeInfluxdb({ credentials: { user: 'falco', password: CONTRACT_SECRET } }).start(),
  section: (sink) => ({ hostport: sink.url, user: 'falco', password: CONTRACT_SECRET }),
  stored: (sink) => sink.points.length,
  payloads: [
    {
      name: 'falcosidekick influxdb_test.go case (v1 API, default database and precision)',
      section: { hostport: HOST },
      requests: [{ method: 'POST', url: `${HOST}/write?db=falco&precision=ns`, headers: HEADERS, body: REFERENCE_LINE }],
    },
    {
      name: 'user and password go in the query string, as falcosidekick (main.go)',
      section: { hostport: HOST, user: 'admin', password: 's3cret' },
      requests: [{ method: 'POST', url: `${HOST}/write?db=falco&u=admin&p=s3cret&precision=ns`, body: REFERENCE_LINE }],
    },
    {
      name: 'a token is sent as Authorization: Token and disables user and password',
      section: { hostport: HOST, user: 'admin', password: 's3cret', token: 'tok' },
      requests: [{ method: 'POST', url: `${HOST}/write?db=falco&precision=ns`, headers: { ...HEADERS, Authorization: 'Token tok' }, body: REFERENCE_LINE }],
    },
    {
      name: 'organization and bucket select the v2 API',
      section: { hostport: HOST, organization: 'my-org', token: 'tok', precision: 's' },
      requests: [{ method: 'POST', url: `${HOST}/api/v2/write?org=my-org&bucket=falco&precision=s`, headers: { Authorization: 'Token tok' }, body: REFERENCE_LINE }],
    },
    {
      name: 'an empty precision is not sent; another database',
      section: { hostport: HOST, database: 'alerts', precision: '' },
      requests: [{ method: 'POST', url: `${HOST}/write?db=alerts`, body: REFERENCE_LINE }],
    },
    {
      name: 'a realistic alert: string fields in byte order, spaces as _ in rule and field values, numbers and nulls left out',
      section: { hostport: HOST },
      alerts: [realisticAlert()],
      requests: [
        {
          method: 'POST',
          url: `${HOST}/write?db=falco&precision=ns`,
          body:
            'events,rule=Terminal_shell_in_container,priority=Notice,source=syscall,container.id=5f1c5e6a0b7d,k8s.ns.name=production,k8s.pod.name=web-7c9f6d8b5-x2kqz,' +
            'proc.cmdline=bash_-c_ls_/données/日本語,proc.name=bash,user.name=root,hostname=worker-2,tags=T1059_container_mitre_execution_shell ' +
            'value="14:05:27.146981532: Notice A shell was spawned in a container with an attached terminal (user=root container=web k8s_ns=production)"',
        },
      ],
    },
    {
      name: 'what falcosidekick sent raw is escaped: quotes and backslashes in the output, , and = in tags; empty tags left out',
      section: { hostport: HOST },
      alerts: [
        referenceAlert({
          rule: 'Write below etc, or not',
          output: 'cmd=bash -c "cat C:\\x" done',
          output_fields: { 'proc.cmdline': 'a=b,c', 'k8s.ns.name': '', 'evt.type': 'open' },
          hostname: 'my host',
          tags: [],
        }),
      ],
      requests: [
        {
          method: 'POST',
          url: `${HOST}/write?db=falco&precision=ns`,
          body: 'events,rule=Write_below_etc\\,_or_not,priority=Debug,source=syscalls,evt.type=open,proc.cmdline=a\\=b\\,c,hostname=my\\ host value="cmd=bash -c \\"cat C:\\\\x\\" done"',
        },
      ],
    },
    {
      name: '★ eventtime: the Falco event time, in the precision',
      section: { hostport: HOST, precision: 'ms', eventtime: true },
      requests: [{ method: 'POST', url: `${HOST}/write?db=falco&precision=ms`, body: `${REFERENCE_LINE} 978311400000` }],
    },
  ],
});

describe('influxdb line protocol', () => {
  const line = (extra: Parameters<typeof referenceAlert>[0]): string => influxdbLine(referenceAlert(extra));

  it('leaves out tags InfluxDB cannot store: empty, ending in a backslash, named time or like a built-in tag', () => {
    const text = line({ source: '', output_fields: { a: '', b: 'x\\', c: 'x\\,y', time: 'now', rule: 'other', d: 'ok\\path' }, tags: [], hostname: '' });
    expect(text).toBe('events,rule=Test_rule,priority=Debug,d=ok\\path value="This is a test from falcosidekick"');
    expect(parseLine(text)).toMatchObject({ tags: { rule: 'Test_rule', priority: 'Debug', d: 'ok\\path' } });
  });

  it('writes line breaks in tags as _ (rule, fields) or spaces (they would end the line) and keeps them in the value', () => {
    const text = line({ output: 'one\ntwo', output_fields: { 'proc.cmdline': 'a\nb' }, hostname: 'h\r\nx', tags: [] });
    expect(parseLineProtocol(text)).toEqual({
      points: [{ measurement: 'events', tags: { rule: 'Test_rule', priority: 'Debug', source: 'syscalls', 'proc.cmdline': 'a_b', hostname: 'h x' }, fields: { value: 'one\ntwo' } }],
      errors: [],
    });
  });

  it('keeps the tags in the order falcosidekick writes them: rule, priority, source, fields, hostname, tags', () => {
    expect(line({ output_fields: { 'z.f': 'z', 'a.f': 'a' } })).toMatch(/^events,rule=[^,]+,priority=[^,]+,source=[^,]+,a\.f=a,z\.f=z,hostname=test-host,tags=test_example /);
  });

  it('the fake refuses the unescaped lines falcosidekick builds for such alerts, as InfluxDB does', () => {
    expect(parseLine('events,rule=Write_below_etc,_or_not,priority=Debug value="x"')).toBe('missing tag value');
    expect(parseLine('events,rule=a,k8s.ns.name= value="x"')).toBe('missing tag value');
    expect(parseLine('events,rule=a,proc.cmdline=a=b value="x"')).toBe('invalid tag format');
    expect(parseLine('events,rule=a value="C:\\"')).toBe('unbalanced quotes');
    expect(parseLineProtocol('events,rule=a,rule=b value="x"').errors).toEqual(['unable to parse \'events,rule=a,rule=b value="x"\': duplicate tags']);
  });

  // Characters that matter to line protocol, plus text that does not.
  const text = fc.string({ unit: fc.constantFrom(' ', ',', '=', '"', '\\', '\n', '\r', '\t', '#', 'a', 'Z', '0', 'é', '日', '😀', '.', '_'), maxLength: 12 });

  it('every alert becomes one line InfluxDB parses, with the output stored unchanged', () => {
    fc.assert(
      fc.property(text, text, fc.dictionary(text, text, { maxKeys: 4 }), text, fc.array(text, { maxLength: 3 }), (rule, output, fields, hostname, tags) => {
        const alert = referenceAlert({ rule, output, output_fields: fields, hostname, tags });
        const { points, errors } = parseLineProtocol(influxdbLine(alert));
        expect(errors).toEqual([]);
        expect(points).toHaveLength(1);
        expect(points[0]!.fields).toEqual({ value: output });
        // Every tag that is stored holds exactly the text falcosidekick would have meant.
        const flat = (s: string): string => s.replace(/\r\n|[\r\n]/g, ' ');
        const tagsStored = points[0]!.tags;
        if ('rule' in tagsStored) expect(tagsStored['rule']).toBe(rule.replace(/\r\n|[\r\n ]/g, '_'));
        if ('hostname' in tagsStored) expect(tagsStored['hostname']).toBe(flat(hostname));
        if ('tags' in tagsStored) expect(tagsStored['tags']).toBe(flat(tags.join('_')));
        // Plain values are never left out.
        if (/^[a-zA-Z0-9._]+$/.test(hostname)) expect(tagsStored['hostname']).toBe(hostname);
      }),
      { numRuns: 300 },
    );
  });

  it('escapes tag text and string values by the line-protocol rules', () => {
    expect(lineProtocolTagText('a b,c=d')).toBe('a\\ b\\,c\\=d');
    expect(lineProtocolTagText('')).toBeUndefined();
    expect(lineProtocolTagText('end\\')).toBeUndefined();
    expect(lineProtocolString('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"');
  });
});

describe('influxdb config', () => {
  it('reads falcosidekick env names and chooses the API as it does', () => {
    const v2 = parseOutputsConfig({}, { INFLUXDB_HOSTPORT: HOST, INFLUXDB_ORGANIZATION: 'org', INFLUXDB_BUCKET: 'b', INFLUXDB_TOKEN: 'tok', INFLUXDB_PRECISION: 'us' });
    expect(v2.problems).toEqual([]);
    expect(influxdb.plan(v2.instances[0]!, [referenceAlert()], 0)[0]!.spec.url).toBe(`${HOST}/api/v2/write?org=org&bucket=b&precision=us`);
    const v1 = parseOutputsConfig({}, { INFLUXDB_HOSTPORT: HOST, INFLUXDB_DATABASE: 'db', INFLUXDB_USER: 'u', INFLUXDB_PASSWORD: 'p' });
    expect(influxdb.plan(v1.instances[0]!, [referenceAlert()], 0)[0]!.spec.url).toBe(`${HOST}/write?db=db&u=u&p=p&precision=ns`);
    // An organization without a bucket stays on v1, as in falcosidekick.
    const noBucket = instanceFrom('influxdb', { hostport: HOST, organization: 'org', bucket: '' });
    expect(influxdb.plan(noBucket, [referenceAlert()], 0)[0]!.spec.url).toBe(`${HOST}/write?db=falco&precision=ns`);
  });

  it('refuses a config with nowhere to write (falcosidekick built a broken URL)', () => {
    expect(parseOutputsConfig({ influxdb: { hostport: HOST, database: '' } }, {}).problems).toEqual([
      'influxdb.database: is empty and organization/bucket are not both set: there is nowhere to write',
    ]);
  });

  it('refuses a precision the chosen API does not know', () => {
    expect(parseOutputsConfig({ influxdb: { hostport: HOST, precision: 'us' } }, {}).problems).toEqual(['influxdb.precision: must be one of n, ns, u, ms, s, m, h for the v1 API (or empty)']);
    expect(parseOutputsConfig({ influxdb: { hostport: HOST, organization: 'o', precision: 'h' } }, {}).problems).toEqual(['influxdb.precision: must be one of ns, us, ms, s for the v2 API (or empty)']);
  });

  it('percent-encodes query values and treats the encoded password as a secret too', () => {
    const instance = instanceFrom('influxdb', { hostport: HOST, database: 'a&b', user: 'me', password: 'p&ss#1+' });
    expect(influxdb.plan(instance, [referenceAlert()], 0)[0]!.spec.url).toBe(`${HOST}/write?db=a%26b&u=me&p=p%26ss%231%2B&precision=ns`);
    expect(instance.secrets).toEqual(expect.arrayContaining(['p&ss#1+', 'p%26ss%231%2B']));
  });

  it('eventtime floors the nanoseconds to the precision', () => {
    const alert = realisticAlert();
    expect(influxdbLine(alert, { eventtime: true, precision: 'ns' }).endsWith(' 1795442727146981532')).toBe(true);
    expect(influxdbLine(alert, { eventtime: true, precision: 'u' }).endsWith(' 1795442727146981')).toBe(true);
    expect(influxdbLine(alert, { eventtime: true, precision: 'h' }).endsWith(' 498734')).toBe(true);
    expect(influxdbLine(alert, { eventtime: true, precision: '' }).endsWith(' 1795442727146981532')).toBe(true);
  });
});

describe('influxdb against the fake InfluxDB', () => {
  let sink: FakeInfluxdb;
  const senders: OutputSender[] = [];
  const sender = (section: Record<string, unknown>): OutputSender => {
    const created = createSender(instanceFrom('influxdb', { hostport: sink.url, ...section }), { clock: fixedClock });
    senders.push(created);
    return created;
  };

  beforeEach(async () => {
    sink = await new FakeInfluxdb({ organization: 'acme', buckets: ['falco', 'audit'], token: CONTRACT_SECRET, credentials: { user: 'falco', password: 'pw' } }).start();
  });
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
    await sink.stop();
  });

  it('v2: delivered to the bucket with the token, as a point with the tags and value', async () => {
    expect(await sender({ organization: 'acme', bucket: 'audit', token: CONTRACT_SECRET }).send([referenceAlert()])).toEqual({ kind: 'ok', status: 204 });
    expect(sink.points).toEqual([
      {
        api: 'v2',
        target: 'audit',
        precision: 'ns',
        measurement: 'events',
        tags: { rule: 'Test_rule', priority: 'Debug', source: 'syscalls', 'proc.name': 'falcosidekick', hostname: 'test-host', tags: 'test_example' },
        fields: { value: 'This is a test from falcosidekick' },
      },
    ]);
  });

  it('v2: a wrong token is fatal (401) and the reason never shows it', async () => {
    const result = await sender({ organization: 'acme', token: `${CONTRACT_SECRET}-old` }).send([referenceAlert()]);
    expect(result).toEqual({ kind: 'fatal', status: 401, reason: 'HTTP 401 authentication error: {"code":"unauthorized","message":"unauthorized access"}' });
  });

  it('v2: an unknown bucket is fatal (404) and says which', async () => {
    const result = await sender({ organization: 'acme', bucket: 'nope', token: CONTRACT_SECRET }).send([referenceAlert()]);
    expect(result).toEqual({ kind: 'fatal', status: 404, reason: 'HTTP 404 resource not found: {"code":"not found","message":"bucket \\"nope\\" not found"}' });
  });

  it('v2: the token is redacted when the sink echoes the request', async () => {
    sink.answerNext({ status: 500, echo: true, body: 'boom' });
    const result = await sender({ organization: 'acme', token: CONTRACT_SECRET }).send([referenceAlert()]);
    expect(sink.echoes.join(' ')).toContain(CONTRACT_SECRET);
    expect(result).toMatchObject({ kind: 'retryable', status: 500 });
    expect(JSON.stringify(result)).not.toContain(CONTRACT_SECRET);
  });

  it('v1: a missing database is fatal (404 database not found)', async () => {
    const result = await sender({ database: 'nope', user: 'falco', password: 'pw' }).send([referenceAlert()]);
    expect(result).toEqual({ kind: 'fatal', status: 404, reason: 'HTTP 404 resource not found: {"error":"database not found: \\"nope\\""}' });
  });

  it('v1: no or wrong credentials are fatal (401), as InfluxDB words them', async () => {
    expect(await sender({}).send([referenceAlert()])).toMatchObject({ kind: 'fatal', status: 401, reason: 'HTTP 401 authentication error: {"error":"unable to parse authentication credentials"}' });
    expect(await sender({ user: 'falco', password: 'bad' }).send([referenceAlert()])).toMatchObject({ kind: 'fatal', status: 401, reason: 'HTTP 401 authentication error: {"error":"authorization failed"}' });
  });

  it('v1: hostile text round-trips through the fake exactly', async () => {
    const output = 'a "quoted" C:\\dir\\ line\nbreak, =';
    expect(await sender({ user: 'falco', password: 'pw', eventtime: true }).send([referenceAlert({ output, output_fields: { 'fd.name': '/tmp/a b,c=d' } })])).toMatchObject({ kind: 'ok' });
    expect(sink.points[0]).toMatchObject({ fields: { value: output }, tags: { 'fd.name': '/tmp/a_b,c=d' }, timestamp: '978311400000000000' });
  });
});
