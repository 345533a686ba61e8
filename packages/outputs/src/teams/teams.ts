import type { Priority } from '@peregrine/engine';
import { type OutputAlert, sortedTags, stringFieldEntries } from '../alert';
import { key } from '../config';
import { goEncode, type GoStruct, goStruct } from '../go/json';
import { goTimeString } from '../go/time';
import { classifyResponse } from '../http';
import { defineOutput, type FullConfig, postEachAlert } from '../output';
import { fatal, retryable } from '../result';

/**
 * Microsoft Teams. Default: falcosidekick's legacy O365-connector MessageCard, byte for byte.
 * Opt-in `format: adaptivecard`: the `message` + Adaptive Card envelope that Teams Workflows
 * (Power Automate) webhooks expect, since Microsoft retired O365 connectors.
 */

export const TEAMS_DEFAULT_IMAGE = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png';

/**
 * falcosidekick's section title, as teams.go sends it at HEAD (8807ab7, since commit 58ec197
 * "fix Falcosidekick name for consistency"); older releases sent `Falco Sidekick`.
 */
export const TEAMS_ACTIVITY_TITLE = 'Falcosidekick';

export const teamsKeys = {
  webhookurl: key.url({ secret: true, description: 'Teams webhook URL (O365 connector or Workflows); enables the output.', example: 'https://example.webhook.office.com/webhookb2/XXX' }),
  activityimage: key.string({ default: TEAMS_DEFAULT_IMAGE, description: 'Image next to the title; empty = none.' }),
  outputformat: key.enum(['all', 'text', 'facts'], { default: 'all', description: 'all = text and facts, text = output line only, facts = facts only.' }),
  format: key.enum(['messagecard', 'adaptivecard'], {
    default: 'messagecard',
    peregrine: true,
    description: 'messagecard = falcosidekick\'s connector card; adaptivecard = Adaptive Card for Workflows webhooks.',
  }),
} as const;

export type TeamsConfig = FullConfig<typeof teamsKeys>;

/** falcosidekick's Teams colours (hex without `#`; note they differ from Slack's). */
export const TEAMS_COLORS: Readonly<Record<Priority, string>> = {
  Emergency: 'e20b0b',
  Alert: 'ff5400',
  Critical: 'ff9000',
  Error: 'ffc700',
  Warning: 'ffff00',
  Notice: '5bffb5',
  Informational: '68c2ff',
  Debug: 'ccfff2',
};

/** Facts in falcosidekick's Teams order: rule, priority, source, hostname, string fields, tags last. */
function teamsFacts(alert: OutputAlert, withCluster: boolean): Array<[string, string]> {
  const facts: Array<[string, string]> = [
    ['rule', alert.rule],
    ['priority', alert.priority],
    ['source', alert.source],
  ];
  if (alert.hostname !== '') facts.push(['hostname', alert.hostname]);
  if (withCluster && alert.cluster !== '') facts.push(['cluster', alert.cluster]);
  facts.push(...stringFieldEntries(alert));
  if (alert.tags.length > 0) facts.push(['tags', sortedTags(alert).join(', ')]);
  if ((alert.folded ?? 0) > 0) facts.push(['occurrences', String((alert.folded ?? 0) + 1)]);
  return facts;
}

/** falcosidekick's `newTeamsPayload`. */
export function teamsMessageCard(alert: OutputAlert, config: TeamsConfig): GoStruct {
  const format = config.outputformat;
  const facts = format === 'text' ? undefined : teamsFacts(alert, false).map(([name, value]) => goStruct({ name, value }));
  return goStruct({
    '@type': 'MessageCard',
    summary: alert.output === '' ? undefined : alert.output,
    themeColor: TEAMS_COLORS[alert.priority],
    sections: [
      goStruct({
        activityTitle: TEAMS_ACTIVITY_TITLE,
        activitySubtitle: goTimeString(alert.time),
        activityImage: config.activityimage === '' ? undefined : config.activityimage,
        // Not omitempty: an empty string in facts mode.
        text: format === 'facts' ? '' : alert.output,
        facts: facts && facts.length > 0 ? facts : undefined,
      }),
    ],
  });
}

