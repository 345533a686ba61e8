import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeOpsgenie } from '../testing/servers/opsgenie';
import { opsgenie } from './opsgenie';

const US = 'https://api.opsgenie.com/v2/alerts';
const EU = 'https://api.eu.opsgenie.com/v2/alerts';
const KEY = 'eb243592-faa2-4ba2-a551-1afdf565c889';

/** The details falcosidekick derives from the reference alert (opsgenie_test.go), keys sorted as Go writes a map. */
const REFERENCE_DETAILS = '{"hostname":"test-host","priority":"Debug","proc_name":"falcosidekick","rule":"Test rule","source":"syscalls","tags":"test, example"}';

runOutputContract({
  definition: opsgenie,
  startSink: () => new FakeOpsgenie({ apiKey: CONTRACT_SECRET }).start(),
  section: (sink) => ({ apikey: CONTRACT_SECRET, url: sink.alertsUrl }),
  stored: (sink) => sink.alerts.length,
  payloads: [
    {
      // opsgenie_test.go: message = output, entity, description = rule, details, P5 for Debug.
      name: 'falcosidekick opsgenie_test.go case (region us by default)',
      section: { apikey: KEY },
      requests: [
        {
          method: 'POST',
          url: US,
          headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick', Authorization: `GenieKey ${KEY}` },
          body: `{"message":"This is a test from falcosidekick","entity":"Falcosidekick","description":"Test rule","details":${REFERENCE_DETAILS},"priority":"P5"}\n`,
        },
      ],
    },
    {
      name: 'region eu (any case) picks the EU host',
      section: { apikey: KEY, region: 'EU' },
      requests: [{ method: 'POST', url: EU, headers: { Authorization: `GenieKey ${KEY}` } }],
    },
    {
      name: '★ url replaces the region\'s host',
      section: { apikey: KEY, region: 'eu', url: 'http://127.0.0.1:9000/v2/alerts' },
      requests: [{ method: 'POST', url: 'http://127.0.0.1:9000/v2/alerts' }],
    },
    {
      name: 'P1–P5 by priority; only string fields, dots → underscores; source/rule/priority win; no hostname or tags',
      section: { apikey: KEY },
      alerts: [
        referenceAlert({ priority: 'Emergency', hostname: '', tags: [], output_fields: { 'k8s.ns.name': 'prod', 'evt.num': 3, 'fd.name': null, rule: 'shadowed' } }),
        ...(['Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational'] as const).map((priority) => referenceAlert({ priority, hostname: '', tags: [], output_fields: {} })),
      ],
      requests: [
        {
          method: 'POST',
          url: US,
          body: '{"message":"This is a test from falcosidekick","entity":"Falcosidekick","description":"Test rule","details":{"k8s_ns_name":"prod","priority":"Emergency","rule":"Test rule","source":"syscalls"},"priority":"P1"}\n',
        },
        ...(
          [
            ['Alert', 'P1'],
            ['Critical', 'P2'],
            ['Error', 'P3'],
            ['Warning', 'P4'],
            ['Notice', 'P5'],
            ['Informational', 'P5'],
          ] as const
        ).map(([priority, p]) => ({
          method: 'POST',
          url: US,
          body: `{"message":"This is a test from falcosidekick","entity":"Falcosidekick","description":"Test rule","details":{"priority":"${priority}","rule":"Test rule","source":"syscalls"},"priority":"${p}"}\n`,
        })),
      ],
    },
    {
      name: 'an empty output is still sent as "message" (not omitempty); an empty rule drops the description',
      section: { apikey: KEY },
      alerts: [referenceAlert({ output: '', rule: '', hostname: '', tags: [], output_fields: {} })],
      requests: [{ method: 'POST', url: US, body: '{"message":"","entity":"Falcosidekick","details":{"priority":"Debug","rule":"","source":"syscalls"},"priority":"P5"}\n' }],
    },
  ],
});

