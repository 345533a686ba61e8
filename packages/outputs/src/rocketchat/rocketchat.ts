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
 * Rocket.Chat incoming webhook (`/hooks/<integrationId>/<token>`). falcosidekick sends it Slack's
 * payload types with Rocket.Chat's field order (hostname last) and no footer; byte for byte as its
 * `newRocketchatPayload`, except where Rocket.Chat would refuse or show nothing (see
 * {@link rocketchatPayload}).
 */

export const rocketchatKeys = {
  webhookurl: key.url({ secret: true, description: 'Incoming webhook URL (`https://<server>/hooks/<integrationId>/<token>`); enables the output.', example: 'https://rocketchat.example.com/hooks/XXX/XXX' }),
  // In falcosidekick's config and defaults, but its Rocket.Chat payload never carries a footer.
  footer: key.string({ default: SLACK_DEFAULT_FOOTER, description: 'Accepted for compatibility; never sent (falcosidekick does not send it either).' }),
  icon: key.string({ default: SLACK_DEFAULT_ICON, description: 'Avatar URL (`icon_url`); empty = falcosidekick\'s grey icon (never omitted).' }),
  username: key.string({ default: 'Falcosidekick', description: 'Sender name (Rocket.Chat\'s alias); empty = the integration\'s.' }),
  outputformat: key.enum(['all', 'text', 'fields'], { default: 'all', description: 'all = text and fields, text = the top-level text only, fields = fields only.' }),
  messageformat: key.string({ description: 'Go template rendered into the top-level `text`, above the attachment (e.g. `Alert {{ .Rule }} on {{ .Hostname }}`).' }),
} as const;

export type RocketchatConfig = FullConfig<typeof rocketchatKeys>;

/** Rocket.Chat's field order (hostname last), no footer, the grey icon for an empty one, and the two repairs below. */
const ROCKETCHAT_DIALECT: SlackCompatibleDialect = { hostnameField: 'last', footer: false, emptyIcon: FALCOSIDEKICK_DEFAULT_ICON, textMode: 'output-as-text', dropEmptyFields: true };

/**
 * falcosidekick's `newRocketchatPayload`, with two repairs that only touch messages Rocket.Chat
 * would refuse or show empty (everything else is identical):
 * - a field whose value is empty (an empty output field, an empty source) is left out: Rocket.Chat
 *   refuses the whole message ("title and value is required");
 * - in text mode falcosidekick sends no attachment at all, so without a `messageformat` (or when
 *   it renders empty) the message carried nothing; the output line is sent as `text` instead.
 */
export function rocketchatPayload(alert: OutputAlert, config: RocketchatConfig, template?: CompiledTemplate): GoStruct {
  return slackCompatiblePayload(alert, config, ROCKETCHAT_DIALECT, template);
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
