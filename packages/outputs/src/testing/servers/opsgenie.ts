import { randomUUID } from 'node:crypto';
import { type Answer, FakeSink, isObject, jsonAnswer, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * Opsgenie's Alert API v2 create-alert endpoint (`POST /v2/alerts`) as the real one answers.
 *
 * Authentication, from the `Authorization: GenieKey <key>` header: no header or another scheme
 * → 401 `Could not authenticate`; a key that is not UUID-shaped → 422 `Key format is not valid!`
 * (what falcosidekick users see for a mistyped key); an unknown key → 401; an account-level key
 * (API key management, not an API integration) → 403 with code 40301. The configured
 * integration key is accepted whatever its shape, so tests can use their own secret.
 *
 * Body: JSON (415 otherwise, 400 when unparseable). 422 `Request body is not processable` with
 * per-field `errors` for an empty `message`, a `priority` outside P1–P5, `details` that are not a
 * map of strings, `tags`/`actions` that are not lists of strings. Accepted: 202
 * `{"result":"Request will be processed","took":…,"requestId":…}` (creation is asynchronous);
 * the stored message is cut to 130 characters, as Opsgenie does.
 */

export interface OpsgenieAlert {
  readonly message: string;
  readonly entity?: string;
  readonly description?: string;
  readonly details: Readonly<Record<string, string>>;
  readonly priority?: string;
  readonly requestId: string;
}

export interface FakeOpsgenieOptions {
  /** The API integration key this account accepts. */
  readonly apiKey: string;
  /** A key from API key management: known, but not allowed to create alerts (403). */
  readonly accountKey?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const OPSGENIE_MESSAGE_LIMIT = 130;
const PRIORITIES = new Set(['P1', 'P2', 'P3', 'P4', 'P5']);

export class FakeOpsgenie extends FakeSink {
  readonly alerts: OpsgenieAlert[] = [];

  constructor(private readonly options: FakeOpsgenieOptions) {
    super();
  }

  /** The URL to configure as `opsgenie.url`. */
  get alertsUrl(): string {
    return `${this.url}/v2/alerts`;
  }

  protected handle(request: RecordedRequest): Answer {
    const requestId = randomUUID();
    const answer = (status: number, fields: Record<string, unknown>): Answer => jsonAnswer(status, { ...fields, took: 0.002, requestId });
    if (request.url.split('?')[0] !== '/v2/alerts') return answer(404, { message: 'Could not find the requested resource' });
    if (request.method !== 'POST') return answer(405, { message: 'Method not allowed' });
    const authorization = /^GenieKey\s+(\S+)\s*$/i.exec(request.headers['authorization'] ?? '');
    if (!authorization) return answer(401, { message: 'Could not authenticate' });
    const apiKey = authorization[1]!;
    if (apiKey !== this.options.apiKey) {
      if (apiKey === this.options.accountKey) return answer(403, { code: 40301, message: 'To perform this action, use an API key from an API integration.' });
      if (!UUID.test(apiKey)) return answer(422, { message: 'Key format is not valid!' });
      return answer(401, { message: 'Could not authenticate' });
    }
    if (mediaType(request.headers) !== 'application/json') return answer(415, { message: 'Unsupported Media Type' });
    const parsed = parseJsonText(request.text);
    if (!parsed.ok || !isObject(parsed.value)) return answer(400, { message: 'Could not parse request body' });
    const errors = validateCreateAlert(parsed.value);
    if (Object.keys(errors).length > 0) return answer(422, { message: 'Request body is not processable. Please check the errors.', errors });
    const body = parsed.value;
    this.alerts.push({
      message: [...(body['message'] as string)].slice(0, OPSGENIE_MESSAGE_LIMIT).join(''),
      ...(typeof body['entity'] === 'string' ? { entity: body['entity'] } : {}),
      ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
      details: (body['details'] as Record<string, string> | undefined) ?? {},
      ...(typeof body['priority'] === 'string' ? { priority: body['priority'] } : {}),
      requestId,
    });
    return answer(202, { result: 'Request will be processed' });
  }
}

/** Opsgenie's per-field errors for a create-alert body (empty when it would be accepted). */
export function validateCreateAlert(body: Record<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  const { message, priority, details } = body;
  if (typeof message !== 'string' || message.trim() === '') errors['message'] = 'Message can not be empty.';
  for (const field of ['alias', 'description', 'entity', 'source', 'user', 'note']) {
    if (body[field] !== undefined && typeof body[field] !== 'string') errors[field] = `${field} should be a string.`;
  }
  if (priority !== undefined && !(typeof priority === 'string' && PRIORITIES.has(priority))) errors['priority'] = 'Priority should be one of [P1, P2, P3, P4, P5]';
  if (details !== undefined && !(isObject(details) && Object.values(details).every((v) => typeof v === 'string'))) errors['details'] = 'Details should be a map of strings.';
  for (const field of ['tags', 'actions']) {
    const list = body[field];
    if (list !== undefined && !(Array.isArray(list) && list.every((item) => typeof item === 'string'))) errors[field] = `${field} should be a list of strings.`;
  }
  return errors;
}