/** Container styles by priority (the Adaptive Card counterpart of the theme colour). */
const CARD_STYLE: Readonly<Record<Priority, string>> = {
  Emergency: 'attention',
  Alert: 'attention',
  Critical: 'attention',
  Error: 'attention',
  Warning: 'warning',
  Notice: 'accent',
  Informational: 'emphasis',
  Debug: 'emphasis',
};

/** Teams renders Adaptive Cards up to 1.5 on desktop; 1.4 is what Workflows and mobile accept everywhere. */
export const ADAPTIVE_CARD_VERSION = '1.4';

/** The Adaptive Card (the `content` of the Workflows envelope). */
export function teamsAdaptiveCard(alert: OutputAlert, config: TeamsConfig): GoStruct {
  const format = config.outputformat;
  const title = [
    goStruct({ type: 'TextBlock', text: `${alert.priority}: ${alert.rule}`, weight: 'Bolder', size: 'Medium', wrap: true }),
    goStruct({ type: 'TextBlock', text: goTimeString(alert.time), isSubtle: true, spacing: 'None', wrap: true }),
  ];
  const header =
    config.activityimage === ''
      ? title
      : [
          goStruct({
            type: 'ColumnSet',
            columns: [
              goStruct({ type: 'Column', width: 'auto', items: [goStruct({ type: 'Image', url: config.activityimage, size: 'Small', altText: 'Peregrine' })] }),
              goStruct({ type: 'Column', width: 'stretch', verticalContentAlignment: 'Center', items: title }),
            ],
          }),
        ];
  const body: GoStruct[] = [goStruct({ type: 'Container', style: CARD_STYLE[alert.priority], bleed: true, items: header })];
  if (format !== 'facts' && alert.output !== '') body.push(goStruct({ type: 'TextBlock', text: alert.output, wrap: true }));
  if (format !== 'text') {
    body.push(goStruct({ type: 'FactSet', facts: teamsFacts(alert, true).map(([name, value]) => goStruct({ title: name, value })) }));
  }
  return goStruct({
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    body,
    msteams: goStruct({ width: 'Full' }),
  });
}

/** The envelope Teams Workflows' "post to a channel when a webhook request is received" expects. */
export function teamsAdaptiveCardMessage(alert: OutputAlert, config: TeamsConfig): GoStruct {
  return goStruct({
    type: 'message',
    attachments: [goStruct({ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: teamsAdaptiveCard(alert, config) })],
  });
}

/**
 * The legacy connector answers throttling and downstream failures with HTTP 200 and a text
 * such as `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP
 * error 429 …`; a plain status check would count those as delivered.
 */
const DELIVERY_FAILED = /delivery failed/i;

export const teams = defineOutput<typeof teamsKeys>({
  type: 'teams',
  title: 'Microsoft Teams',
  description: 'Teams webhook: falcosidekick MessageCard, or Adaptive Card for Workflows.',
  keys: teamsKeys,
  enabledBy: 'webhookurl',
  maxBatch: () => 1,
  build(alerts, { config }) {
    return postEachAlert(alerts, config.webhookurl, (alert) => goEncode(config.format === 'adaptivecard' ? teamsAdaptiveCardMessage(alert, config) : teamsMessageCard(alert, config)));
  },
  interpret(response, _request, _alerts, { now }) {
    const result = classifyResponse(response, now);
    if (result.kind !== 'ok' || !DELIVERY_FAILED.test(response.body)) return result;
    const text = response.body.replace(/\s+/g, ' ').trim().slice(0, 300);
    return /HTTP error (429|5\d\d)/i.test(text) ? retryable(`Teams accepted but did not deliver: ${text}`, { status: response.status }) : fatal(`Teams accepted but did not deliver: ${text}`, response.status);
  },
});
