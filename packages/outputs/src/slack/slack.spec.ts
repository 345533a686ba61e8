import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { goMarshal } from '../go/json';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeSlack, validateMessage } from '../testing/servers/slack';
import { slack, slackBlocksPayload, truncate } from './slack';

const URL = 'https://hooks.slack.com/services/T000/B000/XXXX';
const HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick' };

// The fields falcosidekick renders for the reference alert: rule, priority, source, hostname,
// sorted tags, string output fields only (proc.tty is a number and vanishes), then time.
const FIELDS =
  '[{"title":"rule","value":"Test rule","short":true},{"title":"priority","value":"Debug","short":true},{"title":"source","value":"syscalls","short":true},' +
  '{"title":"hostname","value":"test-host","short":true},{"title":"tags","value":"example, test","short":true},' +
  '{"title":"proc.name","value":"falcosidekick","short":true},{"title":"time","value":"2001-01-01 01:10:00 +0000 UTC","short":false}]';
const OUTPUT = 'This is a test from falcosidekick';
const COLOR_ICON = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png';
const FOOTER = 'https://github.com/falcosecurity/falcosidekick';

runOutputContract({
  definition: slack,
  startSink: () => new FakeSlack(`/services/T0001/B0001/${CONTRACT_SECRET}`).start(),
  section: (sink) => ({ webhookurl: sink.webhookUrl }),
  stored: (sink) => sink.messages.length,
  payloads: [
    {
      // slack_test.go: username and icon set, template "Rule: {{ .Rule }} Priority: {{ .Priority }}".
      name: 'falcosidekick slack_test.go case (template, test icon)',
      section: {
        webhookurl: URL,
        username: 'Falcosidekick',
        icon: 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick.png',
        messageformat: 'Rule: {{ .Rule }} Priority: {{ .Priority }}',
      },
      requests: [
        {
          method: 'POST',
          url: URL,
          headers: HEADERS,
          body: `{"text":"Rule: Test rule Priority: Debug","username":"Falcosidekick","icon_url":"https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick.png","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","text":"${OUTPUT}","fields":${FIELDS},"footer":"${FOOTER}"}]}\n`,
        },
      ],
    },
    {
      name: 'default config (outputformat all, production icon, no text)',
      section: { webhookurl: URL },
      requests: [
        {
          method: 'POST',
          url: URL,
          body: `{"username":"Falcosidekick","icon_url":"${COLOR_ICON}","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","text":"${OUTPUT}","fields":${FIELDS},"footer":"${FOOTER}"}]}\n`,
        },
      ],
    },
    {
      name: 'outputformat text: fields is null, no footer',
      section: { webhookurl: URL, outputformat: 'text' },
      requests: [{ method: 'POST', url: URL, body: `{"username":"Falcosidekick","icon_url":"${COLOR_ICON}","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","text":"${OUTPUT}","fields":null}]}\n` }],
    },
    {
      name: 'outputformat fields: no attachment text, custom footer, channel, empty icon and username omitted',
      section: { webhookurl: URL, outputformat: 'fields', footer: 'https://falco.example', channel: '#alerts', icon: '', username: '' },
      requests: [{ method: 'POST', url: URL, body: `{"channel":"#alerts","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","fields":${FIELDS},"footer":"https://falco.example"}]}\n` }],
    },
    {
      name: 'colours per priority (Critical is orange, Error red) and HTML-safe escaping as Go',
      section: { webhookurl: URL, outputformat: 'text', icon: '', username: '' },
      alerts: [referenceAlert({ priority: 'Critical', output: 'a <b> & "c"' }), referenceAlert({ priority: 'Error', output: 'x' })],
      requests: [
        { method: 'POST', url: URL, body: '{"attachments":[{"fallback":"a \\u003cb\\u003e \\u0026 \\"c\\"","color":"#ff5400","text":"a \\u003cb\\u003e \\u0026 \\"c\\"","fields":null}]}\n' },
        { method: 'POST', url: URL, body: '{"attachments":[{"fallback":"x","color":"#e20b0b","text":"x","fields":null}]}\n' },
      ],
    },
  ],
});

