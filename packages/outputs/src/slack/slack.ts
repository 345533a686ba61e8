import type { Priority } from '@peregrine/engine';
import { type OutputAlert, sortedTags, stringFieldEntries } from '../alert';
import { key } from '../config';
import { goEncode, type GoStruct, goStruct } from '../go/json';
import { compileGoTemplate, type CompiledTemplate, TemplateError } from '../go/template';
import { goTimeString } from '../go/time';
import { defineOutput, type FullConfig, postEachAlert } from '../output';

/**
 * Slack incoming webhook. Default: falcosidekick's legacy attachment, byte for byte. Opt-in
 * `format: blocks`: a Block Kit message (header, output, fields, context) inside a coloured
 * attachment, which is how Slack renders rich messages today.
 */

export const SLACK_DEFAULT_FOOTER = 'https://github.com/falcosecurity/falcosidekick';
export const SLACK_DEFAULT_ICON = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png';

export const slackKeys = {
  webhookurl: key.url({ secret: true, description: 'Incoming webhook URL; enables the output.' }),
  channel: key.string({ description: 'Channel override, sent only when set (legacy webhooks only honour it).' }),
  footer: key.string({ default: SLACK_DEFAULT_FOOTER, description: 'Attachment footer (all/fields formats); empty = the default.' }),
  icon: key.string({ default: SLACK_DEFAULT_ICON, description: 'Avatar URL (`icon_url`); empty = none.' }),
  username: key.string({ default: 'Falcosidekick', description: 'Sender name; empty = the webhook default.' }),
  outputformat: key.enum(['all', 'text', 'fields'], { default: 'all', description: 'all = text and fields, text = the output line only, fields = fields only.' }),
  messageformat: key.string({ description: 'Go template rendered into the top-level `text` (e.g. `Alert {{ .Rule }} on {{ .Hostname }}`).' }),
  format: key.enum(['attachments', 'blocks'], { default: 'attachments', peregrine: true, description: 'attachments = falcosidekick\'s message; blocks = Block Kit.' }),
} as const;

export type SlackConfig = FullConfig<typeof slackKeys>;

interface SlackPrepared {
  readonly template?: CompiledTemplate;
}

/** falcosidekick's colours (its constants Red/Orange/Yellow/Lightcyan/LigthBlue/PaleCyan). */
export const SLACK_COLORS: Readonly<Record<Priority, string>> = {
  Emergency: '#e20b0b',
  Alert: '#ff5400',
  Critical: '#ff5400',
  Error: '#e20b0b',
  Warning: '#ffc700',
  Notice: '#5bffb5',
  Informational: '#68c2ff',
  Debug: '#ccfff2',
};

/** Runes, as Go's `len([]rune(s))`. */
const runeLength = (s: string): number => [...s].length;

/** falcosidekick's `newSlackPayload`. */
export function slackAttachmentPayload(alert: OutputAlert, config: SlackConfig, template?: CompiledTemplate): GoStruct {
  const format = config.outputformat;
  const withFields = format === 'all' || format === 'fields';
  let fields: GoStruct[] | null = null;
  if (withFields) {
    const field = (title: string, value: string, short: boolean): GoStruct => goStruct({ title, value, short });
    fields = [field('rule', alert.rule, true), field('priority', alert.priority, true), field('source', alert.source, true)];
    if (alert.hostname !== '') fields.push(field('hostname', alert.hostname, true));
    if (alert.tags.length > 0) fields.push(field('tags', sortedTags(alert).join(', '), true));
    for (const [name, value] of stringFieldEntries(alert)) fields.push(field(name, value, runeLength(value) < 36));
    if ((alert.folded ?? 0) > 0) fields.push(field('occurrences', String((alert.folded ?? 0) + 1), true));
    fields.push(field('time', goTimeString(alert.time), false));
  }
  const attachment = goStruct({
    fallback: alert.output,
    color: SLACK_COLORS[alert.priority],
    text: format === 'all' || format === 'text' ? emptyToUndefined(alert.output) : undefined,
    // Not omitempty in falcosidekick: `null` in text mode.
    fields,
    footer: withFields ? config.footer || SLACK_DEFAULT_FOOTER : undefined,
  });
  return goStruct({
    text: emptyToUndefined(template?.render(alert) ?? ''),
    username: emptyToUndefined(config.username),
    icon_url: emptyToUndefined(config.icon),
    channel: emptyToUndefined(config.channel),
    attachments: [attachment],
  });
}

