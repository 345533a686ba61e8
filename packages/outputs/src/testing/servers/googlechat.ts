import { type Answer, FakeSink, isObject, jsonAnswer, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * A Google Chat incoming webhook (`POST /v1/spaces/<space>/messages?key=…&token=…`), answering as
 * Google's API front end does: `200` with the created message resource, or Google's error JSON
 * `{"error":{"code":…,"message":…,"status":…}}`:
 *
 * - 400 `INVALID_ARGUMENT` "API key not valid…" (missing or wrong `key`), 401 `UNAUTHENTICATED`
 *   (wrong `token`), 404 `NOT_FOUND` (another space or path);
 * - 400 `INVALID_ARGUMENT` "Invalid JSON payload received…" for a body that is not JSON, a member
 *   the Message resource does not have (`Unknown name "x" at 'message.cards[0]': Cannot find
 *   field.` — the proto JSON parser is strict, camelCase or snake_case names), a value of the
 *   wrong type (`Invalid value at 'message.text' (TYPE_STRING)`), or two widget kinds in one widget;
 * - 400 "Message cannot be empty." without `text`, `cards` or `cardsV2`, and a message over
 *   32,000 bytes.
 *
 * It reads the legacy `cards` (deprecated but accepted) and `cardsV2`.
 */

export interface FakeGooglechatOptions {
  readonly space?: string;
  readonly key?: string;
  readonly token?: string;
}

/** A proto message schema: member name → kind. Lists are `[schema]`. */
type Kind = 'string' | 'bool' | 'int' | 'any' | Schema | readonly [Kind];
interface Schema {
  readonly [member: string]: Kind;
}
/** Lists the members of a proto `oneof`: at most one of them may be set. */
const ONEOF = Symbol('oneof');
type SchemaWithOneof = Schema & { readonly [ONEOF]?: readonly string[] };

const ON_CLICK: Schema = { action: 'any', openLink: 'any', openDynamicLinkAction: 'any', card: 'any', overflowMenu: 'any' };

const V1_WIDGET: SchemaWithOneof = {
  textParagraph: { text: 'string' },
  image: { imageUrl: 'string', onClick: 'any', aspectRatio: 'any' },
  keyValue: { topLabel: 'string', content: 'string', contentMultiline: 'bool', bottomLabel: 'string', onClick: 'any', icon: 'string', iconUrl: 'string', button: 'any' },
  buttons: ['any'],
  [ONEOF]: ['textParagraph', 'image', 'keyValue', 'buttons'],
};

const V1_CARD: Schema = {
  header: { title: 'string', subtitle: 'string', imageStyle: 'string', imageUrl: 'string' },
  sections: [{ header: 'string', widgets: [V1_WIDGET] }],
  cardActions: ['any'],
  name: 'string',
};

const V2_KINDS = ['textParagraph', 'image', 'decoratedText', 'buttonList', 'textInput', 'selectionInput', 'dateTimePicker', 'divider', 'grid', 'columns', 'chipList', 'carousel'];

const V2_WIDGET: SchemaWithOneof = {
  textParagraph: { text: 'string', maxLines: 'int' },
  decoratedText: {
    icon: 'any',
    startIcon: 'any',
    topLabel: 'string',
    text: 'string',
    wrapText: 'bool',
    bottomLabel: 'string',
    onClick: ON_CLICK,
    button: 'any',
    switchControl: 'any',
    endIcon: 'any',
  },
  image: 'any',
  buttonList: 'any',
  textInput: 'any',
  selectionInput: 'any',
  dateTimePicker: 'any',
  divider: {},
  grid: 'any',
  columns: 'any',
  chipList: 'any',
  carousel: 'any',
  horizontalAlignment: 'string',
  [ONEOF]: V2_KINDS,
};

const V2_CARD: Schema = {
  header: { title: 'string', subtitle: 'string', imageType: 'string', imageUrl: 'string', imageAltText: 'string' },
  sections: [{ header: 'string', widgets: [V2_WIDGET], collapsible: 'bool', uncollapsibleWidgetsCount: 'int', collapseControl: 'any' }],
  sectionDividerStyle: 'string',
  cardActions: ['any'],
  name: 'string',
  fixedFooter: 'any',
  displayStyle: 'string',
  peekCardHeader: 'any',
};

const MESSAGE: Schema = {
  name: 'string',
  sender: 'any',
  createTime: 'string',
  lastUpdateTime: 'string',
  deleteTime: 'string',
  text: 'string',
  formattedText: 'string',
  cards: [V1_CARD],
  cardsV2: [{ cardId: 'string', card: V2_CARD }],
  annotations: ['any'],
  thread: { name: 'string', threadKey: 'string' },
  space: 'any',
  fallbackText: 'string',
  actionResponse: 'any',
  argumentText: 'string',
  slashCommand: 'any',
  attachment: ['any'],
  matchedUrl: 'any',
  threadReply: 'bool',
  clientAssignedMessageId: 'string',
  emojiReactionSummaries: ['any'],
  privateMessageViewer: 'any',
  deletionMetadata: 'any',
  quotedMessageMetadata: 'any',
  attachedGifs: ['any'],
  accessoryWidgets: ['any'],
};

export const GOOGLECHAT_MAX_MESSAGE_BYTES = 32_000;

export class FakeGooglechat extends FakeSink {
  readonly messages: Array<Record<string, unknown>> = [];
  readonly space: string;
  readonly key: string;
  readonly token: string;
  private sequence = 0;

  constructor(options: FakeGooglechatOptions = {}) {
    super();
    this.space = options.space ?? 'AAAAbCdEfGh';
    this.key = options.key ?? 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI';
    this.token = options.token ?? 'Jf7Qx2mWc9rV1tKp4sLz8nYb3hDgE6uA0oIiRyTqXw';
  }

  /** The webhook URL to configure (as Chat shows it). */
  get webhookUrl(): string {
    return `${this.url}/v1/spaces/${this.space}/messages?key=${encodeURIComponent(this.key)}&token=${encodeURIComponent(this.token)}`;
  }

  protected handle(request: RecordedRequest): Answer {
    const [path, query = ''] = request.url.split('?') as [string, string?];
    const params = new URLSearchParams(query);
    if (request.method !== 'POST' || path !== `/v1/spaces/${this.space}/messages`) return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
    if (params.get('key') !== this.key) return googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
    if (params.get('token') !== this.token) return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    if (mediaType(request.headers) !== 'application/json') return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.');
    const parsed = parseJsonText(request.text);
    if (!parsed.ok || !isObject(parsed.value)) return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.');
    const problem = googlechatMessageProblem(parsed.value, request.raw.length);
    if (problem) return googleError(400, 'INVALID_ARGUMENT', problem);
    this.messages.push(parsed.value);
    this.sequence += 1;
    return jsonAnswer(200, {
      name: `spaces/${this.space}/messages/m${this.sequence}`,
      sender: { name: 'users/114022495153014004089', displayName: 'Falco', type: 'BOT' },
      createTime: '2024-06-15T12:00:00.000000Z',
      ...parsed.value,
      thread: { name: `spaces/${this.space}/threads/t${this.sequence}` },
      space: { name: `spaces/${this.space}`, type: 'ROOM' },
    });
  }
}

/** Google's message for a Chat message it would refuse, or undefined. Exported for payload tests. */
export function googlechatMessageProblem(message: Record<string, unknown>, bytes = Buffer.byteLength(JSON.stringify(message))): string | undefined {
  const shape = checkObject(message, MESSAGE, 'message');
  if (shape) return `Invalid JSON payload received. ${shape}`;
  const text = typeof message['text'] === 'string' ? message['text'] : '';
  const cards = [message['cards'], message['cards_v2'], message['cardsV2']].some((list) => Array.isArray(list) && list.length > 0);
  if (text === '' && !cards) return 'Message cannot be empty.';
  if (bytes > GOOGLECHAT_MAX_MESSAGE_BYTES) return `Message exceeds the maximum size of ${GOOGLECHAT_MAX_MESSAGE_BYTES} bytes.`;
  return undefined;
}

const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function checkObject(value: Record<string, unknown>, schema: SchemaWithOneof, at: string): string | undefined {
  const set: string[] = [];
  for (const [name, member] of Object.entries(value)) {
    const proto = camel(name);
    const kind = Object.hasOwn(schema, proto) ? schema[proto] : undefined;
    if (kind === undefined) return `Unknown name "${name}" at '${at}': Cannot find field.`;
    if (member === null) continue;
    if (schema[ONEOF]?.includes(proto)) set.push(proto);
    const problem = checkValue(member, kind, `${at}.${snake(proto)}`);
    if (problem) return problem;
  }
  if (set.length > 1) return `Invalid value at '${at}': oneof field 'data' is already set. Cannot set '${set[1]}'`;
  return undefined;
}

function checkValue(value: unknown, kind: Kind, at: string): string | undefined {
  if (kind === 'any') return undefined;
  if (kind === 'string') return typeof value === 'string' ? undefined : `Invalid value at '${at}' (TYPE_STRING), ${JSON.stringify(value)}`;
  if (kind === 'bool') return typeof value === 'boolean' ? undefined : `Invalid value at '${at}' (TYPE_BOOL), ${JSON.stringify(value)}`;
  if (kind === 'int') return Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value)) ? undefined : `Invalid value at '${at}' (TYPE_INT32), ${JSON.stringify(value)}`;
  if (Array.isArray(kind)) {
    if (!Array.isArray(value)) return `Invalid value at '${at}' (type.googleapis.com/google.chat.v1.Message), ${JSON.stringify(value)}`;
    for (const [i, item] of value.entries()) {
      const problem = checkValue(item, kind[0] as Kind, `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isObject(value)) return `Invalid value at '${at}', ${JSON.stringify(value)}: Proto field is not repeating, cannot start list.`;
  return checkObject(value, kind as SchemaWithOneof, at);
}

function googleError(code: number, status: string, message: string): Answer {
  return jsonAnswer(code, { error: { code, message, status } }, { 'content-type': 'application/json; charset=UTF-8' });
}
