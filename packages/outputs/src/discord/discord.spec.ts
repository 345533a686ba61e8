import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSender } from '../output';
import { parseOutputsConfig } from '../registry';
import { fixedClock, FIXED_NOW, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeDiscord, validateDiscordMessage } from '../testing/servers/discord';
import { discord, interpretDiscordAnswer, withinDiscordLimits } from './discord';

const URL = 'https://discord.com/api/webhooks/1187364521098765432/pQx3vN8kR2mW7yT5bJ9cL4hF6gD1sA0zE';
const HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick' };
const ICON = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick.png';
const COLOR_ICON = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png';
const TIME = '{"name":"time","value":"2001-01-01 01:10:00 +0000 UTC","inline":true}';

// discord_test.go: rule, priority, source, hostname, string output fields in code blocks
// (proc.tty is a number and vanishes), tags, time; all inline; colour as a string.
const FIELDS =
  '[{"name":"rule","value":"Test rule","inline":true},{"name":"priority","value":"Debug","inline":true},{"name":"source","value":"syscalls","inline":true},' +
  '{"name":"hostname","value":"test-host","inline":true},{"name":"proc.name","value":"```falcosidekick```","inline":true},' +
  `{"name":"tags","value":"example, test","inline":true},${TIME}]`;

const body = (json: string): string => `${json}\n`;

runOutputContract({
  definition: discord,
  startSink: () => new FakeDiscord({ token: CONTRACT_SECRET }).start(),
  section: (sink) => ({ webhookurl: sink.webhookUrl }),
  stored: (sink) => sink.messages.length,
  payloads: [
    {
      // discord_test.go decodes with an empty DiscordOutputConfig: no icon, so DefaultIconURL.
      name: 'falcosidekick discord_test.go case (empty icon → the grey icon)',
      section: { webhookurl: URL, icon: '' },
      requests: [
        {
          method: 'POST',
          url: URL,
          headers: HEADERS,
          body: body(`{"content":"","avatar_url":"${ICON}","embeds":[{"title":"","url":"","description":"This is a test from falcosidekick","color":"12370112","fields":${FIELDS}}]}`),
        },
      ],
    },
    {
      name: 'default config (colour icon)',
      section: { webhookurl: URL },
      requests: [{ method: 'POST', url: URL, body: body(`{"content":"","avatar_url":"${COLOR_ICON}","embeds":[{"title":"","url":"","description":"This is a test from falcosidekick","color":"12370112","fields":${FIELDS}}]}`) }],
    },
    {
      name: 'colours per priority (Critical orange, Warning dark gold), no hostname and no tags, HTML-safe escaping as Go',
      section: { webhookurl: URL, icon: 'https://x.example/i.png' },
      alerts: [referenceAlert({ priority: 'Critical', output: 'a <b> & "c"', hostname: '', tags: [], output_fields: {} }), referenceAlert({ priority: 'Warning', output: 'x', hostname: '', tags: [], output_fields: {} })],
      requests: [
        {
          method: 'POST',
          url: URL,
          body: body(
            `{"content":"","avatar_url":"https://x.example/i.png","embeds":[{"title":"","url":"","description":"a \\u003cb\\u003e \\u0026 \\"c\\"","color":"15105570","fields":[{"name":"rule","value":"Test rule","inline":true},{"name":"priority","value":"Critical","inline":true},{"name":"source","value":"syscalls","inline":true},${TIME}]}]}`,
          ),
        },
        {
          method: 'POST',
          url: URL,
          body: body(
            `{"content":"","avatar_url":"https://x.example/i.png","embeds":[{"title":"","url":"","description":"x","color":"12745742","fields":[{"name":"rule","value":"Test rule","inline":true},{"name":"priority","value":"Warning","inline":true},{"name":"source","value":"syscalls","inline":true},${TIME}]}]}`,
          ),
        },
      ],
    },
  ],
});

interface Embed {
  description: string;
  color: string;
  fields: Array<{ name: string; value: string; inline: boolean }>;
}

