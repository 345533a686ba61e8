import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { alertFromFalcoJson, fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakePagerduty } from '../testing/servers/pagerduty';
import { goRfc3339Seconds, pagerduty } from './pagerduty';

const US = 'https://events.pagerduty.com/v2/enqueue';
const EU = 'https://events.eu.pagerduty.com/v2/enqueue';
const KEY = 'R0123456789abcdef0123456789abcde';
/** Routing keys are 32 alphanumeric characters; this one carries the contract's secret. */
const CONTRACT_ROUTING_KEY = `${CONTRACT_SECRET}PeregrineTest`;

/** pagerduty_test.go's own input: an output field `hostname`, no source, no tags. */
const PAGERDUTY_TEST_INPUT =
  '{"output":"This is a test from falcosidekick","priority":"Debug","rule":"Test rule","hostname":"test-host","time":"2001-01-01T01:10:00Z","output_fields": {"hostname": "test-host", "proc.name":"falcosidekick", "proc.tty": 1234}}';
const REFERENCE_EVENT = (routingKey: string): string =>
  `{"routing_key":"${routingKey}","event_action":"trigger","payload":{"summary":"This is a test from falcosidekick","source":"falco","severity":"critical",` +
  '"timestamp":"2001-01-01T01:10:00Z","custom_details":{"hostname":"test-host","proc.name":"falcosidekick","proc.tty":1234}}}';

runOutputContract({
  definition: pagerduty,
  startSink: () => new FakePagerduty({ routingKeys: [CONTRACT_ROUTING_KEY] }).start(),
  section: (sink) => ({ routingkey: CONTRACT_ROUTING_KEY, url: sink.enqueueUrl }),
  stored: (sink) => sink.events.length,
  payloads: [
    {
      // pagerduty_test.go: summary = output, source falco, severity critical, RFC 3339 time, output fields as details.
      name: 'falcosidekick pagerduty_test.go case (region us by default; go-pagerduty headers, no trailing newline)',
      section: { routingkey: KEY },
      alerts: [alertFromFalcoJson(PAGERDUTY_TEST_INPUT)],
      requests: [{ method: 'POST', url: US, headers: { 'Content-Type': 'application/json', 'User-Agent': 'go-pagerduty/1.8.0' }, body: REFERENCE_EVENT(KEY) }],
    },
    {
      name: 'the reference alert: its hostname joins the details; region eu (any case) picks the EU host',
      section: { routingkey: KEY, region: 'EU' },
      requests: [{ method: 'POST', url: EU, body: REFERENCE_EVENT(KEY) }],
    },
    {
      name: '★ url replaces the region\'s host',
      section: { routingkey: KEY, region: 'eu', url: 'http://127.0.0.1:9000/v2/enqueue' },
      requests: [{ method: 'POST', url: 'http://127.0.0.1:9000/v2/enqueue' }],
    },
    {
      name: 'severity is critical for every priority; fields verbatim (int64, null, bool); the alert hostname wins; whole seconds in the written zone',
      section: { routingkey: KEY },
      alerts: [
        referenceAlert({
          priority: 'Notice',
          time: '2026-11-23T14:05:27.999999999+02:00',
          output_fields: alertFromFalcoJson('{"priority":"Debug","output_fields":{"evt.time":1795442727146981532,"fd.name":null,"container.privileged":false,"hostname":"other","a<b":"x&y"}}').output_fields,
        }),
        referenceAlert({ priority: 'Emergency', hostname: '', time: '2026-11-23T14:05:27.5+00:00', output_fields: {} }),
      ],
      requests: [
        {
          method: 'POST',
          url: US,
          body:
            `{"routing_key":"${KEY}","event_action":"trigger","payload":{"summary":"This is a test from falcosidekick","source":"falco","severity":"critical","timestamp":"2026-11-23T14:05:27+02:00",` +
            '"custom_details":{"a\\u003cb":"x\\u0026y","container.privileged":false,"evt.time":1795442727146981532,"fd.name":null,"hostname":"test-host"}}}',
        },
        {
          method: 'POST',
          url: US,
          body: `{"routing_key":"${KEY}","event_action":"trigger","payload":{"summary":"This is a test from falcosidekick","source":"falco","severity":"critical","timestamp":"2026-11-23T14:05:27Z","custom_details":{}}}`,
        },
      ],
    },
  ],
});

