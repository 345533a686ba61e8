import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UndiciTransport } from '../http';
import { createSender } from '../output';
import { fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeLoki } from '../testing/servers/loki';
import { loki, lokiLabelName } from './loki';

const HOST = 'http://loki:3100';
const PUSH = `${HOST}/loki/api/v1/push`;
const REFERENCE_STREAM = '{"hostname":"test-host","priority":"Debug","rule":"Test rule","source":"syscalls","tags":"example,test"}';

runOutputContract({
  definition: loki,
  startSink: () => new FakeLoki({ basicAuth: { user: 'grafana', password: CONTRACT_SECRET } }).start(),
  section: (sink) => ({ hostport: sink.url, user: 'grafana', apikey: CONTRACT_SECRET }),
  stored: (sink) => sink.entries.length,
  secretForms: [Buffer.from(`grafana:${CONTRACT_SECRET}`).toString('base64')],
  payloads: [
    {
      // loki_test.go: empty configuration → text format, labels exactly these five.
      name: 'falcosidekick loki_test.go case',
      section: { hostport: HOST },
      requests: [
        {
          method: 'POST',
          url: PUSH,
          headers: { 'Content-Type': 'application/json', 'User-Agent': 'Falcosidekick' },
          body: `{"streams":[{"stream":${REFERENCE_STREAM},"values":[["978311400000000000","This is a test from falcosidekick"]]}]}\n`,
        },
      ],
    },
    {
      name: 'format json: the line is the serialised alert',
      section: { hostport: HOST, format: 'json', endpoint: '/custom/push' },
      requests: [
        {
          method: 'POST',
          url: `${HOST}/custom/push`,
          body:
            `{"streams":[{"stream":${REFERENCE_STREAM},"values":[["978311400000000000",` +
            '"{\\"output\\":\\"This is a test from falcosidekick\\",\\"priority\\":\\"Debug\\",\\"rule\\":\\"Test rule\\",\\"time\\":\\"2001-01-01T01:10:00Z\\",\\"output_fields\\":{\\"proc.name\\":\\"falcosidekick\\",\\"proc.tty\\":1234},\\"source\\":\\"syscalls\\",\\"tags\\":[\\"test\\",\\"example\\"],\\"hostname\\":\\"test-host\\"}"' +
            ']]}]}\n',
        },
      ],
    },
    {
      name: 'tenant, basic auth (only with user and apikey) and custom headers',
      section: { hostport: HOST, tenant: 'acme', user: 'u', apikey: 'k', customheaders: { 'X-Extra': 'yes' } },
      requests: [{ method: 'POST', url: PUSH, headers: { 'X-Scope-OrgID': 'acme', Authorization: 'Basic dTpr', 'X-Extra': 'yes', 'Content-Type': 'application/json' } }],
    },
    {
      name: 'k8s labels, custom/templated fields and extralabels become labels (strings only, quotes removed)',
      section: { hostport: HOST, extralabels: 'proc.name, user.name,proc.tty' },
      tree: { customfields: { env: 'prod' }, templatedfields: { team: '{{ .x }}' } },
      alerts: [
        referenceAlert({
          output_fields: { 'proc.name': 'sh "x"', 'proc.tty': 1, env: 'prod', team: 'blue', 'k8s.ns.name': 'ns', 'k8s.pod.name': 'pod', 'other.field': 'ignored' },
          tags: [],
          hostname: '',
        }),
      ],
      requests: [
        {
          method: 'POST',
          url: PUSH,
          body: `{"streams":[{"stream":{"env":"prod","k8s_ns_name":"ns","k8s_pod_name":"pod","priority":"Debug","proc_name":"sh x","rule":"Test rule","source":"syscalls","team":"blue"},"values":[["978311400000000000","This is a test from falcosidekick"]]}]}\n`,
        },
      ],
    },
    {
      name: 'several pending alerts: one push, one stream per label set, event-time timestamps',
      section: { hostport: HOST },
      alerts: [referenceAlert(), referenceAlert({ priority: 'Error', time: '2024-01-02T03:04:05.123456789Z' }), referenceAlert({ output: 'second', time: '2001-01-01T01:10:00.5Z' })],
      requests: [
        {
          method: 'POST',
          url: PUSH,
          body:
            `{"streams":[{"stream":${REFERENCE_STREAM},"values":[["978311400000000000","This is a test from falcosidekick"],["978311400500000000","second"]]},` +
            `{"stream":${REFERENCE_STREAM.replace('Debug', 'Error')},"values":[["1704164645123456789","This is a test from falcosidekick"]]}]}\n`,
        },
      ],
    },
  ],
});

