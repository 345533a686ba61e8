import type { Priority } from '@peregrine/engine';
import { type OutputAlert, sortedTags, stringFieldEntries } from '../alert';
import { key } from '../config';
import { goEncode, type GoStruct, goStruct } from '../go/json';
import { goTimeString } from '../go/time';
import { classifyResponse, type HttpResponse } from '../http';
import { defineOutput, type FullConfig, postEachAlert } from '../output';
import type { ItemResult } from '../result';
import { FALCOSIDEKICK_DEFAULT_ICON, occurrences, SLACK_DEFAULT_ICON } from '../slack/slack';

/**
 * Discord webhook (`/api/webhooks/<id>/<token>`): falcosidekick's `newDiscordPayload` byte for
 * byte — empty `content`, `avatar_url`, one embed with the output as description, a colour per
 * priority and inline fields. Discord refuses a message that breaks its embed limits; only then
 * is the embed cut down to fit (see {@link fitDiscordEmbed}), so falcosidekick's bytes are kept
 * whenever Discord would have taken them.
 */

export const discordKeys = {
  webhookurl: key.url({ secret: true, description: 'Webhook URL (`https://discord.com/api/webhooks/<id>/<token>`); enables the output.', example: 'https://discord.com/api/webhooks/XXX/XXX' }),
  icon: key.string({ default: SLACK_DEFAULT_ICON, description: 'Avatar URL (`avatar_url`); empty = falcosidekick\'s grey icon (never omitted).' }),
} as const;

export type DiscordConfig = FullConfig<typeof discordKeys>;

/** falcosidekick's Discord colours: decimal RGB, sent as JSON strings (Discord reads them as integers). */
export const DISCORD_COLORS: Readonly<Record<Priority, string>> = {
  Emergency: '15158332', // red
  Alert: '11027200', // dark orange
  Critical: '15105570', // orange
  Error: '15844367', // gold
  Warning: '12745742', // dark gold
  Notice: '3066993', // teal
  Informational: '3447003', // blue
  Debug: '12370112', // light grey
};

/** Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits), in characters. */
export const DISCORD_LIMITS = { description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, embedTotal: 6000 } as const;

export interface DiscordField {
  readonly name: string;
  readonly value: string;
}

/** Characters as Discord counts them (code points). */
const length = (text: string): number => [...text].length;

