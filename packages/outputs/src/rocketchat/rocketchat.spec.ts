import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeRocketchat, validateRocketchatMessage } from '../testing/servers/rocketchat';
import { rocketchat } from './rocketchat';

const URL = 'https://chat.example.com/hooks/X8mWnk4ZBqhDdt3Pa/Lk2pQ9vHs7RwYd3TbXn8cJf6MzA4eUgN5yVr1KoWqE0iBhS';
const HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick' };
const OUTPUT = 'This is a test from falcosidekick';
const ICON = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick.png';
const COLOR_ICON = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png';

// rocketchat_test.go's fields: rule, priority, source, tags, string output fields (proc.tty is a
// number and vanishes), time, and hostname last. No footer.
const FIELDS =
  '[{"title":"rule","value":"Test rule","short":true},{"title":"priority","value":"Debug","short":true},{"title":"source","value":"syscalls","short":true},' +
  '{"title":"tags","value":"example, test","short":true},{"title":"proc.name","value":"falcosidekick","short":true},' +
  '{"title":"time","value":"2001-01-01 01:10:00 +0000 UTC","short":false},{"title":"hostname","value":"test-host","short":true}]';

const body = (json: string): string => `${json}\n`;

runOutputContract({
  definition: rocketchat,
  startSink: () => new FakeRocketchat('X8mWnk4ZBqhDdt3Pa', CONTRACT_SECRET).start(),
  section: (sink) => ({ webhookurl: sink.webhookUrl }),
  stored: (sink) => sink.messages.length,
  payloads: [
    {
      // rocketchat_test.go: username, the default icon, template "Rule: {{ .Rule }} Priority: {{ .Priority }}".
      name: 'falcosidekick rocketchat_test.go case (template, default icon)',
      section: { webhookurl: URL, username: 'Falcosidekick', icon: ICON, messageformat: 'Rule: {{ .Rule }} Priority: {{ .Priority }}' },
      requests: [
        {
          method: 'POST',
          url: URL,
          headers: HEADERS,
          body: body(`{"text":"Rule: Test rule Priority: Debug","username":"Falcosidekick","icon_url":"${ICON}","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","text":"${OUTPUT}","fields":${FIELDS}}]}`),
        },
      ],
    },
    {
      name: 'default config (outputformat all, colour icon, no text; the footer key is never sent)',
      section: { webhookurl: URL, footer: 'https://falco.example' },
      requests: [{ method: 'POST', url: URL, body: body(`{"username":"Falcosidekick","icon_url":"${COLOR_ICON}","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","text":"${OUTPUT}","fields":${FIELDS}}]}`) }],
    },
    {
      name: 'outputformat fields: no attachment text; empty icon falls back to the grey icon, empty username is omitted',
      section: { webhookurl: URL, outputformat: 'fields', icon: '', username: '' },
      requests: [{ method: 'POST', url: URL, body: body(`{"icon_url":"${ICON}","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","fields":${FIELDS}}]}`) }],
    },
    {
      name: 'outputformat text with a messageformat: the template text only, no attachment (as falcosidekick)',
      section: { webhookurl: URL, outputformat: 'text', messageformat: '{{ .Priority }} {{ .Rule }}' },
      requests: [{ method: 'POST', url: URL, body: body(`{"text":"Debug Test rule","username":"Falcosidekick","icon_url":"${COLOR_ICON}"}`) }],
    },
    {
      name: 'outputformat text without messageformat: the output line as text (falcosidekick sent an empty message)',
      section: { webhookurl: URL, outputformat: 'text' },
      requests: [{ method: 'POST', url: URL, body: body(`{"text":"${OUTPUT}","username":"Falcosidekick","icon_url":"${COLOR_ICON}"}`) }],
    },
    {
      name: 'colours per priority (Warning yellow, Notice light cyan), HTML-safe escaping as Go',
      section: { webhookurl: URL, username: '' },
      alerts: [referenceAlert({ priority: 'Warning', output: 'a <b> & "c"', tags: [], hostname: '', output_fields: {} }), referenceAlert({ priority: 'Notice', output: 'x', tags: [], hostname: '', output_fields: {} })],
      requests: [
        {
          method: 'POST',
          url: URL,
          body: body(
            `{"icon_url":"${COLOR_ICON}","attachments":[{"fallback":"a \\u003cb\\u003e \\u0026 \\"c\\"","color":"#ffc700","text":"a \\u003cb\\u003e \\u0026 \\"c\\"","fields":[{"title":"rule","value":"Test rule","short":true},{"title":"priority","value":"Warning","short":true},{"title":"source","value":"syscalls","short":true},{"title":"time","value":"2001-01-01 01:10:00 +0000 UTC","short":false}]}]}`,
          ),
        },
        {
          method: 'POST',
          url: URL,
          body: body(
            `{"icon_url":"${COLOR_ICON}","attachments":[{"fallback":"x","color":"#5bffb5","text":"x","fields":[{"title":"rule","value":"Test rule","short":true},{"title":"priority","value":"Notice","short":true},{"title":"source","value":"syscalls","short":true},{"title":"time","value":"2001-01-01 01:10:00 +0000 UTC","short":false}]}]}`,
          ),
        },
      ],
    },
  ],
});