describe('discord details', () => {
  const planned = (alert = referenceAlert(), section: Record<string, unknown> = { webhookurl: URL }): { message: Record<string, unknown>; embed: Embed } => {
    const message = JSON.parse(String(discord.plan(instanceFrom('discord', section), [alert], 0)[0]!.spec.body)) as Record<string, unknown>;
    return { message, embed: (message['embeds'] as Embed[])[0]! };
  };

  it('has one colour per priority', () => {
    const colours = (['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const).map((priority) => planned(referenceAlert({ priority })).embed.color);
    expect(colours).toEqual(['15158332', '11027200', '15105570', '15844367', '12745742', '3066993', '3447003', '12370112']);
  });

  it('keeps falcosidekick\'s bytes right up to Discord\'s limits (25 fields)', () => {
    const fields = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`f.${String(i).padStart(2, '0')}`, 'v']));
    const { message, embed } = planned(referenceAlert({ output_fields: fields }));
    expect(embed.fields).toHaveLength(25);
    expect(embed.fields.map((f) => f.name)).not.toContain('more fields');
    expect(validateDiscordMessage(message)).toBeUndefined();
  });

  it('cuts a huge alert down to an embed Discord accepts, keeping rule, priority, source, hostname, tags and time', () => {
    const fields = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field.${String(i).padStart(2, '0')}`, `${'é'.repeat(1500)}😀`]));
    const alert = referenceAlert({ output: 'o'.repeat(5000), output_fields: fields });
    // What falcosidekick would send is refused, so the alert would be lost.
    const names = ['rule', 'priority', 'source', 'hostname', ...Object.keys(fields), 'tags', 'time'];
    expect(withinDiscordLimits(alert.output, names.map((name) => ({ name, value: 'x'.repeat(1100) })))).toBe(false);

    const { message, embed } = planned(alert);
    expect(validateDiscordMessage(message)).toBeUndefined();
    const kept = embed.fields.map((f) => f.name);
    expect(kept.slice(0, 4)).toEqual(['rule', 'priority', 'source', 'hostname']);
    expect(kept.slice(-3)).toEqual(['more fields', 'tags', 'time']);
    const shown = kept.filter((name) => name.startsWith('field.'));
    expect(embed.fields.find((f) => f.name === 'more fields')!.value).toBe(`${40 - shown.length} not shown`);
    // A cut value stays a code block.
    expect(embed.fields[4]!.value).toMatch(/^```é+…```$/);
    expect([...embed.fields[4]!.value].length).toBeLessThanOrEqual(1024);
    expect(embed.description.endsWith('…')).toBe(true);
  });

  it('leaves out a field with an empty value (Discord requires one) only then', () => {
    const { message, embed } = planned(referenceAlert({ source: '' }));
    expect(embed.fields.map((f) => f.name)).toEqual(['rule', 'priority', 'hostname', 'proc.name', 'tags', 'time']);
    expect(validateDiscordMessage(message)).toBeUndefined();
  });

  it('shows folded duplicates as an occurrences field before the time, only when dedup folded some', () => {
    expect(planned(referenceAlert({ folded: 9 })).embed.fields.slice(-2).map((f) => [f.name, f.value])).toEqual([
      ['occurrences', '10'],
      ['time', '2001-01-01 01:10:00 +0000 UTC'],
    ]);
    expect(planned().embed.fields.map((f) => f.name)).not.toContain('occurrences');
  });

  it('reads DISCORD_* env variables; minimumpriority "info" means Informational here, as falcosidekick skips checkPriority for Discord', () => {
    const { instances, problems, warnings } = parseOutputsConfig(
      { slack: { webhookurl: 'https://hooks.slack.com/services/T/B/X', minimumpriority: 'info' } },
      { DISCORD_WEBHOOKURL: URL, DISCORD_ICON: 'https://x.example/i.png', DISCORD_MINIMUMPRIORITY: 'info' },
    );
    expect(problems).toEqual([]);
    const instance = instances.find((i) => i.type === 'discord')!;
    expect(instance.minimumPriority).toBe('Informational');
    expect(String(discord.plan(instance, [referenceAlert()], 0)[0]!.spec.body)).toContain('"avatar_url":"https://x.example/i.png"');
    // Slack's minimum goes through checkPriority: "info" is no minimum there (with a warning).
    expect(instances.find((i) => i.type === 'slack')!.minimumPriority).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/^slack\.minimumpriority/m);
    expect(warnings.join('\n')).not.toMatch(/discord/);
  });

  it('takes the retry delay from the JSON body when a 429 has no Retry-After header', () => {
    const answer = (headers: Record<string, string>, text: string) => interpretDiscordAnswer({ status: 429, headers, body: text, truncated: false }, FIXED_NOW);
    expect(answer({}, '{"message":"You are being rate limited.","retry_after":0.251,"global":false}')).toMatchObject({ kind: 'retryable', status: 429, after: 251 });
    expect(answer({ 'retry-after': '2' }, '{"retry_after":1.5}')).toMatchObject({ kind: 'retryable', after: 2000 });
    expect(answer({}, '<html>slow down</html>')).not.toHaveProperty('after');
  });

  it('sends messages Discord accepts for realistic alerts', () => {
    expect(validateDiscordMessage(planned(realisticAlert()).message)).toBeUndefined();
  });

  describe('against the fake Discord', () => {
    let sink: FakeDiscord;
    beforeEach(async () => {
      sink = await new FakeDiscord({ rateLimit: { requests: 2, windowMs: 3000 } }).start();
    });
    afterEach(async () => {
      await sink.stop();
    });

    it('a rate-limited webhook is retried after Discord\'s Retry-After', async () => {
      const sender = createSender(instanceFrom('discord', { webhookurl: sink.webhookUrl }), { clock: fixedClock });
      expect(await sender.send([referenceAlert(), realisticAlert()])).toMatchObject({ kind: 'ok' });
      const result = await sender.send([referenceAlert()]);
      expect(result).toMatchObject({ kind: 'retryable', status: 429 });
      expect(result.kind === 'retryable' && result.after).toBeGreaterThanOrEqual(1000);
      expect(result.kind === 'retryable' && result.after).toBeLessThanOrEqual(3000);
      expect(sink.messages).toHaveLength(2);
      await sender.close();
    });

    it('answers a message over its limits with Discord\'s Invalid Form Body, naming the place', async () => {
      const fields = Array.from({ length: 26 }, (_, i) => ({ name: `n${i}`, value: 'v' }));
      const answer = await fetch(sink.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: '', embeds: [{ description: 'd', fields }] }) });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({
        message: 'Invalid Form Body',
        code: 50035,
        errors: { embeds: { '0': { fields: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] } } } },
      });
      const empty = await fetch(sink.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"content":"","embeds":[]}' });
      expect(await empty.json()).toEqual({ message: 'Cannot send an empty message', code: 50006 });
    });

    it('a wrong token is fatal (401) and says why', async () => {
      const sender = createSender(instanceFrom('discord', { webhookurl: `${sink.url}/api/webhooks/${sink.webhookId}/wrong` }), { clock: fixedClock });
      const result = await sender.send([referenceAlert()]);
      expect(result).toMatchObject({ kind: 'fatal', status: 401 });
      expect(result.kind === 'fatal' && result.reason).toContain('Invalid Webhook Token');
      await sender.close();
    });
  });
});
