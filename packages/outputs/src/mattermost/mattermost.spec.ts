import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeMattermost, validateMattermostMessage } from '../testing/servers/mattermost';
import { mattermost } from './mattermost';

const URL = 'https://mattermost.example.com/hooks/xr8pke3gqbgbtkjw4hfqk7fxwr';
const HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick' };
const OUTPUT = 'This is a test from falcosidekick';
const ICON = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick.png';
const COLOR_ICON = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png';
const FOOTER = 'https://github.com/falcosecurity/falcosidekick';

// mattermost_test.go's fields: Mattermost's own order (hostname right after rule, tags before the
// output fields), string output fields only (proc.tty is a number and vanishes), then time.
const FIELDS =
  '[{"title":"rule","value":"Test rule","short":true},{"title":"hostname","value":"test-host","short":true},{"title":"priority","value":"Debug","short":true},' +
  '{"title":"source","value":"syscalls","short":true},{"title":"tags","value":"example, test","short":true},' +
  '{"title":"proc.name","value":"falcosidekick","short":true},{"title":"time","value":"2001-01-01 01:10:00 +0000 UTC","short":false}]';

const body = (json: string): string => `${json}\n`;

runOutputContract({
  definition: mattermost,
  startSink: () => new FakeMattermost(CONTRACT_SECRET).start(),
  section: (sink) => ({ webhookurl: sink.webhookUrl }),
  stored: (sink) => sink.messages.length,
  payloads: [
    {
      // mattermost_test.go: username and icon set, template "Rule: {{ .Rule }} Priority: {{ .Priority }}".
      name: 'falcosidekick mattermost_test.go case (template, test icon)',
      section: { webhookurl: URL, username: 'Falcosidekick', icon: ICON, messageformat: 'Rule: {{ .Rule }} Priority: {{ .Priority }}' },
      requests: [
        {
          method: 'POST',
          url: URL,
          headers: HEADERS,
          body: body(`{"text":"Rule: Test rule Priority: Debug","username":"Falcosidekick","icon_url":"${ICON}","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","text":"${OUTPUT}","fields":${FIELDS},"footer":"${FOOTER}"}]}`),
        },
      ],
    },
    {
      name: 'default config (outputformat all, colour icon, no text)',
      section: { webhookurl: URL },
      requests: [{ method: 'POST', url: URL, body: body(`{"username":"Falcosidekick","icon_url":"${COLOR_ICON}","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","text":"${OUTPUT}","fields":${FIELDS},"footer":"${FOOTER}"}]}`) }],
    },
    {
      name: 'outputformat text: fields is null, no footer',
      section: { webhookurl: URL, outputformat: 'text' },
      requests: [{ method: 'POST', url: URL, body: body(`{"username":"Falcosidekick","icon_url":"${COLOR_ICON}","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","text":"${OUTPUT}","fields":null}]}`) }],
    },
    {
      name: 'outputformat fields, custom footer; empty icon falls back to the grey icon, empty username is omitted',
      section: { webhookurl: URL, outputformat: 'fields', footer: 'https://falco.example', icon: '', username: '' },
      requests: [{ method: 'POST', url: URL, body: body(`{"icon_url":"${ICON}","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","fields":${FIELDS},"footer":"https://falco.example"}]}`) }],
    },
    {
      name: 'colours per priority (Alert is orange, Emergency red), no hostname and no tags, HTML-safe escaping as Go',
      section: { webhookurl: URL, outputformat: 'text', username: '' },
      alerts: [referenceAlert({ priority: 'Alert', output: 'a <b> & "c"' }), referenceAlert({ priority: 'Emergency', output: 'x' })],
      requests: [
        { method: 'POST', url: URL, body: body(`{"icon_url":"${COLOR_ICON}","attachments":[{"fallback":"a \\u003cb\\u003e \\u0026 \\"c\\"","color":"#ff5400","text":"a \\u003cb\\u003e \\u0026 \\"c\\"","fields":null}]}`) },
        { method: 'POST', url: URL, body: body(`{"icon_url":"${COLOR_ICON}","attachments":[{"fallback":"x","color":"#e20b0b","text":"x","fields":null}]}`) },
      ],
    },
  ],
});