describe('slack attachments details', () => {
  it('marks a string field short only when it has fewer than 36 runes (not bytes)', () => {
    const instance = instanceFrom('slack', { webhookurl: URL });
    const alert = referenceAlert({ output_fields: { a: 'é'.repeat(35), b: 'x'.repeat(36) }, tags: [], hostname: '' });
    const body = String(slack.plan(instance, [alert], 0)[0]!.spec.body);
    expect(body).toContain(`{"title":"a","value":"${'é'.repeat(35)}","short":true}`);
    expect(body).toContain(`{"title":"b","value":"${'x'.repeat(36)}","short":false}`);
  });

  it('shows folded duplicates as an occurrences field only when dedup folded some', () => {
    const instance = instanceFrom('slack', { webhookurl: URL });
    expect(String(slack.plan(instance, [referenceAlert({ folded: 4 })], 0)[0]!.spec.body)).toContain('{"title":"occurrences","value":"5","short":true}');
    expect(String(slack.plan(instance, [referenceAlert({ folded: 0 })], 0)[0]!.spec.body)).not.toContain('occurrences');
  });

  it('refuses a messageformat falcosidekick could not render, naming the key', () => {
    const { problems } = parseOutputsConfig({ slack: { webhookurl: URL, messageformat: 'Rule: {{ .Nope }}' } }, {});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^slack\.messageformat: unknown field \.Nope/);
  });

  it('refuses an unknown outputformat instead of sending an empty attachment', () => {
    const { problems } = parseOutputsConfig({ slack: { webhookurl: URL, outputformat: 'field' } }, {});
    expect(problems).toEqual(['slack.outputformat: must be one of all, text, fields']);
  });
});

describe('slack Block Kit format', () => {
  const config = instanceFrom('slack', { webhookurl: URL, format: 'blocks' }).config as Parameters<typeof slackBlocksPayload>[1];
  const asJson = (alert = realisticAlert()): Record<string, unknown> => JSON.parse(String(slack.plan(instanceFrom('slack', { webhookurl: URL, format: 'blocks' }), [alert], 0)[0]!.spec.body)) as Record<string, unknown>;

  it('builds a message Slack accepts, with the priority colour and the rule in the header', () => {
    const message = asJson();
    expect(validateMessage(message)).toBeUndefined();
    expect(message['text']).toBe('Notice: Terminal shell in container');
    expect(message['blocks']).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Notice: Terminal shell in container', emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: realisticAlert().output } },
    ]);
    const attachment = (message['attachments'] as Array<Record<string, unknown>>)[0]!;
    expect(attachment['color']).toBe('#5bffb5');
    const fields = (attachment['blocks'] as Array<{ fields?: Array<{ text: string }> }>).flatMap((b) => b.fields ?? []).map((f) => f.text);
    expect(fields.slice(0, 6)).toEqual(['*rule*\nTerminal shell in container', '*priority*\nNotice', '*source*\nsyscall', '*hostname*\nworker-2', '*cluster*\neu-west-1', '*tags*\nT1059, container, mitre_execution, shell']);
    expect(fields).toContain('*proc.cmdline*\nbash -c ls /données/日本語');
    // Numbers are not shown, as in falcosidekick's chat outputs.
    expect(fields.join()).not.toContain('evt.time');
  });

  it('escapes mrkdwn control characters', () => {
    const message = JSON.parse(goMarshal(slackBlocksPayload(referenceAlert({ output: 'a <b> & c' }), config))) as { blocks: Array<{ text: { text: string } }> };
    expect(message.blocks[1]!.text.text).toBe('a &lt;b&gt; &amp; c');
  });

  it('stays within Block Kit limits for huge alerts (long texts, hundreds of fields)', () => {
    const fields = Object.fromEntries(Array.from({ length: 700 }, (_, i) => [`field.${i}`, 'v'.repeat(2500)]));
    const alert = referenceAlert({ rule: 'R'.repeat(400), output: 'o'.repeat(5000), output_fields: fields });
    const message = asJson(alert);
    expect(validateMessage(message)).toBeUndefined();
    const blocks = [...(message['blocks'] as unknown[]), ...((message['attachments'] as Array<{ blocks: unknown[] }>)[0]!.blocks ?? [])];
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(blocks)).toContain('more fields not shown');
  });

  it('truncates without splitting a surrogate pair', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('abc', 3)).toBe('abc');
  });

  describe('against the fake Slack', () => {
    let sink: FakeSlack;
    beforeEach(async () => {
      sink = await new FakeSlack().start();
    });
    afterEach(async () => {
      await sink.stop();
    });

    it('is delivered for every outputformat', async () => {
      for (const outputformat of ['all', 'text', 'fields']) {
        const sender = createSender(instanceFrom('slack', { webhookurl: sink.webhookUrl, format: 'blocks', outputformat }), { clock: fixedClock });
        expect(await sender.send([realisticAlert(), referenceAlert()])).toEqual({ kind: 'ok', status: 200 });
        await sender.close();
      }
      expect(sink.messages).toHaveLength(6);
    });

    it('a revoked webhook (404 no_service) is fatal and says why', async () => {
      const sender = createSender(instanceFrom('slack', { webhookurl: `${sink.url}/services/T1/B1/revoked` }), { clock: fixedClock });
      expect(await sender.send([referenceAlert()])).toEqual({ kind: 'fatal', status: 404, reason: 'HTTP 404 resource not found: no_service' });
      await sender.close();
    });
  });
});
