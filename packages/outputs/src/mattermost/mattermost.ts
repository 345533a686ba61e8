import type { OutputAlert } from '../alert';
import { key } from '../config';
import { goEncode, type GoStruct } from '../go/json';
import type { CompiledTemplate } from '../go/template';
import { defineOutput, type FullConfig, postEachAlert } from '../output';
import {
  FALCOSIDEKICK_DEFAULT_ICON,
  type MessageFormatPrepared,
  prepareMessageFormat,
  SLACK_DEFAULT_FOOTER,
  SLACK_DEFAULT_ICON,
  type SlackCompatibleDialect,
  slackCompatiblePayload,
} from '../slack/slack';

/**
 * Mattermost incoming webhook (`/hooks/<id>`). Mattermost reads Slack's format, and falcosidekick
 * sends it Slack's payload types with Mattermost's own field order: rule, hostname, priority,
 * source, tags, string output fields, time. Byte for byte as falcosidekick's `newMattermostPayload`.
 */

export const mattermostKeys = {
  webhookurl: key.url({ secret: true, description: 'Incoming webhook URL (`https://<server>/hooks/<id>`); enables the output.', example: 'https://mattermost.example.com/hooks/XXX' }),
  footer: key.string({ default: SLACK_DEFAULT_FOOTER, description: 'Attachment footer (all/fields formats); empty = the default.' }),
  icon: key.string({ default: SLACK_DEFAULT_ICON, description: 'Avatar URL (`icon_url`); empty = falcosidekick\'s grey icon (never omitted).' }),
  username: key.string({ default: 'Falcosidekick', description: 'Sender name; empty = the webhook default.' }),
  outputformat: key.enum(['all', 'text', 'fields'], { default: 'all', description: 'all = text and fields, text = the output line only, fields = fields only.' }),
  messageformat: key.string({ description: 'Go template rendered into the top-level `text`, above the attachment (e.g. `Alert {{ .Rule }} on {{ .Hostname }}`).' }),
} as const;

export type MattermostConfig = FullConfig<typeof mattermostKeys>;

/** Mattermost's order puts the hostname right after the rule; unlike Slack, an empty icon falls back to falcosidekick's default instead of being omitted. */
const MATTERMOST_DIALECT: SlackCompatibleDialect = { hostnameField: 'after-rule', footer: true, emptyIcon: FALCOSIDEKICK_DEFAULT_ICON, textMode: 'attachment', dropEmptyFields: false };

/** falcosidekick's `newMattermostPayload`. */
export function mattermostPayload(alert: OutputAlert, config: MattermostConfig, template?: CompiledTemplate): GoStruct {
  return slackCompatiblePayload(alert, config, MATTERMOST_DIALECT, template);
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