describe('pagerduty', () => {
  it('is enabled by PAGERDUTY_ROUTINGKEY, with PAGERDUTY_REGION and PAGERDUTY_URL', () => {
    const { instances, problems } = parseOutputsConfig({}, { PAGERDUTY_ROUTINGKEY: KEY, PAGERDUTY_REGION: 'eu' });
    expect(problems).toEqual([]);
    expect(pagerduty.plan(instances.find((i) => i.type === 'pagerduty')!, [referenceAlert()], 0)[0]!.spec.url).toBe(EU);
    const local = parseOutputsConfig({}, { PAGERDUTY_ROUTINGKEY: KEY, PAGERDUTY_URL: 'http://localhost:8080/v2/enqueue' }).instances[0]!;
    expect(pagerduty.plan(local, [referenceAlert()], 0)[0]!.spec.url).toBe('http://localhost:8080/v2/enqueue');
    expect(parseOutputsConfig({ pagerduty: { routingkey: KEY, region: 'apac' } }, {}).problems).toEqual(['pagerduty.region: must be one of us, eu']);
  });

  it('formats the timestamp as Go\'s RFC3339 layout: fraction cut, never rounded', () => {
    expect(goRfc3339Seconds('2001-01-01T01:10:00Z')).toBe('2001-01-01T01:10:00Z');
    expect(goRfc3339Seconds('2026-12-31T23:59:59.999999999Z')).toBe('2026-12-31T23:59:59Z');
    expect(goRfc3339Seconds('2026-01-01T00:00:00.1-05:30')).toBe('2026-01-01T00:00:00-05:30');
  });

  describe('against the fake PagerDuty', () => {
    let sink: FakePagerduty;
    beforeEach(async () => {
      sink = await new FakePagerduty({ routingKeys: [KEY], eventsPerMinute: 2 }).start();
    });
    afterEach(async () => {
      await sink.stop();
    });
    const send = async (section: Record<string, unknown>, alerts = [referenceAlert()]): Promise<unknown> => {
      const sender = createSender(instanceFrom('pagerduty', { routingkey: KEY, url: sink.enqueueUrl, ...section }), { clock: fixedClock });
      const result = await sender.send(alerts);
      await sender.close();
      return result;
    };

    it('triggers an event (202 success) carrying the int64 field exactly', async () => {
      expect(await send({}, [realisticAlert()])).toEqual({ kind: 'ok', status: 202 });
      expect(sink.events).toHaveLength(1);
      expect(sink.events[0]).toMatchObject({ routingKey: KEY, eventAction: 'trigger', payload: { summary: realisticAlert().output, source: 'falco', severity: 'critical', timestamp: '2026-11-23T14:05:27Z' } });
      expect(sink.events[0]!.dedupKey).toMatch(/^[0-9a-f]{32}$/);
      expect(sink.requests[0]!.text).toContain('"evt.time":1795442727146981532');
    });

    it('a routing key no integration has is refused (400): fatal, naming the problem', async () => {
      const result = await send({ routingkey: 'Zabcdefabcdefabcdefabcdefabcdef9' });
      expect(result).toMatchObject({ kind: 'fatal', status: 400, reason: expect.stringContaining('Invalid routing key') as unknown });
    });

    it('a routing key of the wrong length is refused (400) with PagerDuty\'s message', async () => {
      const result = await send({ routingkey: 'abc-def' });
      expect(result).toMatchObject({ kind: 'fatal', status: 400 });
      expect(result).toHaveProperty('reason', expect.stringContaining("Length of 'routing_key' is incorrect (should be 32 characters)"));
      expect(result).toHaveProperty('reason', expect.stringContaining("'routing_key' cannot contain non-alphanumeric characters."));
    });

    it('an alert with an empty output has no summary, which PagerDuty refuses (400): fatal', async () => {
      const result = await send({}, [referenceAlert({ output: '' })]);
      expect(result).toMatchObject({ kind: 'fatal', status: 400, reason: expect.stringContaining("'payload.summary' is missing or blank") as unknown });
    });

    it('beyond the events-per-minute limit PagerDuty answers 429: that alert is retried, the others are delivered', async () => {
      const result = await send({}, [referenceAlert(), realisticAlert(), referenceAlert({ rule: 'third' })]);
      expect(result).toMatchObject({ kind: 'partial', items: [{ kind: 'ok' }, { kind: 'ok' }, { kind: 'retryable', status: 429 }] });
      expect(sink.events).toHaveLength(2);
    });

    it('the fake lists every problem of an invalid event, as PagerDuty does', async () => {
      const response = await fetch(sink.enqueueUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: KEY, event_action: 'trigger', payload: { summary: 's', severity: 'fatal' } }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ["'payload.source' is missing or blank", "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"],
      });
      const noAction = await fetch(sink.enqueueUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ routing_key: KEY }) });
      expect(((await noAction.json()) as { errors: string[] }).errors).toEqual(["'event_action' is missing or blank"]);
      expect(sink.events).toHaveLength(0);
    });
  });
});
