import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeGooglechat, googlechatMessageProblem } from '../testing/servers/googlechat';
import { googlechat } from './googlechat';

const URL = 'https://chat.googleapis.com/v1/spaces/AAAAbCdEfGh/messages?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token=Jf7Qx2mWc9rV1tKp4sLz8nYb3hDgE6uA0oIiRyTqXw';
const HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick' };
const OUTPUT = 'This is a test from falcosidekick';
const TEMPLATE = 'Rule: {{ .Rule }} Priority: {{ .Priority }}';

// googlechat_test.go: one v1 card, its header always present (a Go struct is never omitted), one
// section of keyValue widgets — rule, priority, source, hostname, string output fields (proc.tty
// is a number and vanishes), tags, time.
const kv = (label: string, content: string): string => `{"keyValue":{"topLabel":"${label}","content":"${content}"}}`;
const WIDGETS = [kv('rule', 'Test rule'), kv('priority', 'Debug'), kv('source', 'syscalls'), kv('hostname', 'test-host'), kv('proc.name', 'falcosidekick'), kv('tags', 'example, test'), kv('time', '2001-01-01 01:10:00 +0000 UTC')].join(',');
const CARDS = `"cards":[{"header":{"title":"","subtitle":""},"sections":[{"widgets":[${WIDGETS}]}]}]`;

const body = (json: string): string => `${json}\n`;

runOutputContract({
  definition: googlechat,
  startSink: () => new FakeGooglechat({ token: CONTRACT_SECRET }).start(),
  section: (sink) => ({ webhookurl: sink.webhookUrl }),
  stored: (sink) => sink.messages.length,
  payloads: [
    {
      name: 'falcosidekick googlechat_test.go case (template, v1 card)',
      section: { webhookurl: URL, messageformat: TEMPLATE },
      requests: [{ method: 'POST', url: URL, headers: HEADERS, body: body(`{"text":"Rule: Test rule Priority: Debug",${CARDS}}`) }],
    },
    {
      name: 'default config: no text, the card only',
      section: { webhookurl: URL },
      requests: [{ method: 'POST', url: URL, body: body(`{${CARDS}}`) }],
    },
    {
      name: 'outputformat text with a messageformat: the text only',
      section: { webhookurl: URL, outputformat: 'text', messageformat: TEMPLATE },
      requests: [{ method: 'POST', url: URL, body: body('{"text":"Rule: Test rule Priority: Debug"}') }],
    },
    {
      name: 'outputformat text without messageformat: the output line (falcosidekick sent {}, which Chat refuses)',
      section: { webhookurl: URL, outputformat: 'text' },
      requests: [{ method: 'POST', url: URL, body: body(`{"text":"${OUTPUT}"}`) }],
    },
    {
      name: 'no hostname, no tags; HTML-safe escaping as Go',
      section: { webhookurl: URL },
      alerts: [referenceAlert({ hostname: '', tags: [], output_fields: { 'proc.cmdline': 'sh -c "a < b && c"' } })],
      requests: [
        {
          method: 'POST',
          url: URL,
          body: body(
            `{"cards":[{"header":{"title":"","subtitle":""},"sections":[{"widgets":[${[kv('rule', 'Test rule'), kv('priority', 'Debug'), kv('source', 'syscalls'), kv('proc.cmdline', 'sh -c \\"a \\u003c b \\u0026\\u0026 c\\"'), kv('time', '2001-01-01 01:10:00 +0000 UTC')].join(',')}]}]}]}`,
          ),
        },
      ],
    },
    {
      name: '★ format cardsv2: header, output paragraph, decorated fields',
      section: { webhookurl: URL, format: 'cardsv2', messageformat: TEMPLATE },
      requests: [
        {
          method: 'POST',
          url: URL,
          body: body(
            `{"text":"Rule: Test rule Priority: Debug","cardsV2":[{"cardId":"falco-alert","card":{"header":{"title":"Debug: Test rule","subtitle":"test-host"},"sections":[{"widgets":[{"textParagraph":{"text":"${OUTPUT}"}}]},{"widgets":[` +
              [
                ['rule', 'Test rule'],
                ['priority', 'Debug'],
                ['source', 'syscalls'],
                ['hostname', 'test-host'],
                ['proc.name', 'falcosidekick'],
                ['tags', 'example, test'],
                ['time', '2001-01-01 01:10:00 +0000 UTC'],
              ]
                .map(([label, text]) => `{"decoratedText":{"topLabel":"${label}","text":"${text}","wrapText":true}}`)
                .join(',') +
              ']}]}}]}',
          ),
        },
      ],
    },
  ],
});

