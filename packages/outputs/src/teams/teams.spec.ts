import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Priority } from '@peregrine/engine';
import { PRIORITIES } from '@peregrine/engine';
import { goMarshal } from '../go/json';
import { createSender } from '../output';
import { adaptiveCardProblems } from '../testing/adaptive-cards';
import { fixedClock, realisticAlert, referenceAlert } from '../testing/alerts';
import { CONTRACT_SECRET, runOutputContract } from '../testing/contract';
import { instanceFrom } from '../testing/instances';
import { FakeTeams } from '../testing/servers/teams';
import { teams, teamsAdaptiveCard, type TeamsConfig } from './teams';

const URL = 'https://example.webhook.office.com/webhookb2/x/IncomingWebhook/y/z';
const OUTPUT = 'This is a test from falcosidekick';
const IMAGE = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png';
// Teams' order: tags come last (unlike Slack), string fields only.
const FACTS =
  '[{"name":"rule","value":"Test rule"},{"name":"priority","value":"Debug"},{"name":"source","value":"syscalls"},{"name":"hostname","value":"test-host"},' +
  '{"name":"proc.name","value":"falcosidekick"},{"name":"tags","value":"example, test"}]';

runOutputContract({
  definition: teams,
  startSink: () => new FakeTeams(`/webhookb2/abc/IncomingWebhook/${CONTRACT_SECRET}/def`).start(),
  section: (sink) => ({ webhookurl: sink.webhookUrl }),
  stored: (sink) => sink.cards.length,
  payloads: [
    {
      // teams_test.go: empty configuration, so no activity image.
      name: 'falcosidekick teams_test.go case (no image)',
      section: { webhookurl: URL, activityimage: '' },
      requests: [
        {
          method: 'POST',
          url: URL,
          headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Falcosidekick' },
          body: `{"@type":"MessageCard","summary":"${OUTPUT}","themeColor":"ccfff2","sections":[{"activityTitle":"Falcosidekick","activitySubtitle":"2001-01-01 01:10:00 +0000 UTC","text":"${OUTPUT}","facts":${FACTS}}]}\n`,
        },
      ],
    },
    {
      name: 'default config (outputformat all, default image)',
      section: { webhookurl: URL },
      requests: [
        {
          method: 'POST',
          url: URL,
          body: `{"@type":"MessageCard","summary":"${OUTPUT}","themeColor":"ccfff2","sections":[{"activityTitle":"Falcosidekick","activitySubtitle":"2001-01-01 01:10:00 +0000 UTC","activityImage":"${IMAGE}","text":"${OUTPUT}","facts":${FACTS}}]}\n`,
        },
      ],
    },
    {
      name: 'outputformat text: no facts key',
      section: { webhookurl: URL, outputformat: 'text', activityimage: '' },
      requests: [
        {
          method: 'POST',
          url: URL,
          body: `{"@type":"MessageCard","summary":"${OUTPUT}","themeColor":"ccfff2","sections":[{"activityTitle":"Falcosidekick","activitySubtitle":"2001-01-01 01:10:00 +0000 UTC","text":"${OUTPUT}"}]}\n`,
        },
      ],
    },
    {
      name: 'outputformat facts: text key kept, empty',
      section: { webhookurl: URL, outputformat: 'facts', activityimage: '' },
      alerts: [referenceAlert({ priority: 'Critical' })],
      requests: [
        {
          method: 'POST',
          url: URL,
          body: `{"@type":"MessageCard","summary":"${OUTPUT}","themeColor":"ff9000","sections":[{"activityTitle":"Falcosidekick","activitySubtitle":"2001-01-01 01:10:00 +0000 UTC","text":"","facts":${FACTS.replace('"Debug"', '"Critical"')}}]}\n`,
        },
      ],
    },
    {
      name: 'format adaptivecard: the Workflows envelope',
      section: { webhookurl: URL, format: 'adaptivecard', activityimage: '' },
      requests: [
        {
          method: 'POST',
          url: URL,
          body:
            '{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,"content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4","body":[' +
            '{"type":"Container","style":"emphasis","bleed":true,"items":[{"type":"TextBlock","text":"Debug: Test rule","weight":"Bolder","size":"Medium","wrap":true},{"type":"TextBlock","text":"2001-01-01 01:10:00 +0000 UTC","isSubtle":true,"spacing":"None","wrap":true}]},' +
            `{"type":"TextBlock","text":"${OUTPUT}","wrap":true},` +
            '{"type":"FactSet","facts":[{"title":"rule","value":"Test rule"},{"title":"priority","value":"Debug"},{"title":"source","value":"syscalls"},{"title":"hostname","value":"test-host"},{"title":"proc.name","value":"falcosidekick"},{"title":"tags","value":"example, test"}]}' +
            '],"msteams":{"width":"Full"}}}]}\n',
        },
      ],
    },
  ],
});

