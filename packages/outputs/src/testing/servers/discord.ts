import { type Answer, FakeSink, isObject, jsonAnswer, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * A Discord webhook (`POST /api/webhooks/<id>/<token>`, optionally `/api/v10/…`), answering as
 * Discord does: `204` (or `200` with the message for `?wait=true`), or its JSON errors —
 *
 * - 404 `{"message":"Unknown Webhook","code":10015}`, 401 `{"message":"Invalid Webhook Token","code":50027}`;
 * - 400 `{"code":50109,"message":"The request body contains invalid JSON."}`;
 * - 400 `{"message":"Cannot send an empty message","code":50006}` (no content and no embed, or a
 *   body it does not read as JSON);
 * - 400 `{"message":"Invalid Form Body","code":50035,"errors":{…}}` with Discord's nested
 *   `_errors` for broken limits: content ≤ 2000, ≤ 10 embeds, title ≤ 256, description ≤ 4096,
 *   ≤ 25 fields with a required name ≤ 256 and value ≤ 1024, footer ≤ 2048, author ≤ 256, 6000
 *   characters per embed, an integer colour (numeric strings are coerced, as Discord does),
 *   well-formed URLs (an empty `url` counts as none);
 * - 429 with `Retry-After` (whole seconds), `X-RateLimit-*` headers and
 *   `{"message":"You are being rate limited.","retry_after":<seconds>,"global":false}` when more
 *   than `rateLimit.requests` arrive within `rateLimit.windowMs` (off unless configured).
 *
 * Lengths are counted in characters (code points), as Discord does.
 */

export interface FakeDiscordOptions {
  readonly webhookId?: string;
  readonly token?: string;
  /** Discord's per-webhook bucket (5 per 2 s in practice); off when absent. */
  readonly rateLimit?: { readonly requests: number; readonly windowMs: number };
}

type Errors = Record<string, unknown>;

const LIMITS = { content: 2000, embeds: 10, title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, author: 256, username: 80, embedTotal: 6000, color: 16_777_215 } as const;

export class FakeDiscord extends FakeSink {
  readonly messages: Array<Record<string, unknown>> = [];
  readonly webhookId: string;
  readonly token: string;
  private readonly accepted: number[] = [];

  constructor(private readonly options: FakeDiscordOptions = {}) {
    super();
    this.webhookId = options.webhookId ?? '1187364521098765432';
    this.token = options.token ?? 'pQx3vN8kR2mW7yT5bJ9cL4hF6gD1sA0zE-uIoYtRwQeWaSdFgHjKlZxCvBnM_12345678';
  }

  /** The webhook URL to configure. */
  get webhookUrl(): string {
    return `${this.url}/api/webhooks/${this.webhookId}/${this.token}`;
  }

  protected handle(request: RecordedRequest): Answer {
    const [path, query = ''] = request.url.split('?') as [string, string?];
    const route = /^\/api(?:\/v\d+)?\/webhooks\/([^/]+)\/([^/]+)$/.exec(path);
    if (!route) return jsonAnswer(404, { message: '404: Not Found', code: 0 });
    if (route[1] !== this.webhookId) return jsonAnswer(404, { message: 'Unknown Webhook', code: 10015 });
    if (route[2] !== this.token) return jsonAnswer(401, { message: 'Invalid Webhook Token', code: 50027 });
    if (request.method !== 'POST') return jsonAnswer(405, { message: '405: Method Not Allowed', code: 0 });
    const limited = this.rateLimited();
    if (limited) return limited;
    if (mediaType(request.headers) !== 'application/json') return EMPTY_MESSAGE;
    const parsed = parseJsonText(request.text);
    if (!parsed.ok) return jsonAnswer(400, { code: 50109, message: 'The request body contains invalid JSON.' });
    if (!isObject(parsed.value)) return jsonAnswer(400, { code: 50035, message: 'Invalid Form Body', errors: { _errors: [{ code: 'DICT_TYPE_CONVERT', message: 'Only dictionaries may be used in a DictType' }] } });
    const problem = validateDiscordMessage(parsed.value);
    if (problem) return problem;
    this.messages.push(parsed.value);
    if (new URLSearchParams(query).get('wait') === 'true') return jsonAnswer(200, { id: '1187364521098765999', type: 0, content: parsed.value['content'] ?? '', webhook_id: this.webhookId });
    return { status: 204 };
  }

  private rateLimited(): Answer | undefined {
    const limit = this.options.rateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    while (this.accepted.length > 0 && this.accepted[0]! <= now - limit.windowMs) this.accepted.shift();
    if (this.accepted.length < limit.requests) {
      this.accepted.push(now);
      return undefined;
    }
    const seconds = (this.accepted[0]! + limit.windowMs - now) / 1000;
    return jsonAnswer(
      429,
      { message: 'You are being rate limited.', retry_after: Number(seconds.toFixed(3)), global: false },
      { 'retry-after': String(Math.ceil(seconds)), 'x-ratelimit-limit': String(limit.requests), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': seconds.toFixed(3), 'x-ratelimit-scope': 'user' },
    );
  }
}

const EMPTY_MESSAGE = jsonAnswer(400, { message: 'Cannot send an empty message', code: 50006 });

const chars = (text: string): number => [...text].length;

function put(errors: Errors, path: ReadonlyArray<string | number>, code: string, message: string): void {
  let node = errors;
  for (const step of path) {
    const name = String(step);
    if (!isObject(node[name])) node[name] = {};
    node = node[name] as Errors;
  }
  const list = (node['_errors'] as unknown[] | undefined) ?? [];
  list.push({ code, message });
  node['_errors'] = list;
}

function checkText(errors: Errors, path: ReadonlyArray<string | number>, value: unknown, max: number, required = false): number {
  if (value === undefined || value === null) {
    if (required) put(errors, path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return 0;
  }
  if (typeof value !== 'string') {
    put(errors, path, 'BASE_TYPE_STRING', 'Must be a string.');
    return 0;
  }
  if (required && value === '') put(errors, path, 'BASE_TYPE_REQUIRED', 'This field is required');
  if (chars(value) > max) put(errors, path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  return chars(value);
}

function checkUrl(errors: Errors, path: ReadonlyArray<string | number>, value: unknown): void {
  if (value === undefined || value === null || value === '') return;
  if (typeof value !== 'string' || !/^https?:\/\/[^\s/]+/i.test(value)) put(errors, path, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
}

/** Discord's answer to a message it would refuse, or undefined. Exported for payload tests. */
export function validateDiscordMessage(message: Record<string, unknown>): Answer | undefined {
  const errors: Errors = {};
  checkText(errors, ['content'], message['content'], LIMITS.content);
  if (message['username'] !== undefined) checkText(errors, ['username'], message['username'], LIMITS.username);
  checkUrl(errors, ['avatar_url'], message['avatar_url']);
  const embeds = message['embeds'];
  if (embeds !== undefined && embeds !== null && !Array.isArray(embeds)) put(errors, ['embeds'], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
  const list = Array.isArray(embeds) ? (embeds as unknown[]) : [];
  if (list.length > LIMITS.embeds) put(errors, ['embeds'], 'BASE_TYPE_MAX_LENGTH', `Must be ${LIMITS.embeds} or fewer in length.`);
  // The 6000 characters are for all embeds of the message together.
  let total = 0;
  list.forEach((embed, e) => {
    if (!isObject(embed)) {
      put(errors, ['embeds', e], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
      return;
    }
    total += checkText(errors, ['embeds', e, 'title'], embed['title'], LIMITS.title);
    total += checkText(errors, ['embeds', e, 'description'], embed['description'], LIMITS.description);
    checkUrl(errors, ['embeds', e, 'url'], embed['url']);
    const color = embed['color'];
    if (color !== undefined && color !== null) {
      const numeric = typeof color === 'number' ? color : typeof color === 'string' && /^-?\d+$/.test(color.trim()) ? Number(color) : undefined;
      if (numeric === undefined || !Number.isInteger(numeric)) put(errors, ['embeds', e, 'color'], 'NUMBER_TYPE_COERCE', `Value "${JSON.stringify(color)}" is not int.`);
      else if (numeric > LIMITS.color) put(errors, ['embeds', e, 'color'], 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${LIMITS.color}.`);
      else if (numeric < 0) put(errors, ['embeds', e, 'color'], 'NUMBER_TYPE_MIN', 'int value should be greater than or equal to 0.');
    }
    if (isObject(embed['footer'])) total += checkText(errors, ['embeds', e, 'footer', 'text'], embed['footer']['text'], LIMITS.footer, true);
    if (isObject(embed['author'])) total += checkText(errors, ['embeds', e, 'author', 'name'], embed['author']['name'], LIMITS.author, true);
    const fields = embed['fields'];
    if (fields !== undefined && fields !== null) {
      if (!Array.isArray(fields)) put(errors, ['embeds', e, 'fields'], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
      else {
        if (fields.length > LIMITS.fields) put(errors, ['embeds', e, 'fields'], 'BASE_TYPE_MAX_LENGTH', `Must be ${LIMITS.fields} or fewer in length.`);
        fields.forEach((field: unknown, f) => {
          if (!isObject(field)) {
            put(errors, ['embeds', e, 'fields', f], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
            return;
          }
          total += checkText(errors, ['embeds', e, 'fields', f, 'name'], field['name'], LIMITS.fieldName, true);
          total += checkText(errors, ['embeds', e, 'fields', f, 'value'], field['value'], LIMITS.fieldValue, true);
          if (field['inline'] !== undefined && field['inline'] !== null && typeof field['inline'] !== 'boolean') put(errors, ['embeds', e, 'fields', f, 'inline'], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
        });
      }
    }
  });
  if (total > LIMITS.embedTotal) put(errors, ['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${LIMITS.embedTotal}`);
  if (Object.keys(errors).length > 0) return jsonAnswer(400, { message: 'Invalid Form Body', code: 50035, errors });
  const content = message['content'];
  if ((typeof content !== 'string' || content.trim() === '') && list.length === 0) return EMPTY_MESSAGE;
  return undefined;
}
