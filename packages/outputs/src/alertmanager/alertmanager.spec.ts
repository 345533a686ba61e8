import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LosslessNumber } from 'lossless-json';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UndiciTransport } from '../http';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { alertFromFalcoJson, fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeAlertmanager } from '../testing/servers/alertmanager';
import { alertmanager, alertmanagerSafeLabel, parseDropThresholds } from './alertmanager';

const HOST = 'http://alertmanager:9093';
const URL = `${HOST}/api/v2/alerts`;
const OUTPUT = 'This is a test from falcosidekick';
const REFERENCE =
  '{"labels":{"alertname":"Test rule","eventsource":"syscalls","hostname":"test-host","priority":"Debug","proc_name":"falcosidekick","proc_tty":"1234","rule":"Test rule","severity":"information","source":"falco","tags":"example,test"},' +
  `"annotations":{"description":"${OUTPUT}","info":"${OUTPUT}","summary":"Test rule"},"endsAt":"0001-01-01T00:00:00Z"}`;

const dropEvent = alertFromFalcoJson(readFileSync(join(__dirname, '../../../../fixtures/alerts/falcosidekick-drop-event.json'), 'utf8'));
const DROP_OUTPUT = 'Falco internal: syscall event drop. 815508 system calls dropped in last second.';
const DROP_ANNOTATIONS = `"annotations":{"description":"${DROP_OUTPUT}","info":"${DROP_OUTPUT}","summary":"Falco internal: syscall event drop"}`;