describe('opsgenie', () => {
  it('is enabled by OPSGENIE_APIKEY, with OPSGENIE_REGION and OPSGENIE_URL', () => {
    const { instances, problems } = parseOutputsConfig({}, { OPSGENIE_APIKEY: KEY, OPSGENIE_REGION: 'eu' });
    expect(problems).toEqual([]);
    const instance = instances.find((i) => i.type === 'opsgenie')!;
    expect(opsgenie.plan(instance, [referenceAlert()], 0)[0]!.spec.url).toBe(EU);
    const local = parseOutputsConfig({}, { OPSGENIE_APIKEY: KEY, OPSGENIE_URL: 'http://localhost:8080/v2/alerts' }).instances[0]!;
    expect(opsgenie.plan(local, [referenceAlert()], 0)[0]!.spec.url).toBe('http://localhost:8080/v2/alerts');
  });

  it('refuses a region other than us/eu instead of silently using the US host', () => {
    expect(parseOutputsConfig({ opsgenie: { apikey: KEY, region: 'europe' } }, {}).problems).toEqual(['opsgenie.region: must be one of us, eu']);
  });

  describe('against the fake Opsgenie', () => {
    let sink: FakeOpsgenie;
    beforeEach(async () => {
      sink = await new FakeOpsgenie({ apiKey: KEY, accountKey: '11111111-2222-3333-4444-555555555555' }).start();
    });
    afterEach(async () => {
      await sink.stop();
    });
    const send = async (apikey: string, alert = referenceAlert()): Promise<unknown> => {
      const sender = createSender(instanceFrom('opsgenie', { apikey, url: sink.alertsUrl }), { clock: fixedClock });
      const result = await sender.send([alert]);
      await sender.close();
      return result;
    };

    it('accepts the alert (202, processed asynchronously) with falcosidekick\'s details', async () => {
      expect(await send(KEY, realisticAlert())).toEqual({ kind: 'ok', status: 202 });
      expect(sink.alerts).toHaveLength(1);
      const stored = sink.alerts[0]!;
      // Opsgenie keeps 130 characters of the message.
      expect(stored.message).toBe(realisticAlert().output.slice(0, 130));
      expect(stored).toMatchObject({ entity: 'Falcosidekick', description: 'Terminal shell in container', priority: 'P5' });
      expect(stored.details).toEqual({
        container_id: '5f1c5e6a0b7d',
        k8s_ns_name: 'production',
        k8s_pod_name: 'web-7c9f6d8b5-x2kqz',
        proc_cmdline: 'bash -c ls /données/日本語',
        proc_name: 'bash',
        user_name: 'root',
        source: 'syscall',
        rule: 'Terminal shell in container',
        priority: 'Notice',
        hostname: 'worker-2',
        tags: 'T1059, container, mitre_execution, shell',
      });
    });

    it('a mistyped key (not UUID-shaped) is 422 "Key format is not valid!": fatal', async () => {
      expect(await send('not-a-key')).toMatchObject({ kind: 'fatal', status: 422, reason: expect.stringContaining('Key format is not valid!') as unknown });
    });

    it('an unknown key is 401 and an account (non-integration) key 403: both fatal', async () => {
      expect(await send('99999999-8888-7777-6666-555555555555')).toMatchObject({ kind: 'fatal', status: 401, reason: expect.stringContaining('Could not authenticate') as unknown });
      expect(await send('11111111-2222-3333-4444-555555555555')).toMatchObject({ kind: 'fatal', status: 403, reason: expect.stringContaining('40301') as unknown });
      expect(sink.alerts).toHaveLength(0);
    });

    it('an alert with an empty output has no message, which Opsgenie refuses (422): fatal', async () => {
      const result = await send(KEY, referenceAlert({ output: '' }));
      expect(result).toMatchObject({ kind: 'fatal', status: 422, reason: expect.stringContaining('Message can not be empty.') as unknown });
    });

    it('the fake refuses a request without the GenieKey scheme, and a bad priority', async () => {
      const post = async (authorization: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
        const response = await fetch(sink.alertsUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) });
        return { status: response.status, json: (await response.json()) as Record<string, unknown> };
      };
      const bearer = await post(`Bearer ${KEY}`, { message: 'x' });
      expect(bearer.status).toBe(401);
      expect(bearer.json).toMatchObject({ message: 'Could not authenticate', requestId: expect.any(String) as unknown });
      const badPriority = await post(`GenieKey ${KEY}`, { message: 'x', priority: 'P0' });
      expect(badPriority.status).toBe(422);
      expect(badPriority.json['errors']).toEqual({ priority: 'Priority should be one of [P1, P2, P3, P4, P5]' });
      const accepted = await post(`GenieKey ${KEY}`, { message: 'x' });
      expect(accepted.status).toBe(202);
      expect(accepted.json).toMatchObject({ result: 'Request will be processed', took: expect.any(Number) as unknown, requestId: expect.any(String) as unknown });
    });
  });
});