describe('rocketchat details', () => {
  const planned = (section: Record<string, unknown>, alert = referenceAlert()): Record<string, unknown> =>
    JSON.parse(String(rocketchat.plan(instanceFrom('rocketchat', section), [alert], 0)[0]!.spec.body)) as Record<string, unknown>;
  const fieldTitles = (message: Record<string, unknown>): string[] => ((message['attachments'] as Array<{ fields: Array<{ title: string }> }>)[0]!.fields ?? []).map((f) => f.title);

  it('leaves out fields with an empty value, which Rocket.Chat refuses', () => {
    const alert = referenceAlert({ source: '', output_fields: { 'k8s.ns.name': '', 'proc.name': 'bash' } });
    const message = planned({ webhookurl: URL }, alert);
    expect(fieldTitles(message)).toEqual(['rule', 'priority', 'tags', 'proc.name', 'time', 'hostname']);
    expect(validateRocketchatMessage(message)).toBeUndefined();
    // What falcosidekick would send (those fields with "") is refused, so the repair matters.
    const unrepaired = structuredClone(message) as { attachments: Array<{ fields: Array<{ title: string; value: string; short: boolean }> }> };
    unrepaired.attachments[0]!.fields.push({ title: 'k8s.ns.name', value: '', short: true });
    expect(validateRocketchatMessage(unrepaired)).toBe('Invalid attachment field, title and value is required');
  });

  it('shows folded duplicates as an occurrences field before the time, only when dedup folded some', () => {
    expect(fieldTitles(planned({ webhookurl: URL }, referenceAlert({ folded: 1 })))).toEqual(['rule', 'priority', 'source', 'tags', 'proc.name', 'occurrences', 'time', 'hostname']);
    expect(fieldTitles(planned({ webhookurl: URL }))).not.toContain('occurrences');
  });

  it('reads every key from ROCKETCHAT_* env variables, as falcosidekick', () => {
    const { instances, problems, warnings } = parseOutputsConfig(
      {},
      { ROCKETCHAT_WEBHOOKURL: URL, ROCKETCHAT_OUTPUTFORMAT: 'fields', ROCKETCHAT_USERNAME: 'falco', ROCKETCHAT_ICON: 'https://x.example/i.png', ROCKETCHAT_FOOTER: 'x', ROCKETCHAT_MESSAGEFORMAT: '{{ .Hostname }}', ROCKETCHAT_MINIMUMPRIORITY: 'error' },
    );
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    const instance = instances.find((i) => i.type === 'rocketchat')!;
    expect(instance.minimumPriority).toBe('Error');
    expect(rocketchat.plan(instance, [referenceAlert()], 0)[0]!.spec.body).toBe(
      body(`{"text":"test-host","username":"falco","icon_url":"https://x.example/i.png","attachments":[{"fallback":"${OUTPUT}","color":"#ccfff2","fields":${FIELDS}}]}`),
    );
  });

  it('refuses a messageformat falcosidekick could not render, naming the key', () => {
    const { problems } = parseOutputsConfig({ rocketchat: { webhookurl: URL, messageformat: 'Rule: {{ .Rule' } }, {});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^rocketchat\.messageformat: /);
  });

  it('sends messages Rocket.Chat accepts for every outputformat, with a template or without', () => {
    for (const outputformat of ['all', 'text', 'fields']) {
      for (const messageformat of ['', '{{ index .OutputFields "user.name" }}']) {
        expect(validateRocketchatMessage(planned({ webhookurl: URL, outputformat, messageformat }, realisticAlert())), `${outputformat} ${messageformat}`).toBeUndefined();
      }
    }
  });

  describe('against the fake Rocket.Chat', () => {
    let sink: FakeRocketchat;
    beforeEach(async () => {
      sink = await new FakeRocketchat().start();
    });
    afterEach(async () => {
      await sink.stop();
    });

    it('refuses a message with nothing to show, and posts nothing for a body it cannot read', async () => {
      const empty = await fetch(sink.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"x"}' });
      expect(empty.status).toBe(400);
      expect(await empty.json()).toEqual({ success: false, error: 'unknown-error' });
      const plain = await fetch(sink.webhookUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"text":"hi"}' });
      expect(await plain.json()).toEqual({ success: true });
      expect(sink.messages).toHaveLength(0);
    });

    it('a wrong token is fatal (404) and says why', async () => {
      const sender = createSender(instanceFrom('rocketchat', { webhookurl: `${sink.url}/hooks/${sink.integrationId}/revoked` }), { clock: fixedClock });
      const result = await sender.send([referenceAlert()]);
      expect(result).toMatchObject({ kind: 'fatal', status: 404 });
      expect(result.kind === 'fatal' && result.reason).toContain('Invalid integration id or token provided.');
      await sender.close();
    });
  });
});
