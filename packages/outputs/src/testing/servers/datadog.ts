import { type Answer, FakeSink, isObject, jsonAnswer, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * Datadog's v1 events API (`POST /api/v1/events`) as the real one answers: the API key in the
 * `DD-API-KEY` header (or the older `?api_key=` query parameter, which Datadog still reads);
 * without a key, or with an unknown one, 403 `{"errors":["Forbidden"]}`. The body must be a JSON
 * object (`EventCreateRequest`) with a non-empty `title` and `text`, `alert_type` one of
 * error/warning/info/success/user_update/recommendation/snapshot, `priority` normal/low, `tags`
 * an array of strings; otherwise 400 `{"errors":[…]}`. Accepted events get 202
 * `{"status":"ok","event":{…}}`.
 */

export interface DatadogEvent {
  readonly title: string;
  readonly text: string;
  readonly alert_type?: string;
  readonly source_type_name?: string;
  readonly tags: readonly string[];
  /** How the key arrived (falcosidekick used the query parameter; we use the header). */
  readonly keyFrom: 'header' | 'query';
}

export const DATADOG_ALERT_TYPE_VALUES = ['error', 'warning', 'info', 'success', 'user_update', 'recommendation', 'snapshot'] as const;

const STRING_FIELDS = ['title', 'text', 'alert_type', 'source_type_name', 'aggregation_key', 'host', 'device_name', 'priority'] as const;

export class FakeDatadog extends FakeSink {
  readonly events: DatadogEvent[] = [];
  private nextId = 5_000_000_001;

  /** `apiKey`: the one key this organisation knows. */
  constructor(private readonly apiKey: string) {
    super();
  }

  protected handle(request: RecordedRequest): Answer {
    const [path, query = ''] = request.url.split('?', 2);
    if (path !== '/api/v1/events') return jsonAnswer(404, { errors: ['Not found'] });
    if (request.method !== 'POST') return jsonAnswer(405, { errors: ['Method Not Allowed'] });
    const headerKey = request.headers['dd-api-key'];
    const queryKey = new URLSearchParams(query).get('api_key') ?? undefined;
    const given = headerKey ?? queryKey;
    if (given === undefined || given !== this.apiKey) return jsonAnswer(403, { errors: ['Forbidden'] });
    if (mediaType(request.headers) !== 'application/json') return jsonAnswer(415, { errors: ['Unsupported Media Type'] });
    const parsed = parseJsonText(request.text);
    if (!parsed.ok) return jsonAnswer(400, { errors: [`Unable to parse the request body as JSON: ${parsed.error}`] });
    const problem = validateEvent(parsed.value);
    if (problem) return jsonAnswer(400, { errors: [problem] });
    const body = parsed.value as Record<string, unknown>;
    const event: DatadogEvent = {
      title: body['title'] as string,
      text: body['text'] as string,
      ...(typeof body['alert_type'] === 'string' ? { alert_type: body['alert_type'] } : {}),
      ...(typeof body['source_type_name'] === 'string' ? { source_type_name: body['source_type_name'] } : {}),
      tags: (body['tags'] as string[] | undefined) ?? [],
      keyFrom: headerKey !== undefined ? 'header' : 'query',
    };
    this.events.push(event);
    const id = this.nextId++;
    return jsonAnswer(202, {
      status: 'ok',
      event: {
        id,
        id_str: String(id),
        title: event.title,
        text: event.text,
        date_happened: Math.floor(Date.now() / 1000),
        handle: null,
        priority: null,
        related_event_id: null,
        tags: event.tags,
        url: `https://app.datadoghq.com/event/event?id=${id}`,
      },
    });
  }
}

/** Datadog's refusal text for an event it would not create, or undefined. */
export function validateEvent(body: unknown): string | undefined {
  if (!isObject(body)) return 'Event must be a JSON object';
  for (const field of STRING_FIELDS) {
    if (body[field] !== undefined && typeof body[field] !== 'string') return `Invalid value for field '${field}': must be a string`;
  }
  if (typeof body['title'] !== 'string' || body['title'].trim() === '') return "Event 'title' is required";
  if (typeof body['text'] !== 'string' || body['text'] === '') return "Event 'text' is required";
  const alertType = body['alert_type'];
  if (alertType !== undefined && !(DATADOG_ALERT_TYPE_VALUES as readonly string[]).includes(alertType as string)) {
    return `Invalid alert_type ${JSON.stringify(alertType)}: must be one of ${DATADOG_ALERT_TYPE_VALUES.join(', ')}`;
  }
  if (body['priority'] !== undefined && body['priority'] !== 'normal' && body['priority'] !== 'low') return "Invalid priority: must be 'normal' or 'low'";
  const tags = body['tags'];
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))) return "Invalid value for field 'tags': must be a list of strings";
  if (typeof body['aggregation_key'] === 'string' && body['aggregation_key'].length > 100) return "'aggregation_key' is limited to 100 characters";
  if (body['date_happened'] !== undefined && !Number.isInteger(body['date_happened'])) return "'date_happened' must be an integer POSIX timestamp";
  return undefined;
}