describe('mattermost details', () => {
  const plannedBody = (section: Record<string, unknown>, alert = referenceAlert()): string => String(mattermost.plan(instanceFrom('mattermost', section), [alert], 0)[0]!.spec.body);

  it('leaves out hostname and tags when the alert has none, keeping the order of the rest', () => {
    const text = plannedBody({ webhookurl: URL }, referenceAlert({ hostname: '', tags: [] }));
    const titles = [...text.matchAll(/"title":"([^"]+)"/g)].map((m) => m[1]);
    expect(titles).toEqual(['rule', 'priority', 'source', 'proc.name', 'time']);
  });

  it('shows folded duplicates as an occurrences field before the time, only when dedup folded some', () => {
    expect(plannedBody({ webhookurl: URL }, referenceAlert({ folded: 2 }))).toContain('{"title":"occurrences","value":"3","short":true},{"title":"time"');
    expect(plannedBody({ webhookurl: URL }, referenceAlert({ folded: 0 }))).not.toContain('occurrences');
  });

  it('reads every key from MATTERMOST_* env variables, as falcosidekick', () => {
    const { instances, problems } = parseOutputsConfig(
      {},
      { MATTERMOST_WEBHOOKURL: URL, MATTERMOST_OUTPUTFORMAT: 'text', MATTERMOST_USERNAME: 'falco', MATTERMOST_ICON: 'https://x.example/i.png', MATTERMOST_MESSAGEFORMAT: '{{ .Rule }}', MATTERMOST_MINIMUMPRIORITY: 'warning' },
    );
    expect(problems).toEqual([]);
    const instance = instances.find((i) => i.type === 'mattermost')!;
    expect(instance.minimumPriority).toBe('Warning');
    expect(String(mattermost.plan(instance, [referenceAlert()], 0)[0]!.spec.body)).toBe(
      body(`{"text":"Test rule","username":"falco","icon_url":"https://x.example/i.png","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","text":"${OUTPUT}","fields":null}]}`),
    );
  });

  it('refuses a messageformat falcosidekick could not render, and an unknown outputformat, naming the key', () => {
    const template = parseOutputsConfig({ mattermost: { webhookurl: URL, messageformat: '{{ .Nope }}' } }, {});
    expect(template.problems).toHaveLength(1);
    expect(template.problems[0]).toMatch(/^mattermost\.messageformat: unknown field \.Nope/);
    const format = parseOutputsConfig({ mattermost: { webhookurl: URL, outputformat: 'field' } }, {});
    expect(format.problems).toHaveLength(1);
    expect(format.problems[0]).toMatch(/^mattermost\.outputformat: must be one of all, text, fields/);
  });

  it('sends messages Mattermost accepts for every outputformat, with a template or without', () => {
    for (const outputformat of ['all', 'text', 'fields']) {
      for (const messageformat of ['', '{{ .Output }}']) {
        const message = JSON.parse(plannedBody({ webhookurl: URL, outputformat, messageformat }, realisticAlert())) as Record<string, unknown>;
        expect(validateMattermostMessage(message), `${outputformat} ${messageformat}`).toBeUndefined();
      }
    }
  });

  describe('against the fake Mattermost', () => {
    let sink: FakeMattermost;
    beforeEach(async () => {
      sink = await new FakeMattermost().start();
    });
    afterEach(async () => {
      await sink.stop();
    });

    it('refuses a message without text or attachments with Mattermost\'s AppError', async () => {
      const answer = await fetch(sink.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"x","attachments":null}' });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ id: 'web.incoming_webhook.text.app_error', status_code: 400 });
      expect(sink.messages).toHaveLength(0);
    });

    it('reads a form post\'s payload and refuses a body Go cannot decode', async () => {
      const form = await fetch(sink.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `payload=${encodeURIComponent('{"text":"hi"}')}` });
      expect(form.status).toBe(200);
      const bad = await fetch(sink.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":5}' });
      expect(await bad.json()).toMatchObject({ id: 'web.incoming_webhook.parse.app_error' });
      expect(sink.messages).toEqual([{ text: 'hi' }]);
    });

    it('an unknown hook is fatal and the reason carries Mattermost\'s error id', async () => {
      const sender = createSender(instanceFrom('mattermost', { webhookurl: `${sink.url}/hooks/deleted0000000000000000000` }), { clock: fixedClock });
      const result = await sender.send([referenceAlert()]);
      expect(result).toMatchObject({ kind: 'fatal', status: 400 });
      expect(result.kind === 'fatal' && result.reason).toContain('web.incoming_webhook.invalid.app_error');
      await sender.close();
    });
  });
});