describe('googlechat details', () => {
  const planned = (section: Record<string, unknown>, alert = referenceAlert()): { text: string; message: Record<string, unknown> } => {
    const text = String(googlechat.plan(instanceFrom('googlechat', section), [alert], 0)[0]!.spec.body);
    return { text, message: JSON.parse(text) as Record<string, unknown> };
  };
  const labels = (message: Record<string, unknown>): string[] => JSON.stringify(message).match(/"topLabel":"[^"]*"/g)?.map((m) => m.slice(12, -1)) ?? [];

  it('cardsv2 escapes the HTML Chat would read, and shows the cluster', () => {
    const { message } = planned({ webhookurl: URL, format: 'cardsv2' }, realisticAlert({ output: 'a <b> & c' }));
    const card = JSON.stringify(message);
    expect(card).toContain('"text":"a &lt;b&gt; &amp; c"');
    expect(labels(message)).toContain('cluster');
    expect(googlechatMessageProblem(message)).toBeUndefined();
  });

  it.each(['cards', 'cardsv2'])('keeps a huge alert (%s) under Chat\'s 32,000 bytes, keeping rule, priority, source, hostname, tags and time', (format) => {
    const fields = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`field.${String(i).padStart(2, '0')}`, `${'日本'.repeat(1500)}`]));
    const { text, message } = planned({ webhookurl: URL, format, messageformat: '{{ .Output }}' }, referenceAlert({ output: 'o'.repeat(40_000), output_fields: fields }));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(32_000);
    expect(googlechatMessageProblem(message, Buffer.byteLength(text))).toBeUndefined();
    const kept = labels(message);
    expect(kept.slice(0, 4)).toEqual(['rule', 'priority', 'source', 'hostname']);
    expect(kept.slice(-3)).toEqual(['more fields', 'tags', 'time']);
    expect(kept.filter((l) => l.startsWith('field.')).length).toBeGreaterThan(0);
  });

  it('cardsv2 stays within the 100 widgets Chat shows per card', () => {
    const fields = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f.${String(i).padStart(3, '0')}`, 'v']));
    const { message } = planned({ webhookurl: URL, format: 'cardsv2' }, referenceAlert({ output_fields: fields }));
    const sections = (message['cardsV2'] as Array<{ card: { sections: Array<{ widgets: unknown[] }> } }>)[0]!.card.sections;
    // The output paragraph, rule, priority, source, hostname, 92 fields, the note, tags, time.
    expect(sections.flatMap((section) => section.widgets)).toHaveLength(100);
    expect(JSON.stringify(sections[1]!.widgets)).toContain('"topLabel":"more fields","text":"58 not shown"');
  });

  it('shows folded duplicates as an occurrences row before the time, only when dedup folded some', () => {
    expect(labels(planned({ webhookurl: URL }, referenceAlert({ folded: 3 })).message).slice(-2)).toEqual(['occurrences', 'time']);
    expect(labels(planned({ webhookurl: URL }).message)).not.toContain('occurrences');
  });

  it('reads every key from GOOGLECHAT_* env variables, as falcosidekick', () => {
    const { instances, problems } = parseOutputsConfig({}, { GOOGLECHAT_WEBHOOKURL: URL, GOOGLECHAT_OUTPUTFORMAT: 'text', GOOGLECHAT_MESSAGEFORMAT: '{{ .Rule }}!', GOOGLECHAT_MINIMUMPRIORITY: 'critical', GOOGLECHAT_FORMAT: 'cardsv2' });
    expect(problems).toEqual([]);
    const instance = instances.find((i) => i.type === 'googlechat')!;
    expect(instance.minimumPriority).toBe('Critical');
    expect(googlechat.plan(instance, [referenceAlert()], 0)[0]!.spec.body).toBe(body('{"text":"Test rule!"}'));
  });

  it('refuses an outputformat it does not know (falcosidekick sent the card for any value but text), naming the key', () => {
    const { problems } = parseOutputsConfig({ googlechat: { webhookurl: URL, outputformat: 'fields' } }, {});
    expect(problems).toEqual(['googlechat.outputformat: must be one of all, text']);
  });

  describe('against the fake Google Chat', () => {
    let sink: FakeGooglechat;
    beforeEach(async () => {
      sink = await new FakeGooglechat().start();
    });
    afterEach(async () => {
      await sink.stop();
    });

    it('is delivered in every format, with a template or without', async () => {
      for (const section of [{}, { format: 'cardsv2' }, { outputformat: 'text' }, { messageformat: TEMPLATE, format: 'cardsv2' }]) {
        const sender = createSender(instanceFrom('googlechat', { webhookurl: sink.webhookUrl, ...section }), { clock: fixedClock });
        expect(await sender.send([realisticAlert()])).toMatchObject({ kind: 'ok', status: 200 });
        await sender.close();
      }
      expect(sink.messages).toHaveLength(4);
    });

    it('answers what the Message resource does not have, and an empty message, with Google\'s error JSON', async () => {
      const post = (text: string): Promise<Response> => fetch(sink.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
      const unknown = await post('{"text":"x","cards":[{"sections":[{"widgets":[{"keyValue":{"topLabel":"a","value":"b"}}]}]}]}');
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toEqual({
        error: { code: 400, status: 'INVALID_ARGUMENT', message: 'Invalid JSON payload received. Unknown name "value" at \'message.cards[0].sections[0].widgets[0].key_value\': Cannot find field.' },
      });
      const empty = await post('{}');
      expect(await empty.json()).toMatchObject({ error: { code: 400, message: 'Message cannot be empty.' } });
      const twoKinds = await post('{"cardsV2":[{"card":{"sections":[{"widgets":[{"textParagraph":{"text":"a"},"divider":{}}]}]}}]}');
      expect(await twoKinds.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
      expect(sink.messages).toHaveLength(0);
    });

    it('a wrong token is fatal (401) and says why', async () => {
      const sender = createSender(instanceFrom('googlechat', { webhookurl: `${sink.url}/v1/spaces/${sink.space}/messages?key=${sink.key}&token=revoked` }), { clock: fixedClock });
      const result = await sender.send([referenceAlert()]);
      expect(result).toMatchObject({ kind: 'fatal', status: 401 });
      expect(result.kind === 'fatal' && result.reason).toContain('UNAUTHENTICATED');
      await sender.close();
    });
  });
});