describe('teams Adaptive Card validity (Microsoft adaptivecards parser)', () => {
  const configFor = (section: Record<string, unknown>): TeamsConfig => instanceFrom('teams', { webhookurl: URL, format: 'adaptivecard', ...section }).config as TeamsConfig;

  it.each(PRIORITIES.map((p) => [p]))('is valid for priority %s in every output format, with and without image', async (priority: Priority) => {
    for (const outputformat of ['all', 'text', 'facts']) {
      for (const activityimage of ['', 'https://example.com/i.png']) {
        const card = JSON.parse(goMarshal(teamsAdaptiveCard(realisticAlert({ priority }), configFor({ outputformat, activityimage })))) as unknown;
        expect(await adaptiveCardProblems(card), `${outputformat} ${activityimage}`).toEqual([]);
      }
    }
  });

  it('the validator is real: it rejects what Teams would not render', async () => {
    expect(await adaptiveCardProblems({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'Bogus' }] })).not.toEqual([]);
    expect(await adaptiveCardProblems({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'x', weight: 'Heavy' }] })).not.toEqual([]);
    expect(await adaptiveCardProblems({ type: 'AdaptiveCard', version: '1.9', body: [] })).not.toEqual([]);
    expect(await adaptiveCardProblems({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'FactSet', facts: [] }] })).not.toEqual([]);
  });

  it('an alert without output, hostname, tags or string fields still gives a valid card', async () => {
    const bare = referenceAlert({ output: '', hostname: '', tags: [], output_fields: { n: 1 } });
    const card = JSON.parse(goMarshal(teamsAdaptiveCard(bare, configFor({})))) as unknown;
    expect(await adaptiveCardProblems(card)).toEqual([]);
  });
});

describe('teams against the fake webhook', () => {
  let sink: FakeTeams;
  beforeEach(async () => {
    sink = await new FakeTeams().start();
  });
  afterEach(async () => {
    await sink.stop();
  });

  it('delivers Adaptive Cards to a Workflows webhook (202)', async () => {
    const sender = createSender(instanceFrom('teams', { webhookurl: sink.webhookUrl, format: 'adaptivecard' }), { clock: fixedClock });
    expect(await sender.send([realisticAlert(), referenceAlert()])).toEqual({ kind: 'ok', status: 202 });
    expect(sink.cards).toHaveLength(2);
    await sender.close();
  });

  it('reads the connector\'s "200 but delivery failed" answers: 429 inside → retry, others → fatal', async () => {
    const sender = createSender(instanceFrom('teams', { webhookurl: sink.webhookUrl }), { clock: fixedClock });
    sink.answerNext({ status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0' });
    expect(await sender.send([referenceAlert()])).toMatchObject({ kind: 'retryable', status: 200 });
    sink.answerNext({ status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413 with ContextId tcid=0' });
    expect(await sender.send([referenceAlert()])).toMatchObject({ kind: 'fatal', status: 200 });
    await sender.close();
  });
});
