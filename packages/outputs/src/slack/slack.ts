import type { Priority } from '@peregrine/engine';
import { type OutputAlert, sortedTags, stringFieldEntries } from '../alert';
import { type ConfigIssue, key } from '../config';
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
  webhookurl: key.url({ secret: true, description: 'Incoming webhook URL; enables the output.', example: 'https://hooks.slack.com/services/XXX' }),
  channel: key.string({ description: 'Channel override, sent only when set (legacy webhooks only honour it).' }),
  footer: key.string({ default: SLACK_DEFAULT_FOOTER, description: 'Attachment footer (all/fields formats); empty = the default.' }),
  icon: key.string({ default: SLACK_DEFAULT_ICON, description: 'Avatar URL (`icon_url`); empty = none.' }),
  username: key.string({ default: 'Falcosidekick', description: 'Sender name; empty = the webhook default.' }),
  outputformat: key.enum(['all', 'text', 'fields'], { default: 'all', description: 'all = text and fields, text = the output line only, fields = fields only.' }),
  messageformat: key.string({ description: 'Go template rendered into the top-level `text` (e.g. `Alert {{ .Rule }} on {{ .Hostname }}`).' }),
  format: key.enum(['attachments', 'blocks'], { default: 'attachments', peregrine: true, description: 'attachments = falcosidekick\'s message; blocks = Block Kit.' }),
} as const;

export type SlackConfig = FullConfig<typeof slackKeys>;

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

/*
 * Building blocks falcosidekick shares between Slack, Mattermost and Rocket.Chat: the last two
 * reuse its `slackPayload`, `slackAttachment` and `slackAttachmentField` types, so they are
 * exported for those outputs.
 */

/**
 * falcosidekick's `DefaultIconURL` (outputs/constants.go). Mattermost, Rocket.Chat and Discord
 * fall back to it when `icon` is set empty; note it is not the `_color` icon their configs default to.
 */
export const FALCOSIDEKICK_DEFAULT_ICON = 'https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick.png';

/** falcosidekick's `slackAttachmentField`. */
export function attachmentField(title: string, value: string, short: boolean): GoStruct {
  return goStruct({ title, value, short });
}

/** The string output fields, sorted, as attachment fields: short when under 36 runes (not bytes). */
export function outputAttachmentFields(alert: OutputAlert): GoStruct[] {
  return stringFieldEntries(alert).map(([name, value]) => attachmentField(name, value, runeLength(value) < 36));
}

/** How many identical alerts one message stands for, when dedup folded some; undefined otherwise (falcosidekick's bytes). */
export function occurrences(alert: OutputAlert): string | undefined {
  const folded = alert.folded ?? 0;
  return folded > 0 ? String(folded + 1) : undefined;
}

/** falcosidekick's `slackAttachment`: `text` and `footer` are omitted when empty, `fields` is not (`null` when absent). */
export function slackAttachment(parts: { fallback: string; color: string; text?: string; fields: GoStruct[] | null; footer?: string }): GoStruct {
  return goStruct({
    fallback: parts.fallback,
    color: parts.color,
    text: emptyToUndefined(parts.text ?? ''),
    fields: parts.fields,
    footer: emptyToUndefined(parts.footer ?? ''),
  });
}

/** falcosidekick's `slackPayload`: every member is omitted when empty. */
export function slackMessage(parts: { text?: string; username?: string; iconUrl?: string; channel?: string; attachments?: readonly GoStruct[] }): GoStruct {
  return goStruct({
    text: emptyToUndefined(parts.text ?? ''),
    username: emptyToUndefined(parts.username ?? ''),
    icon_url: emptyToUndefined(parts.iconUrl ?? ''),
    channel: emptyToUndefined(parts.channel ?? ''),
    attachments: parts.attachments !== undefined && parts.attachments.length > 0 ? parts.attachments : undefined,
  });
}

/** What chat outputs with a `messageformat` key precompute. */
export interface MessageFormatPrepared {
  readonly template?: CompiledTemplate;
}

/** Compiles `messageformat` once. falcosidekick only logs a bad template; we refuse to start, so no message is half-rendered. */
export function prepareMessageFormat(messageformat: string): { prepared?: MessageFormatPrepared; issues: ConfigIssue[] } {
  if (messageformat === '') return { prepared: {}, issues: [] };
  try {
    return { prepared: { template: compileGoTemplate(messageformat) }, issues: [] };
  } catch (error: unknown) {
    return { issues: [{ key: 'messageformat', message: error instanceof TemplateError ? error.message : 'is not a valid template' }] };
  }
}

/** The keys a Slack-compatible payload reads: Slack's names, which Mattermost and Rocket.Chat share. */
export interface SlackCompatibleSettings {
  readonly outputformat: 'all' | 'text' | 'fields';
  readonly footer: string;
  readonly icon: string;
  readonly username: string;
  /** Slack only: the channel override. */
  readonly channel?: string;
}

