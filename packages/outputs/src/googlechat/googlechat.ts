import { type OutputAlert, sortedTags, stringFieldEntries } from '../alert';
import { key } from '../config';
import { goEncode, type GoStruct, goStruct } from '../go/json';
import type { CompiledTemplate } from '../go/template';
import { goTimeString } from '../go/time';
import { defineOutput, type FullConfig, postEachAlert } from '../output';
import { type MessageFormatPrepared, occurrences, prepareMessageFormat } from '../slack/slack';

/**
 * Google Chat incoming webhook (`https://chat.googleapis.com/v1/spaces/<space>/messages?key=…&token=…`).
 * Default: falcosidekick's `newGooglechatPayload` byte for byte — the rendered `messageformat` as
 * `text` and a legacy (v1) card of key-value widgets. Opt-in `format: cardsv2`: the same content
 * as a Cards v2 card (Google deprecated v1 cards), with the output line and the cluster.
 */

export const googlechatKeys = {
  webhookurl: key.url({ secret: true, description: 'Incoming webhook URL, with its `key` and `token`; enables the output.', example: 'https://chat.googleapis.com/v1/spaces/XXX/messages?key=XXX&token=XXX' }),
  outputformat: key.enum(['all', 'text'], { default: 'all', description: 'all = text and a card of fields, text = the text only.' }),
  messageformat: key.string({ description: 'Go template rendered into `text`, above the card (e.g. `Alert {{ .Rule }} on {{ .Hostname }}`).' }),
  format: key.enum(['cards', 'cardsv2'], { default: 'cards', peregrine: true, description: 'cards = falcosidekick\'s v1 card; cardsv2 = a Cards v2 card.' }),
} as const;

export type GooglechatConfig = FullConfig<typeof googlechatKeys>;

/** Google Chat's limits: a message (text and cards) of at most 32,000 bytes; widgets past 100 per card are silently dropped. */
export const GOOGLECHAT_LIMITS = { messageBytes: 32_000, widgetsPerCard: 100, shortenedValues: [1000, 200, 40] } as const;

type Pair = readonly [label: string, value: string];

/** The card's rows in falcosidekick's order: rule, priority, source, hostname, string output fields, tags, time. */
function rows(alert: OutputAlert, withCluster: boolean): { head: Pair[]; outputFields: Pair[]; tail: Pair[] } {
  const head: Pair[] = [
    ['rule', alert.rule],
    ['priority', alert.priority],
    ['source', alert.source],
  ];
  if (alert.hostname !== '') head.push(['hostname', alert.hostname]);
  if (withCluster && alert.cluster !== '') head.push(['cluster', alert.cluster]);
  const tail: Pair[] = [];
  if (alert.tags.length > 0) tail.push(['tags', sortedTags(alert).join(', ')]);
  const count = occurrences(alert);
  if (count !== undefined) tail.push(['occurrences', count]);
  tail.push(['time', goTimeString(alert.time)]);
  return { head, outputFields: stringFieldEntries(alert), tail };
}

/** Cuts to at most `max` code points, marking the cut. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = [...text];
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

/** Text widgets of Cards v2 read simple HTML; an alert's text must show as written. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** falcosidekick's v1 card: one section of `keyValue` widgets, an always-present empty header (a Go struct is never omitted). */
function cardsV1(pairs: readonly Pair[]): GoStruct {
  const widgets = pairs.map(([topLabel, content]) => goStruct({ keyValue: goStruct({ topLabel, content }) }));
  return goStruct({ cards: [goStruct({ header: goStruct({ title: '', subtitle: '' }), sections: [goStruct({ widgets })] })] });
}

function cardsV2(alert: OutputAlert, pairs: readonly Pair[], limit: number): GoStruct {
  const sections: GoStruct[] = [];
  if (alert.output !== '') sections.push(goStruct({ widgets: [goStruct({ textParagraph: goStruct({ text: escapeHtml(cut(alert.output, limit * 4)) }) })] }));
  sections.push(
    goStruct({
      widgets: pairs.map(([topLabel, text]) => goStruct({ decoratedText: goStruct({ topLabel, text: escapeHtml(text), wrapText: true }) })),
    }),
  );
  const header = goStruct({ title: cut(`${alert.priority}: ${alert.rule}`, limit), subtitle: alert.hostname === '' ? undefined : cut(alert.hostname, limit) });
  return goStruct({ cardsV2: [goStruct({ cardId: 'falco-alert', card: goStruct({ header, sections }) })] });
}

