import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeDatadog } from '../testing/servers/datadog';
import { datadog } from './datadog';

const EVENTS = 'https://api.datadoghq.com/api/v1/events';
const KEY = '0123456789abcdef0123456789abcdef';

runOutputContract({
  definition: datadog,
  startSink: () => new FakeDatadog(CONTRACT_SECRET).start(),
  section: (sink) => ({ host: sink.url, apikey: CONTRACT_SECRET }),
  stored: (sink) => sink.events.length,
  payloads: [
    {
      // datadog_test.go: the reference alert; string fields only (proc.tty is a number), sorted tags last.
      name: 'falcosidekick datadog_test.go case (default host)',
      section: { apikey: KEY },
      requests: [
        {
          method: 'POST',
          url: EVENTS,
          headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick', 'DD-API-KEY': KEY },
          body:
            '{"title":"Test rule","text":"This is a test from falcosidekick","alert_type":"info","source_type_name":"falco",' +
            '"tags":["proc.name:falcosidekick","source:syscalls","source:falco","hostname:test-host","example","test"]}\n',
        },
      ],
    },
    {
      name: 'another site (trailing slash dropped); the key is never in the URL',
      section: { apikey: KEY, host: 'https://api.datadoghq.eu/' },
      requests: [{ method: 'POST', url: 'https://api.datadoghq.eu/api/v1/events', headers: { 'DD-API-KEY': KEY } }],
    },
    {
      name: 'alert_type by priority; no hostname or tags; empty output omitted; Go HTML-safe escaping',
      section: { apikey: KEY },
      alerts: [
        referenceAlert({ priority: 'Critical', hostname: '', tags: [], output: 'a <b> & c', output_fields: { 'k8s.ns.name': 'prod', 'evt.num': 3, 'fd.name': null } }),
        referenceAlert({ priority: 'Warning', hostname: '', tags: [], output: '', output_fields: {} }),
        referenceAlert({ priority: 'Notice', source: 'k8s_audit', hostname: '', tags: ['b', 'a'], output_fields: {} }),
      ],
      requests: [
        {
          method: 'POST',
          url: EVENTS,
          body: '{"title":"Test rule","text":"a \\u003cb\\u003e \\u0026 c","alert_type":"error","source_type_name":"falco","tags":["k8s.ns.name:prod","source:syscalls","source:falco"]}\n',
        },
        { method: 'POST', url: EVENTS, body: '{"title":"Test rule","alert_type":"warning","source_type_name":"falco","tags":["source:syscalls","source:falco"]}\n' },
        {
          method: 'POST',
          url: EVENTS,
          body: '{"title":"Test rule","text":"This is a test from falcosidekick","alert_type":"info","source_type_name":"falco","tags":["source:k8s_audit","source:falco","a","b"]}\n',
        },
      ],
    },
    {
      name: 'Emergency, Alert and Error are errors too',
      section: { apikey: KEY },
      alerts: (['Emergency', 'Alert', 'Error'] as const).map((priority) => referenceAlert({ priority, output_fields: {}, hostname: '', tags: [] })),
      requests: Array.from({ length: 3 }, () => ({
        method: 'POST',
        url: EVENTS,
        body: '{"title":"Test rule","text":"This is a test from falcosidekick","alert_type":"error","source_type_name":"falco","tags":["source:syscalls","source:falco"]}\n',
      })),
    },
  ],
});

