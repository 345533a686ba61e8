import { type Answer, FakeSink, isObject, jsonAnswer, parseJsonText, type RecordedRequest } from './base';

/**
 * A Mattermost incoming webhook (`POST /hooks/<id>`), answering as Mattermost's server does
 * (`web/webhook.go`, `app/webhook.go`): `200 ok` (text/plain); otherwise an AppError as JSON
 * (`{"id":…,"message":…,"detailed_error":"","request_id":…,"status_code":…}`):
 *
 * - 400 `web.incoming_webhook.invalid.app_error` for an unknown hook id;
 * - 400 `api.webhook.incoming.error` for an unreadable Content-Type;
 * - 400 `web.incoming_webhook.parse.app_error` when the JSON (or the form's `payload`) does not
 *   decode into Mattermost's request struct (bad JSON, a string member that is not a string…);
 * - 400 `web.incoming_webhook.text.app_error` when `text` is empty and `attachments` absent or null;
 * - 400 `web.incoming_webhook.attachment.app_error` when the attachments exceed Mattermost's props size.
 *
 * Like Mattermost it reads JSON whatever the Content-Type (except form posts), ignores unknown
 * members, and takes attachment field values of any type.
 */

/** Mattermost's `model.PostPropsMaxRunes`, minus the 100 it keeps for the post type. */
export const MATTERMOST_ATTACHMENTS_MAX_RUNES = 800_000 - 100;

const STRING_MEMBERS = ['text', 'username', 'icon_url', 'channel', 'icon_emoji', 'type'] as const;
const ATTACHMENT_STRING_MEMBERS = ['fallback', 'color', 'pretext', 'author_name', 'author_link', 'author_icon', 'title', 'title_link', 'text', 'image_url', 'thumb_url', 'footer', 'footer_icon'] as const;

const APP_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  'web.incoming_webhook.invalid.app_error': 'Invalid webhook.',
  'api.webhook.incoming.error': 'Unable to read the incoming webhook request.',
  'web.incoming_webhook.parse.app_error': 'Unable to parse incoming data.',
  'web.incoming_webhook.text.app_error': 'No text specified.',
  'web.incoming_webhook.attachment.app_error': 'Maximum attachments length is 799900 characters.',
};

export class FakeMattermost extends FakeSink {
  readonly messages: Array<Record<string, unknown>> = [];

  constructor(readonly hookId = 'xr8pke3gqbgbtkjw4hfqk7fxwr') {
    super();
  }

  /** The webhook URL to configure. */
  get webhookUrl(): string {
    return `${this.url}/hooks/${this.hookId}`;
  }

  protected handle(request: RecordedRequest): Answer {
    const route = /^\/hooks\/([A-Za-z0-9]+)$/.exec(request.url.split('?')[0]!);
    if (!route) return { status: 404, body: '404 page not found' };
    if (request.method !== 'POST') return { status: 405, body: '' };
    const contentType = request.headers['content-type'] ?? '';
    const media = contentType.split(';')[0]!.trim().toLowerCase();
    if (contentType !== '' && !/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(media)) return appError('api.webhook.incoming.error');
    const text = media === 'application/x-www-form-urlencoded' ? (new URLSearchParams(request.text).get('payload') ?? '') : request.text;
    const parsed = parseJsonText(text);
    if (!parsed.ok || !isObject(parsed.value) || decodeProblem(parsed.value)) return appError('web.incoming_webhook.parse.app_error');
    const message = parsed.value;
    // The hook is looked up after these checks in Mattermost, but an unknown one is refused either way.
    const problem = validateMattermostMessage(message);
    if (problem) return appError(problem);
    if (route[1] !== this.hookId) return appError('web.incoming_webhook.invalid.app_error');
    this.messages.push(message);
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
  }
}

/** The AppError id Mattermost answers a decoded message with, or undefined when it posts it. Exported for payload tests. */
export function validateMattermostMessage(message: Record<string, unknown>): string | undefined {
  if (decodeProblem(message)) return 'web.incoming_webhook.parse.app_error';
  const text = typeof message['text'] === 'string' ? message['text'] : '';
  const attachments = message['attachments'];
  if (text === '' && (attachments === undefined || attachments === null)) return 'web.incoming_webhook.text.app_error';
  if (Array.isArray(attachments) && attachments.length > 0 && [...JSON.stringify({ attachments })].length > MATTERMOST_ATTACHMENTS_MAX_RUNES) {
    return 'web.incoming_webhook.attachment.app_error';
  }
  return undefined;
}

/** Whether Go's decoder would fail on this body (a type mismatch); `null` is accepted everywhere, as in Go. */
function decodeProblem(message: Record<string, unknown>): boolean {
  const isText = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';
  if (!STRING_MEMBERS.every((name) => isText(message[name]))) return true;
  if (message['props'] !== undefined && message['props'] !== null && !isObject(message['props'])) return true;
  const attachments = message['attachments'];
  if (attachments === undefined || attachments === null) return false;
  if (!Array.isArray(attachments)) return true;
  return !attachments.every((attachment: unknown) => {
    if (attachment === null) return true;
    if (!isObject(attachment) || !ATTACHMENT_STRING_MEMBERS.every((name) => isText(attachment[name]))) return false;
    const fields = attachment['fields'];
    if (fields === undefined || fields === null) return true;
    if (!Array.isArray(fields)) return false;
    // `value` may be anything; `short` is Mattermost's SlackCompatibleBool (a boolean or "true"/"false").
    return fields.every(
      (field: unknown) =>
        field === null ||
        (isObject(field) &&
          isText(field['title']) &&
          (field['short'] === undefined || field['short'] === null || typeof field['short'] === 'boolean' || field['short'] === 'true' || field['short'] === 'false')),
    );
  });
}

function appError(id: string): Answer {
  return jsonAnswer(400, { id, message: APP_ERROR_MESSAGES[id] ?? id, detailed_error: '', request_id: 'pjg4r1zy9trn7x8bqu5ew3hzfc', status_code: 400 });
}