describe('loki labels', () => {
  it('keeps falcosidekick names when valid, and repairs names Loki would refuse', () => {
    expect(lokiLabelName('proc.aname[2]')).toBe('proc_aname2');
    expect(lokiLabelName('k8s.ns.name')).toBe('k8s_ns_name');
    expect(lokiLabelName('json.value[/user/extra]')).toBe('json_value_user_extra');
    expect(lokiLabelName('my-field')).toBe('my_field');
    expect(lokiLabelName('1st')).toBe('_1st');
  });

  it('pushes up to maxbatch alerts at once (default 100)', () => {
    expect(instanceFrom('loki', { hostport: HOST }).maxBatch).toBe(100);
    expect(instanceFrom('loki', { hostport: HOST, maxbatch: 5 }).maxBatch).toBe(5);
  });
});

describe('loki against the fake Loki', () => {
  let sink: FakeLoki;
  beforeEach(async () => {
    sink = await new FakeLoki({ requireTenant: true }).start();
  });
  afterEach(async () => {
    await sink.stop();
  });

  it('delivers a batch with tenant; entries keep labels, ns timestamps and lines', async () => {
    const sender = createSender(instanceFrom('loki', { hostport: sink.url, tenant: 'acme', extralabels: 'user.name' }), { clock: fixedClock });
    expect(await sender.send([realisticAlert(), referenceAlert()])).toEqual({ kind: 'ok', status: 204 });
    expect(sink.entries).toEqual([
      {
        labels: {
          hostname: 'worker-2',
          k8s_ns_name: 'production',
          k8s_pod_name: 'web-7c9f6d8b5-x2kqz',
          priority: 'Notice',
          rule: 'Terminal shell in container',
          source: 'syscall',
          tags: 'T1059,container,mitre_execution,shell',
          user_name: 'root',
        },
        timestamp: '1795442727146981532',
        line: realisticAlert().output,
        tenant: 'acme',
      },
      { labels: JSON.parse(REFERENCE_STREAM) as Record<string, string>, timestamp: '978311400000000000', line: 'This is a test from falcosidekick', tenant: 'acme' },
    ]);
    await sender.close();
  });

  it('without the tenant a multi-tenant Loki answers 401 → fatal', async () => {
    const sender = createSender(instanceFrom('loki', { hostport: sink.url }), { clock: fixedClock });
    expect(await sender.send([referenceAlert()])).toMatchObject({ kind: 'fatal', status: 401 });
    await sender.close();
  });

  describe('the fake refuses what Loki refuses', () => {
    const transport = new UndiciTransport({ timeoutMs: 2000, checkCert: true, maxConnections: 1 });
    afterAll(() => transport.close());
    const push = async (body: string, contentType = 'application/json'): Promise<number> => {
      const outcome = await transport.send({ method: 'POST', url: `${sink.url}/loki/api/v1/push`, headers: { 'Content-Type': contentType, 'X-Scope-OrgID': 't' }, body });
      return outcome.kind === 'response' ? outcome.response.status : 0;
    };
    const stream = (values: unknown, labels: unknown = { a: 'b' }): string => JSON.stringify({ streams: [{ stream: labels, values }] });

    it('accepts a well-formed push', async () => {
      expect(await push(stream([['1', 'line']]))).toBe(204);
    });
    it.each([
      ['a numeric timestamp', stream([[1, 'line']])],
      ['a non-numeric timestamp', stream([['soon', 'line']])],
      ['a missing line', stream([['1']])],
      ['a non-string label value', stream([['1', 'x']], { a: 1 })],
      ['an invalid label name', stream([['1', 'x']], { 'a.b': 'c' })],
      ['no labels', stream([['1', 'x']], {})],
      ['not JSON', '{"streams": ['],
    ])('refuses %s with 400', async (_what, body) => {
      expect(await push(body)).toBe(400);
    });
    it('reads any other content type as protobuf and fails', async () => {
      expect(await push(stream([['1', 'line']]), 'text/plain')).toBe(400);
    });
  });
});