function message(text: string, cards: GoStruct | undefined): GoStruct {
  // `text` is omitempty in falcosidekick; the card members follow it.
  return goStruct({ text: text === '' ? undefined : text, ...Object.fromEntries(cards?.fields ?? []) });
}

/**
 * falcosidekick's `newGooglechatPayload`, or the Cards v2 message. Two repairs, only where Google
 * would refuse the message or it would show nothing:
 * - text mode with no (or an empty) rendered `messageformat`: falcosidekick sends `{}`, which Chat
 *   refuses ("Message cannot be empty"); the output line is sent as `text` instead;
 * - a message over 32,000 bytes is refused: long values are cut, then output fields beyond the
 *   size are replaced by a `more fields` row (rule, priority, source, hostname, tags, time stay).
 * Cards v2 also keeps within the 100 widgets Chat shows per card.
 */
export function googlechatPayload(alert: OutputAlert, config: GooglechatConfig, template?: CompiledTemplate): GoStruct {
  const text = template?.render(alert) ?? '';
  if (config.outputformat === 'text') return message(text === '' ? alert.output : text, undefined);
  const v2 = config.format === 'cardsv2';
  const { head, outputFields, tail } = rows(alert, v2);
  // Every value is cut to `limit` code points (the text and output line to 4 times that); Infinity = as is.
  const build = (shown: number, limit: number): GoStruct => {
    const hidden = outputFields.length - shown;
    const more: Pair[] = hidden > 0 ? [['more fields', `${hidden} not shown`]] : [];
    const pairs = [...head, ...outputFields.slice(0, shown), ...more, ...tail].map(([label, value]): Pair => [label, cut(value, limit)]);
    return message(cut(text, limit * 4), v2 ? cardsV2(alert, pairs, limit) : cardsV1(pairs));
  };
  const fits = (payload: GoStruct): boolean => Buffer.byteLength(goEncode(payload)) <= GOOGLECHAT_LIMITS.messageBytes;
  // Cards v2 is ours: it never relies on Chat dropping the widgets past the 100th.
  // The output paragraph counts too: the limit is per card.
  const paragraph = alert.output === '' ? 0 : 1;
  const room = v2 ? Math.min(outputFields.length, GOOGLECHAT_LIMITS.widgetsPerCard - paragraph - 1 - head.length - tail.length) : outputFields.length;
  const whole = build(room, Infinity);
  if (fits(whole)) return whole;
  for (const limit of GOOGLECHAT_LIMITS.shortenedValues) {
    if (!fits(build(0, limit))) continue;
    // The most output fields that fit (fewer fields, smaller message): a binary search, as each try encodes the message.
    let low = 0;
    let high = room;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(build(middle, limit))) low = middle;
      else high = middle - 1;
    }
    return build(low, limit);
  }
  // Nothing smaller keeps the message meaningful; Chat will refuse it and say why.
  return build(0, GOOGLECHAT_LIMITS.shortenedValues[GOOGLECHAT_LIMITS.shortenedValues.length - 1]!);
}

export const googlechat = defineOutput<typeof googlechatKeys, MessageFormatPrepared>({
  type: 'googlechat',
  title: 'Google Chat',
  description: 'Google Chat incoming webhook: text and falcosidekick\'s card, or a Cards v2 card.',
  keys: googlechatKeys,
  enabledBy: 'webhookurl',
  prepare: (config) => prepareMessageFormat(config.messageformat),
  maxBatch: () => 1,
  build(alerts, { config, prepared }) {
    return postEachAlert(alerts, config.webhookurl, (alert) => goEncode(googlechatPayload(alert, config, prepared.template)));
  },
});