/**
 * Where falcosidekick's Slack-compatible payloads differ: Slack's `newSlackPayload`,
 * `newMattermostPayload` and `newRocketchatPayload` build the same attachment from the same
 * types and differ only in these.
 */
export interface SlackCompatibleDialect {
  /** Where the hostname field stands: after source (Slack), after rule (Mattermost), or last (Rocket.Chat). */
  readonly hostnameField: 'after-source' | 'after-rule' | 'last';
  /** Whether the attachment carries the footer in the all/fields formats (Rocket.Chat's never does). */
  readonly footer: boolean;
  /** The `icon_url` sent when `icon` is empty; undefined = `icon_url` is omitted (Slack). */
  readonly emptyIcon?: string;
  /**
   * Text mode: `attachment` sends the attachment with the output line and `fields: null` (Slack,
   * Mattermost); `output-as-text` sends no attachment (as falcosidekick's Rocket.Chat payload)
   * and, so that the message is not empty, the output line as `text` when no `messageformat`
   * text was rendered.
   */
  readonly textMode: 'attachment' | 'output-as-text';
  /** Leave out fields whose value is empty (Rocket.Chat refuses the whole message for one). */
  readonly dropEmptyFields: boolean;
}

/** Slack's own: falcosidekick's `newSlackPayload`. */
export const SLACK_DIALECT: SlackCompatibleDialect = { hostnameField: 'after-source', footer: true, textMode: 'attachment', dropEmptyFields: false };

/** The attachment's fields: rule, priority, source, tags, string output fields, occurrences, time, with the hostname where the dialect puts it. */
function attachmentFields(alert: OutputAlert, hostnameField: SlackCompatibleDialect['hostnameField']): GoStruct[] {
  const hostname = alert.hostname !== '' ? [attachmentField('hostname', alert.hostname, true)] : [];
  const fields = [attachmentField('rule', alert.rule, true)];
  if (hostnameField === 'after-rule') fields.push(...hostname);
  fields.push(attachmentField('priority', alert.priority, true), attachmentField('source', alert.source, true));
  if (hostnameField === 'after-source') fields.push(...hostname);
  if (alert.tags.length > 0) fields.push(attachmentField('tags', sortedTags(alert).join(', '), true));
  fields.push(...outputAttachmentFields(alert));
  const count = occurrences(alert);
  if (count !== undefined) fields.push(attachmentField('occurrences', count, true));
  fields.push(attachmentField('time', goTimeString(alert.time), false));
  if (hostnameField === 'last') fields.push(...hostname);
  return fields;
}

function hasValue(field: GoStruct): boolean {
  return field.fields.some(([name, value]) => name === 'value' && value !== '');
}

/** falcosidekick's Slack-style attachment message, as Slack, Mattermost or Rocket.Chat (the dialect) gets it. */
export function slackCompatiblePayload(alert: OutputAlert, config: SlackCompatibleSettings, dialect: SlackCompatibleDialect, template?: CompiledTemplate): GoStruct {
  const format = config.outputformat;
  const withFields = format === 'all' || format === 'fields';
  let text = template?.render(alert) ?? '';
  let attachments: GoStruct[] | undefined;
  if (withFields || dialect.textMode === 'attachment') {
    const fields = withFields ? attachmentFields(alert, dialect.hostnameField) : null;
    attachments = [
      slackAttachment({
        fallback: alert.output,
        color: SLACK_COLORS[alert.priority],
        text: format === 'all' || format === 'text' ? alert.output : undefined,
        // Not omitempty in falcosidekick: `null` in text mode.
        fields: fields !== null && dialect.dropEmptyFields ? fields.filter(hasValue) : fields,
        footer: withFields && dialect.footer ? config.footer || SLACK_DEFAULT_FOOTER : undefined,
      }),
    ];
  } else if (text === '') {
    text = alert.output;
  }
  const icon = dialect.emptyIcon !== undefined ? config.icon || dialect.emptyIcon : config.icon;
  return slackMessage({ text, username: config.username, iconUrl: icon, channel: config.channel, attachments });
}

/** falcosidekick's `newSlackPayload`. */
export function slackAttachmentPayload(alert: OutputAlert, config: SlackConfig, template?: CompiledTemplate): GoStruct {
  return slackCompatiblePayload(alert, config, SLACK_DIALECT, template);
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

export function emptyToUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}

export const slack = defineOutput<typeof slackKeys, MessageFormatPrepared>({
  type: 'slack',
  title: 'Slack',
  description: 'Slack incoming webhook: falcosidekick attachments, or Block Kit.',
  keys: slackKeys,
  enabledBy: 'webhookurl',
  prepare: (config) => prepareMessageFormat(config.messageformat),
  maxBatch: () => 1,
  build(alerts, { config, prepared }) {
    return postEachAlert(alerts, config.webhookurl, (alert) =>
      goEncode(config.format === 'blocks' ? slackBlocksPayload(alert, config, prepared.template) : slackAttachmentPayload(alert, config, prepared.template)),
    );
  },
});