runOutputContract({
  definition: alertmanager,
  startSink: () => new FakeAlertmanager().start(),
  section: (sink) => ({ hostport: sink.url, customheaders: { Authorization: `Bearer ${CONTRACT_SECRET}` } }),
  stored: (sink) => sink.alerts.length,
  payloads: [
    {
      // alertmanager_test.go TestNewAlertmanagerPayloadO (numbers as their text, constant source=falco).
      name: 'falcosidekick alertmanager_test.go reference alert',
      section: { hostport: HOST },
      requests: [{ method: 'POST', url: URL, headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick' }, body: `[${REFERENCE}]\n` }],
    },
    {
      // TestNewAlertmanagerPayloadDropEvent: counters bucketed by the thresholds, n_evts dropped, priority raised.
      name: 'falcosidekick drop event (thresholds as its test sets them)',
      section: { hostport: HOST, dropeventthresholds: '10000:critical, 1000:critical, 100:critical, 10:warning, 1:warning' },
      alerts: [dropEvent],
      requests: [
        {
          method: 'POST',
          url: URL,
          body:
            '[{"labels":{"alertname":"Falco internal: syscall event drop","ebpf_enabled":"1","eventsource":"","hostname":"host","n_drops":"\\u003e10000",' +
            '"n_drops_buffer_clone_fork_enter":"0","n_drops_buffer_clone_fork_exit":"0","n_drops_buffer_connect_enter":"0","n_drops_buffer_connect_exit":"0",' +
            '"n_drops_buffer_dir_file_enter":"\\u003e100","n_drops_buffer_dir_file_exit":"\\u003e100","n_drops_buffer_execve_enter":"0","n_drops_buffer_execve_exit":"0",' +
            '"n_drops_buffer_open_enter":"\\u003e100","n_drops_buffer_open_exit":"\\u003e100","n_drops_buffer_other_interest_enter":"0","n_drops_buffer_other_interest_exit":"0",' +
            '"n_drops_buffer_total":"\\u003e10000","n_drops_bug":"0","n_drops_page_faults":"0","n_drops_scratch_map":"0",' +
            '"priority":"Critical","rule":"Falco internal: syscall event drop","severity":"critical","source":"falco"},' +
            `${DROP_ANNOTATIONS},"endsAt":"0001-01-01T00:00:00Z"}]\n`,
        },
      ],
    },
    {
      // TestNewAlertmanagerPayloadBadLabels.
      name: 'falcosidekick bad label names',
      section: { hostport: HOST },
      alerts: [{ ...dropEvent, output_fields: { 'ebpf/enabled': '1', 'n drops/buffer?clone{fork]enter': '0', n_drops_buffer_clone_fork_exit: '0' } }],
      requests: [
        {
          method: 'POST',
          url: URL,
          body:
            '[{"labels":{"alertname":"Falco internal: syscall event drop","ebpf_enabled":"1","eventsource":"","hostname":"host","n_drops_buffer_clone_fork_enter":"0","n_drops_buffer_clone_fork_exit":"0",' +
            '"priority":"Warning","rule":"Falco internal: syscall event drop","severity":"warning","source":"falco"},' +
            `${DROP_ANNOTATIONS},"endsAt":"0001-01-01T00:00:00Z"}]\n`,
        },
      ],
    },
    {
      name: 'numeric drop counters (newer Falco) are bucketed too',
      section: { hostport: HOST },
      alerts: [{ ...dropEvent, output_fields: { n_drops: 815508, n_drops_buffer_total: new LosslessNumber('815508'), n_drops_bug: 0, n_drops_odd: 1.5 } }],
      requests: [
        {
          method: 'POST',
          url: URL,
          body:
            '[{"labels":{"alertname":"Falco internal: syscall event drop","eventsource":"","hostname":"host","n_drops":"\\u003e10000","n_drops_buffer_total":"\\u003e10000","n_drops_bug":"0",' +
            '"priority":"Critical","rule":"Falco internal: syscall event drop","severity":"critical","source":"falco"},' +
            `${DROP_ANNOTATIONS},"endsAt":"0001-01-01T00:00:00Z"}]\n`,
        },
      ],
    },
    {
      name: 'expiresafter, extra labels/annotations (applied last), custom severity map, custom headers',
      section: {
        hostport: HOST,
        expiresafter: 3600,
        extralabels: 'cluster:prod, source:override',
        extraannotations: { runbook: 'https://runbooks/x' },
        customseveritymap: 'debug:low',
        customheaders: { 'X-Org': '1' },
      },
      requests: [
        {
          method: 'POST',
          url: URL,
          headers: { 'X-Org': '1' },
          body:
            '[{"labels":{"alertname":"Test rule","cluster":"prod","eventsource":"syscalls","hostname":"test-host","priority":"Debug","proc_name":"falcosidekick","proc_tty":"1234","rule":"Test rule","severity":"low","source":"override","tags":"example,test"},' +
            `"annotations":{"description":"${OUTPUT}","info":"${OUTPUT}","runbook":"https://runbooks/x","summary":"Test rule"},"endsAt":"2001-01-01T02:10:00Z"}]\n`,
        },
      ],
    },
    {
      name: 'every hostport receives every alert, several alerts per POST',
      section: { hostport: `${HOST},http://alertmanager-2:9093`, endpoint: '/api/v2/alerts' },
      alerts: [referenceAlert(), referenceAlert()],
      requests: [
        { method: 'POST', url: URL, body: `[${REFERENCE},${REFERENCE}]\n` },
        { method: 'POST', url: 'http://alertmanager-2:9093/api/v2/alerts', body: `[${REFERENCE},${REFERENCE}]\n` },
      ],
    },
  ],
});

describe('alertmanager details', () => {
  it.each([
    ['host', 'host'],
    ['host_name', 'host_name'],
    ['host{name}', 'host_name'],
    ['host[name]', 'host_name'],
    ['{host}[name]', 'host_name'],
    ['host[name]other', 'host_name_other'],
    ['host(name)', 'host_name'],
    ['json.value[/user/extra/sessionName]', 'json_value_user_extra_sessionName'],
  ])('sanitises label %s as falcosidekick (%s)', (input, expected) => {
    expect(alertmanagerSafeLabel(input)).toBe(expected);
  });

  it('parses thresholds, sorts them highest first, and names bad entries', () => {
    expect(parseDropThresholds('10:warning, 1000 : critical').thresholds).toEqual([
      { value: 1000n, priority: 'Critical' },
      { value: 10n, priority: 'Warning' },
    ]);
    expect(parseDropThresholds('10:nope,x:warning,5').issues).toHaveLength(3);
    const { problems } = parseOutputsConfig({ alertmanager: { hostport: HOST, dropeventthresholds: '10:nope', customseveritymap: 'urgent:page', extralabels: 'bad-name:x' } }, {});
    expect(problems).toEqual([
      'alertmanager.extralabels: "bad-name" is not a valid label name',
    ]);
    const more = parseOutputsConfig({ alertmanager: { hostport: HOST, dropeventthresholds: '10:nope', customseveritymap: 'urgent:page' } }, {});
    expect(more.problems).toEqual([
      'alertmanager.dropeventthresholds: "10:nope": needs a priority after the colon (e.g. 100:warning)',
      'alertmanager.customseveritymap: "urgent" is not a Falco priority',
    ]);
  });

  it('reads hostport as a YAML list or the comma-separated env form, and checks each URL', () => {
    expect(instanceFrom('alertmanager', { hostport: [HOST, 'http://b:9093'] }).config['hostport']).toEqual([HOST, 'http://b:9093']);
    expect(instanceFrom('alertmanager', {}, { ALERTMANAGER_HOSTPORT: `${HOST}, http://b:9093` }).config['hostport']).toEqual([HOST, 'http://b:9093']);
    expect(parseOutputsConfig({ alertmanager: { hostport: 'alertmanager:9093' } }, {}).problems).toEqual(['alertmanager.hostport: entry 1 must be an http:// or https:// URL']);
  });

  it('skips output fields whose sanitised name AlertManager would refuse (falcosidekick would lose the alert)', () => {
    const body = String(alertmanager.plan(instanceFrom('alertmanager', { hostport: HOST }), [referenceAlert({ output_fields: { '123': 'x', '...': 'y', ok: 'z' } })], 0)[0]!.spec.body);
    expect(body).toContain('"ok":"z"');
    expect(body).not.toContain('"123"');
    expect(body).not.toContain('"":');
  });
});

describe('alertmanager against fake AlertManagers', () => {
  let first: FakeAlertmanager;
  let second: FakeAlertmanager;
  beforeEach(async () => {
    first = await new FakeAlertmanager().start();
    second = await new FakeAlertmanager().start();
  });
  afterEach(async () => {
    await first.stop();
    await second.stop();
  });

  it('both HA peers get every alert; labels as AlertManager lists them', async () => {
    const sender = createSender(instanceFrom('alertmanager', { hostport: [first.url, second.url], expiresafter: 300 }), { clock: fixedClock });
    expect(await sender.send([realisticAlert(), referenceAlert(), dropEvent])).toEqual({ kind: 'ok', status: 200 });
    for (const sink of [first, second]) {
      expect(sink.alerts).toHaveLength(3);
      expect(sink.alerts[0]!.labels).toMatchObject({ alertname: 'Terminal shell in container', k8s_ns_name: 'production', evt_time: '1795442727146981532', severity: 'information' });
      expect(sink.alerts[0]!.endsAt).toBe('2026-11-23T14:10:27.146981532Z');
    }
    await sender.close();
  });

  it('one peer down → retry (re-sending to the other is harmless: AlertManager dedupes)', async () => {
    const down = second.url;
    await second.stop();
    const sender = createSender(instanceFrom('alertmanager', { hostport: [first.url, down] }), { clock: fixedClock });
    const result = await sender.send([referenceAlert()]);
    expect(result).toMatchObject({ kind: 'retryable' });
    expect(first.alerts).toHaveLength(1);
    await sender.close();
    second = await new FakeAlertmanager().start();
  });

  describe('the fake refuses what AlertManager refuses', () => {
    const transport = new UndiciTransport({ timeoutMs: 2000, checkCert: true, maxConnections: 1 });
    afterAll(() => transport.close());
    const post = async (body: unknown, contentType = 'application/json'): Promise<number> => {
      const outcome = await transport.send({ method: 'POST', url: `${first.url}/api/v2/alerts`, headers: { 'Content-Type': contentType }, body: JSON.stringify(body) });
      return outcome.kind === 'response' ? outcome.response.status : 0;
    };
    it.each([
      ['an object instead of an array', { labels: { a: 'b' } }, 422],
      ['an alert without labels', [{ annotations: {} }], 422],
      ['a non-string label value', [{ labels: { a: 1 } }], 422],
      ['a bad date', [{ labels: { a: 'b' }, endsAt: 'tomorrow' }], 422],
      ['an empty label set', [{ labels: {} }], 400],
      ['an invalid label name', [{ labels: { 'a.b': 'c' } }], 400],
      ['endsAt before startsAt', [{ labels: { a: 'b' }, startsAt: '2024-01-02T00:00:00Z', endsAt: '2024-01-01T00:00:00Z' }], 400],
    ])('%s', async (_what, body, status) => {
      expect(await post(body)).toBe(status);
    });
    it('a wrong content type → 415', async () => {
      expect(await post([{ labels: { a: 'b' } }], 'text/plain')).toBe(415);
    });
  });
});
