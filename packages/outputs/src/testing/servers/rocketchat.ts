import { type Answer, FakeSink, isObject, jsonAnswer, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * A Rocket.Chat incoming webhook (`/hooks/<integrationId>/<token>`), answering as Rocket.Chat's
 * integrations API does (`app/integrations/server/api/api.ts`, `processWebhookMessage`,
 * `sendMessage`'s `validateMessage`): `200 {"success":true}`, or
 *
 * - 404 `{"success":false,"error":"Invalid integration id or token provided."}` for a wrong id or token;
 * - 400 `{"success":false,"error":…}` for bad JSON, a channel override (off by default), a
 *   message Rocket.Chat's checks refuse (a non-string `text`/`username`/`color`, an `icon_url` that
 *   is not a URL, an attachment field without a title or with an empty value: "Invalid attachment
 *   field, title and value is required"), or a message with nothing to show (no text, no attachment).
 *
 * Like Rocket.Chat, a body it cannot read as JSON (another Content-Type) or an empty object is
 * answered `{"success":true}` and posts nothing — so the stored messages tell the truth.
 */

export class FakeRocketchat extends FakeSink {
  readonly messages: Array<Record<string, unknown>> = [];

  constructor(
    readonly integrationId = 'X8mWnk4ZBqhDdt3Pa',
    readonly token = 'Lk2pQ9vHs7RwYd3TbXn8cJf6MzA4eUgN5yVr1KoWqE0iBhS',
  ) {
    super();
  }

  /** The webhook URL to configure. */
  get webhookUrl(): string {
    return `${this.url}/hooks/${this.integrationId}/${this.token}`;
  }

  protected handle(request: RecordedRequest): Answer {
    const route = /^\/hooks\/([^/]+)\/(?:[^/]+\/)?([^/]+)$/.exec(request.url.split('?')[0]!);
    if (!route) return jsonAnswer(404, { success: false, error: 'Not found' });
    if (request.method !== 'POST' && request.method !== 'GET') return jsonAnswer(405, { success: false, error: 'Method not allowed' });
    if (route[1] !== this.integrationId || decodeURIComponent(route[2]!) !== this.token) return failure(404, 'Invalid integration id or token provided.');
    const type = mediaType(request.headers);
    let body: unknown = {};
    if (type === 'application/json') {
      const parsed = parseJsonText(request.text);
      if (!parsed.ok) return failure(400, parsed.error);
      body = parsed.value;
    } else if (type === 'application/x-www-form-urlencoded') {
      const parsed = parseJsonText(new URLSearchParams(request.text).get('payload') ?? '');
      if (!parsed.ok) return failure(400, parsed.error);
      body = parsed.value;
    }
    if (!isObject(body) || Object.keys(body).length === 0) return jsonAnswer(200, { success: true });
    const problem = validateRocketchatMessage(body);
    if (problem) return failure(400, problem);
    this.messages.push(body);
    return jsonAnswer(200, { success: true });
  }
}

/** Rocket.Chat's error for a message it would refuse, or undefined. Exported for payload tests. */
export function validateRocketchatMessage(message: Record<string, unknown>): string | undefined {
  if (message['channel'] || message['roomId']) return 'overriding destination channel is disabled for this integration';
  for (const name of ['text', 'msg', 'username', 'alias', 'emoji', 'icon_emoji'] as const) {
    const value = message[name];
    if (value !== undefined && value !== null && typeof value !== 'string') return `Match error: Expected string, got ${typeof value}`;
  }
  const avatar = message['icon_url'] ?? message['avatar'];
  if (avatar !== undefined && avatar !== null && avatar !== '' && (typeof avatar !== 'string' || !/^(https?:\/\/|\/)/i.test(avatar))) return 'Invalid href value provided';
  // Both were checked to be strings above; `text` wins unless empty, as in processWebhookMessage.
  const text = ((message['text'] as string | undefined) || (message['msg'] as string | undefined) || '').trim();
  // Rocket.Chat ignores `attachments` that are not an array.
  const attachments = Array.isArray(message['attachments']) ? (message['attachments'] as unknown[]) : [];
  for (const attachment of attachments) {
    if (!isObject(attachment)) return 'Match error: Expected object';
    for (const name of ['color', 'text', 'title', 'author_name', 'pretext', 'fallback'] as const) {
      const value = attachment[name];
      if (value !== undefined && value !== null && typeof value !== 'string') return `Match error: Expected string, got ${typeof value} in field ${name}`;
    }
    const fields = attachment['fields'];
    if (fields === undefined || fields === null) continue;
    if (!Array.isArray(fields)) return 'Match error: Expected array in field fields';
    for (const field of fields) {
      if (!isObject(field)) return 'Match error: Expected object';
      const { title, value, short } = field;
      if (short !== undefined && short !== null && typeof short !== 'boolean') return 'Match error: Expected boolean, got string in field short';
      if (title !== undefined && title !== null && typeof title !== 'string') return 'Match error: Expected string in field title';
      if (value !== undefined && value !== null && !['string', 'number', 'boolean'].includes(typeof value)) return 'Match error: Failed Match.OneOf, Match.Maybe or Match.Optional validation in field value';
      if (!value || !title) return 'Invalid attachment field, title and value is required';
    }
  }
  // Nothing was sent (processWebhookMessage returned no message).
  if (text === '' && attachments.length === 0) return 'unknown-error';
  return undefined;
}

function failure(status: number, error: string): Answer {
  return jsonAnswer(status, { success: false, error });
}
