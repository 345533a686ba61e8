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
 * Rocket.Chat incoming webhook (`/hooks/<integrationId>/<token>`). falcosidekick sends it Slack's
 * payload types with Rocket.Chat's field order (hostname last) and no footer; byte for byte as its
 * `newRocketchatPayload`, except where Rocket.Chat would refuse or show nothing (see
 * {@link rocketchatPayload}).
 */

export const rocketchatKeys = {
  webhookurl: key.url({ secret: true, description: 'Incoming webhook URL (`https://<server>/hooks/<integrationId>/<token>`); enables the output.' }),
  // In falcosidekick's config and defaults, but its Rocket.Chat payload never carries a footer.
  footer: key.string({ default: SLACK_DEFAULT_FOOTER, description: 'Accepted for compatibility; never sent (falcosidekick does not send it either).' }),
  icon: key.string({ default: SLACK_DEFAULT_ICON, description: 'Avatar URL (`icon_url`); empty = falcosidekick\'s grey icon (never omitted).' }),
  username: key.string({ default: 'Falcosidekick', description: 'Sender name (Rocket.Chat\'s alias); empty = the integration\'s.' }),
  outputformat: key.enum(['all', 'text', 'fields'], { default: 'all', description: 'all = text and fields, text = the top-level text only, fields = fields only.' }),
  messageformat: key.string({ description: 'Go template rendered into the top-level `text`, above the attachment (e.g. `Alert {{ .Rule }} on {{ .Hostname }}`).' }),
} as const;

export type RocketchatConfig = FullConfig<typeof rocketchatKeys>;

/**
 * falcosidekick's `newRocketchatPayload`, with two repairs that only touch messages Rocket.Chat
 * would refuse or show empty (everything else is identical):
 * - a field whose value is empty (an empty output field, an empty source) is left out: Rocket.Chat
 *   refuses the whole message ("title and value is required");
 * - in text mode falcosidekick sends no attachment at all, so without a `messageformat` (or when
 *   it renders empty) the message carried nothing; the output line is sent as `text` instead.
 */
export function rocketchatPayload(alert: OutputAlert, config: RocketchatConfig, template?: CompiledTemplate): GoStruct {
  const format = config.outputformat;
  const withFields = format === 'all' || format === 'fields';
  let text = template?.render(alert) ?? '';
  let attachments: GoStruct[] | undefined;
  if (withFields) {
    const fields = [attachmentField('rule', alert.rule, true), attachmentField('priority', alert.priority, true), attachmentField('source', alert.source, true)];
    if (alert.tags.length > 0) fields.push(attachmentField('tags', sortedTags(alert).join(', '), true));
    fields.push(...outputAttachmentFields(alert));
    const count = occurrences(alert);
    if (count !== undefined) fields.push(attachmentField('occurrences', count, true));
    fields.push(attachmentField('time', goTimeString(alert.time), false));
    if (alert.hostname !== '') fields.push(attachmentField('hostname', alert.hostname, true));
    attachments = [
      slackAttachment({
        fallback: alert.output,
        color: SLACK_COLORS[alert.priority],
        text: format === 'all' ? alert.output : undefined,
        fields: fields.filter(hasValue),
      }),
    ];
  } else if (text === '') {
    text = alert.output;
  }
  return slackMessage({ text, username: config.username, iconUrl: config.icon || FALCOSIDEKICK_DEFAULT_ICON, attachments });
}

function hasValue(field: GoStruct): boolean {
  return field.fields.some(([name, value]) => name === 'value' && value !== '');
}

export const rocketchat = defineOutput<typeof rocketchatKeys, MessageFormatPrepared>({
  type: 'rocketchat',
  title: 'Rocket.Chat',
  description: 'Rocket.Chat incoming webhook: falcosidekick\'s Slack-style attachment.',
  keys: rocketchatKeys,
  enabledBy: 'webhookurl',
  prepare: (config) => prepareMessageFormat(config.messageformat),
  maxBatch: () => 1,
  build(alerts, { config, prepared }) {
    return postEachAlert(alerts, config.webhookurl, (alert) => goEncode(rocketchatPayload(alert, config, prepared.template)));
  },
});