/** Block Kit limits (https://api.slack.com/reference/block-kit): beyond them Slack answers `invalid_blocks`. */
export const SLACK_LIMITS = { blocks: 50, headerText: 150, sectionText: 3000, fieldText: 2000, fieldsPerSection: 10, contextElements: 10 } as const;

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair, marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[cut - 1] ?? '')) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The opt-in Block Kit message. */
export function slackBlocksPayload(alert: OutputAlert, config: SlackConfig, template?: CompiledTemplate): GoStruct {
  const format = config.outputformat;
  const top: GoStruct[] = [goStruct({ type: 'header', text: goStruct({ type: 'plain_text', text: truncate(`${alert.priority}: ${alert.rule}`, SLACK_LIMITS.headerText), emoji: false }) })];
  if ((format === 'all' || format === 'text') && alert.output !== '') {
    top.push(goStruct({ type: 'section', text: goStruct({ type: 'mrkdwn', text: truncate(escapeMrkdwn(alert.output), SLACK_LIMITS.sectionText) }) }));
  }
  const inner: GoStruct[] = [];
  if (format === 'all' || format === 'fields') {
    const pairs: Array<[string, string]> = [
      ['rule', alert.rule],
      ['priority', alert.priority],
      ['source', alert.source],
    ];
    if (alert.hostname !== '') pairs.push(['hostname', alert.hostname]);
    if (alert.cluster !== '') pairs.push(['cluster', alert.cluster]);
    if (alert.tags.length > 0) pairs.push(['tags', sortedTags(alert).join(', ')]);
    if ((alert.folded ?? 0) > 0) pairs.push(['occurrences', String((alert.folded ?? 0) + 1)]);
    pairs.push(...stringFieldEntries(alert));
    // Room for the field sections: the limit minus the top blocks, the context and a "more" note.
    const maxSections = SLACK_LIMITS.blocks - top.length - 2;
    const shown = pairs.slice(0, maxSections * SLACK_LIMITS.fieldsPerSection);
    for (let i = 0; i < shown.length; i += SLACK_LIMITS.fieldsPerSection) {
      const fields = shown.slice(i, i + SLACK_LIMITS.fieldsPerSection).map(([title, value]) =>
        goStruct({ type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(title)}*\n${escapeMrkdwn(value)}`, SLACK_LIMITS.fieldText) }),
      );
      inner.push(goStruct({ type: 'section', fields }));
    }
    if (shown.length < pairs.length) {
      inner.push(goStruct({ type: 'context', elements: [goStruct({ type: 'mrkdwn', text: `${pairs.length - shown.length} more fields not shown` })] }));
    }
  }
  const context = [goStruct({ type: 'mrkdwn', text: escapeMrkdwn(goTimeString(alert.time)) })];
  if (format !== 'text') context.push(goStruct({ type: 'mrkdwn', text: escapeMrkdwn(config.footer || SLACK_DEFAULT_FOOTER) }));
  inner.push(goStruct({ type: 'context', elements: context }));
  const rendered = template?.render(alert) ?? '';
  return goStruct({
    // The notification text (blocks have none); falls back to the rule line.
    text: rendered !== '' ? rendered : `${alert.priority}: ${alert.rule}`,
    username: emptyToUndefined(config.username),
    icon_url: emptyToUndefined(config.icon),
    channel: emptyToUndefined(config.channel),
    blocks: top,
    attachments: [goStruct({ color: SLACK_COLORS[alert.priority], blocks: inner })],
  });
}

function emptyToUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}

export const slack = defineOutput<typeof slackKeys, SlackPrepared>({
  type: 'slack',
  title: 'Slack',
  description: 'Slack incoming webhook: falcosidekick attachments, or Block Kit.',
  keys: slackKeys,
  enabledBy: 'webhookurl',
  prepare(config) {
    if (config.messageformat === '') return { prepared: {}, issues: [] };
    try {
      return { prepared: { template: compileGoTemplate(config.messageformat) }, issues: [] };
    } catch (error: unknown) {
      // falcosidekick only logs a bad template; we refuse to start, so no message is half-rendered.
      return { issues: [{ key: 'messageformat', message: error instanceof TemplateError ? error.message : 'is not a valid template' }] };
    }
  },
  maxBatch: () => 1,
  build(alerts, { config, prepared }) {
    return postEachAlert(alerts, config.webhookurl, (alert) =>
      goEncode(config.format === 'blocks' ? slackBlocksPayload(alert, config, prepared.template) : slackAttachmentPayload(alert, config, prepared.template)),
    );
  },
});