/** Cuts to at most `max` code points, marking the cut. */
function cut(text: string, max: number): string {
  const points = [...text];
  return points.length <= max ? text : `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Output field values are shown as code blocks, as falcosidekick does. */
const codeBlock = (value: string): string => `\`\`\`${value}\`\`\``;

/** Whether Discord takes this embed as it is. */
export function withinDiscordLimits(description: string, fields: readonly DiscordField[]): boolean {
  if (length(description) > DISCORD_LIMITS.description || fields.length > DISCORD_LIMITS.fields) return false;
  let total = length(description);
  for (const field of fields) {
    const name = length(field.name);
    const value = length(field.value);
    if (name === 0 || value === 0 || name > DISCORD_LIMITS.fieldName || value > DISCORD_LIMITS.fieldValue) return false;
    total += name + value;
  }
  return total <= DISCORD_LIMITS.embedTotal;
}

/**
 * An embed Discord accepts, from one it would refuse (with "Invalid Form Body", so the alert
 * would be lost): fields with an empty value are left out; names and values are cut (a code
 * block stays a code block); output fields beyond 25 fields or the 6000-character total are left
 * out — rule, priority, source, hostname, tags and time stay — and counted in a last
 * "more fields" field; the description is cut last.
 */
export function fitDiscordEmbed(description: string, head: readonly DiscordField[], outputFields: readonly DiscordField[], tail: readonly DiscordField[]): { description: string; fields: DiscordField[] } {
  const fitField = (field: DiscordField, isCode: boolean): DiscordField => ({
    name: cut(field.name, DISCORD_LIMITS.fieldName),
    value: isCode && length(field.value) > DISCORD_LIMITS.fieldValue ? codeBlock(cut(field.value.slice(3, -3), DISCORD_LIMITS.fieldValue - 6)) : cut(field.value, DISCORD_LIMITS.fieldValue),
  });
  const hasContent = (field: DiscordField): boolean => field.name !== '' && field.value !== '';
  const fixedHead = head.filter(hasContent).map((f) => fitField(f, false));
  const fixedTail = tail.filter(hasContent).map((f) => fitField(f, false));
  const candidates = outputFields.filter(hasContent).map((f) => fitField(f, true));
  const shown = [...candidates];
  const assemble = (): DiscordField[] => {
    const hidden = candidates.length - shown.length;
    return [...fixedHead, ...shown, ...(hidden > 0 ? [{ name: 'more fields', value: `${hidden} not shown` }] : []), ...fixedTail];
  };
  let fitted = cut(description, DISCORD_LIMITS.description);
  const total = (fields: readonly DiscordField[]): number => fields.reduce((sum, f) => sum + length(f.name) + length(f.value), length(fitted));
  while (shown.length > 0 && (assemble().length > DISCORD_LIMITS.fields || total(assemble()) > DISCORD_LIMITS.embedTotal)) shown.pop();
  const fields = assemble();
  // The kept fields are bounded (a few of at most 1024 characters), so cutting the description always suffices.
  const excess = total(fields) - DISCORD_LIMITS.embedTotal;
  if (excess > 0) fitted = cut(fitted, length(fitted) - excess);
  return { description: fitted, fields };
}

/** falcosidekick's `newDiscordPayload` (cut to Discord's limits only when it breaks them). */
export function discordPayload(alert: OutputAlert, config: DiscordConfig): GoStruct {
  const head: DiscordField[] = [
    { name: 'rule', value: alert.rule },
    { name: 'priority', value: alert.priority },
    { name: 'source', value: alert.source },
  ];
  if (alert.hostname !== '') head.push({ name: 'hostname', value: alert.hostname });
  const outputFields = stringFieldEntries(alert).map(([name, value]) => ({ name, value: codeBlock(value) }));
  const tail: DiscordField[] = [];
  if (alert.tags.length > 0) tail.push({ name: 'tags', value: sortedTags(alert).join(', ') });
  const count = occurrences(alert);
  if (count !== undefined) tail.push({ name: 'occurrences', value: count });
  tail.push({ name: 'time', value: goTimeString(alert.time) });

  let description = alert.output;
  let fields = [...head, ...outputFields, ...tail];
  if (!withinDiscordLimits(description, fields)) ({ description, fields } = fitDiscordEmbed(description, head, outputFields, tail));

  return goStruct({
    content: '',
    avatar_url: config.icon || FALCOSIDEKICK_DEFAULT_ICON,
    embeds: [
      goStruct({
        title: '',
        url: '',
        description,
        color: DISCORD_COLORS[alert.priority],
        fields: fields.map((field) => goStruct({ name: field.name, value: field.value, inline: true })),
      }),
    ],
  });
}

/**
 * Discord's 429 carries `Retry-After` (whole seconds) and, in its JSON body, `retry_after` in
 * seconds with a fraction; the header wins, the body is the fallback.
 */
export function interpretDiscordAnswer(response: HttpResponse, now: number): ItemResult {
  const result = classifyResponse(response, now);
  if (response.status !== 429 || result.kind !== 'retryable' || result.after !== undefined) return result;
  try {
    const parsed = JSON.parse(response.body) as { retry_after?: unknown };
    const seconds = parsed.retry_after;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return { ...result, after: Math.ceil(seconds * 1000) };
  } catch {
    // Not Discord's JSON (a proxy's page): no hint to honour.
  }
  return result;
}

export const discord = defineOutput<typeof discordKeys>({
  type: 'discord',
  title: 'Discord',
  description: 'Discord webhook: falcosidekick\'s embed with a colour per priority.',
  keys: discordKeys,
  enabledBy: 'webhookurl',
  // config.go does not pass discord.minimumpriority through checkPriority, so `info` filters there.
  infoMinimumIsInformational: true,
  maxBatch: () => 1,
  build(alerts, { config }) {
    return postEachAlert(alerts, config.webhookurl, (alert) => goEncode(discordPayload(alert, config)));
  },
  interpret: (response, _request, _alerts, { now }) => interpretDiscordAnswer(response, now),
});