describe('datadog', () => {
  it('is enabled by DATADOG_APIKEY, with DATADOG_HOST read as the site', () => {
    const { instances, problems } = parseOutputsConfig({}, { DATADOG_APIKEY: KEY, DATADOG_HOST: 'https://api.us5.datadoghq.com' });
    expect(problems).toEqual([]);
    const instance = instances.find((i) => i.type === 'datadog');
    expect(instance?.config).toMatchObject({ apikey: KEY, host: 'https://api.us5.datadoghq.com' });
    expect(datadog.plan(instance!, [referenceAlert()], 0)[0]!.spec.url).toBe('https://api.us5.datadoghq.com/api/v1/events');
  });

  it('is off without an API key, and refuses a host that is not a URL', () => {
    expect(parseOutputsConfig({ datadog: { host: 'https://api.datadoghq.eu' } }, {}).instances).toEqual([]);
    expect(parseOutputsConfig({ datadog: { apikey: KEY, host: 'api.datadoghq.eu' } }, {}).problems).toEqual(['datadog.host: must be an http:// or https:// URL']);
  });

  describe('against the fake Datadog', () => {
    let sink: FakeDatadog;
    beforeEach(async () => {
      sink = await new FakeDatadog(KEY).start();
    });
    afterEach(async () => {
      await sink.stop();
    });

    it('creates the event falcosidekick would, authenticated by the header', async () => {
      const sender = createSender(instanceFrom('datadog', { apikey: KEY, host: sink.url }), { clock: fixedClock });
      expect(await sender.send([realisticAlert()])).toEqual({ kind: 'ok', status: 202 });
      await sender.close();
      expect(sink.events).toEqual([
        {
          title: 'Terminal shell in container',
          text: realisticAlert().output,
          alert_type: 'info',
          source_type_name: 'falco',
          tags: [
            'container.id:5f1c5e6a0b7d',
            'k8s.ns.name:production',
            'k8s.pod.name:web-7c9f6d8b5-x2kqz',
            'proc.cmdline:bash -c ls /données/日本語',
            'proc.name:bash',
            'user.name:root',
            'source:syscall',
            'source:falco',
            'hostname:worker-2',
            'T1059',
            'container',
            'mitre_execution',
            'shell',
          ],
          keyFrom: 'header',
        },
      ]);
      expect(sink.requests[0]!.url).toBe('/api/v1/events');
    });

    it('a wrong API key is refused with 403 Forbidden: fatal, and the key is not in the reason', async () => {
      const sender = createSender(instanceFrom('datadog', { apikey: 'fedcba9876543210fedcba9876543210', host: sink.url }), { clock: fixedClock });
      expect(await sender.send([referenceAlert()])).toEqual({ kind: 'fatal', status: 403, reason: 'HTTP 403 access denied: {"errors":["Forbidden"]}' });
      await sender.close();
      expect(sink.events).toHaveLength(0);
    });

    it('an alert without a rule has no title, which Datadog refuses (400): fatal, not retried', async () => {
      const sender = createSender(instanceFrom('datadog', { apikey: KEY, host: sink.url }), { clock: fixedClock });
      expect(await sender.send([referenceAlert({ rule: '' })])).toEqual({ kind: 'fatal', status: 400, reason: 'HTTP 400 bad request: {"errors":["Event \'title\' is required"]}' });
      await sender.close();
    });

    it('the fake reads the key from ?api_key= too, as Datadog does (falcosidekick\'s way), and refuses a request without any', async () => {
      const body = JSON.stringify({ title: 't', text: 'x' });
      const viaQuery = await fetch(`${sink.url}/api/v1/events?api_key=${KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(viaQuery.status).toBe(202);
      expect(await viaQuery.json()).toMatchObject({ status: 'ok', event: { title: 't', text: 'x' } });
      const without = await fetch(`${sink.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(without.status).toBe(403);
      expect(await without.json()).toEqual({ errors: ['Forbidden'] });
      expect(sink.events.map((e) => e.keyFrom)).toEqual(['query']);
    });

    it('the fake refuses an unknown alert_type and non-string tags with 400', async () => {
      const post = async (event: unknown): Promise<number> =>
        (await fetch(`${sink.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'dd-api-key': KEY }, body: JSON.stringify(event) })).status;
      expect(await post({ title: 't', text: 'x', alert_type: 'critical' })).toBe(400);
      expect(await post({ title: 't', text: 'x', tags: [1] })).toBe(400);
      expect(await post({ title: 't', text: '' })).toBe(400);
      expect(sink.events).toHaveLength(0);
    });
  });
});
