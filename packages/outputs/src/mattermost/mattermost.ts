import { type OutputAlert, sortedTags } from '../alert';
import { key } from '../config';
import { goEncode, type GoStruct } from '../go/json';
import type { CompiledTemplate } from '../go/template';
import { goTimeString } from '../go/time';
import { defineOutput, type FullConfig, postEachAlert } from '../output';
import {
  attachmentField,
  FALCOSIDEKICK_DEFAULT_ICON,
  type MessageFormatPrepared,
  occurrences,
  outputAttachmentFields,
  prepareMessageFormat,
  SLACK_COLORS,
  SLACK_DEFAULT_FOOTER,
  SLACK_DEFAULT_ICON,
  slackAttachment,
  slackMessage,
} from '../slack/slack';

/**
 * Mattermost incoming webhook (`/hooks/<id>`). Mattermost reads Slack's format, and falcosidekick
 * sends it Slack's payload types with Mattermost's own field order: rule, hostname, priority,
 * source, tags, string output fields, time. Byte for byte as falcosidekick's `newMattermostPayload`.
 */

export const mattermostKeys = {
  webhookurl: key.url({ secret: true, description: 'Incoming webhook URL (`https://<server>/hooks/<id>`); enables the output.' }),
  footer: key.string({ default: SLACK_DEFAULT_FOOTER, description: 'Attachment footer (all/fields formats); empty = the default.' }),
  icon: key.string({ default: SLACK_DEFAULT_ICON, description: 'Avatar URL (`icon_url`); empty = falcosidekick\'s grey icon (never omitted).' }),
  username: key.string({ default: 'Falcosidekick', description: 'Sender name; empty = the webhook default.' }),
  outputformat: key.enum(['all', 'text', 'fields'], { default: 'all', description: 'all = text and fields, text = the output line only, fields = fields only.' }),
  messageformat: key.string({ description: 'Go template rendered into the top-level `text`, above the attachment (e.g. `Alert {{ .Rule }} on {{ .Hostname }}`).' }),
} as const;

export type MattermostConfig = FullConfig<typeof mattermostKeys>;

/** falcosidekick's `newMattermostPayload`. */
export function mattermostPayload(alert: OutputAlert, config: MattermostConfig, template?: CompiledTemplate): GoStruct {
  const format = config.outputformat;
  const withFields = format === 'all' || format === 'fields';
  let fields: GoStruct[] | null = null;
  if (withFields) {
    fields = [attachmentField('rule', alert.rule, true)];
    if (alert.hostname !== '') fields.push(attachmentField('hostname', alert.hostname, true));
    fields.push(attachmentField('priority', alert.priority, true), attachmentField('source', alert.source, true));
    if (alert.tags.length > 0) fields.push(attachmentField('tags', sortedTags(alert).join(', '), true));
    fields.push(...outputAttachmentFields(alert));
    const count = occurrences(alert);
    if (count !== undefined) fields.push(attachmentField('occurrences', count, true));
    fields.push(attachmentField('time', goTimeString(alert.time), false));
  }
  const attachment = slackAttachment({
    fallback: alert.output,
    color: SLACK_COLORS[alert.priority],
    text: format === 'all' || format === 'text' ? alert.output : undefined,
    fields,
    footer: withFields ? config.footer || SLACK_DEFAULT_FOOTER : undefined,
  });
  return slackMessage({
    text: template?.render(alert),
    username: config.username,
    // Unlike Slack, an empty icon falls back to falcosidekick's default instead of being omitted.
    iconUrl: config.icon || FALCOSIDEKICK_DEFAULT_ICON,
    attachments: [attachment],
  });
}

export const mattermost = defineOutput<typeof mattermostKeys, MessageFormatPrepared>({
  type: 'mattermost',
  title: 'Mattermost',
  description: 'Mattermost incoming webhook: falcosidekick\'s Slack-style attachment.',
  keys: mattermostKeys,
  enabledBy: 'webhookurl',
  prepare: (config) => prepareMessageFormat(config.messageformat),
  maxBatch: () => 1,
  build(alerts, { config, prepared }) {
    return postEachAlert(alerts, config.webhookurl, (alert) => goEncode(mattermostPayload(alert, config, prepared.template)));
  },
});
