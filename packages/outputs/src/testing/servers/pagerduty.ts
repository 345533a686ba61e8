import { randomBytes } from 'node:crypto';
import { type Answer, FakeSink, isObject, jsonAnswer, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * PagerDuty's Events API v2 (`POST /v2/enqueue`) as the real one answers.
 *
 * 400 `{"status":"invalid event","message":"Event object is invalid","errors":[…]}` listing every
 * problem: `routing_key` missing, not 32 characters or not alphanumeric; `event_action` missing or
 * not trigger/acknowledge/resolve; for `trigger`, `payload` with `summary`, `source` and
 * `severity` (critical/warning/error/info); for acknowledge/resolve, `dedup_key`. A well-formed
 * routing key no integration has → 400 `Invalid routing key`. More events for one routing key
 * than the limit per minute (PagerDuty's is 120) → 429. Accepted: 202
 * `{"status":"success","message":"Event processed","dedup_key":…}`.
 */

export interface PagerdutyEvent {
  readonly routingKey: string;
  readonly eventAction: string;
  readonly dedupKey: string;
  readonly payload?: Readonly<Record<string, unknown>>;
}

export interface FakePagerdutyOptions {
  /** Routing keys of the integrations that exist. */
  readonly routingKeys: readonly string[];
  /** Events accepted per routing key in any 60 s window before 429s. */
  readonly eventsPerMinute?: number;
}

const SEVERITIES = ['critical', 'warning', 'error', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];

const invalid = (errors: readonly string[]): Answer => jsonAnswer(400, { status: 'invalid event', message: 'Event object is invalid', errors });

export class FakePagerduty extends FakeSink {
  readonly events: PagerdutyEvent[] = [];
  private readonly acceptedAt = new Map<string, number[]>();

  constructor(private readonly options: FakePagerdutyOptions) {
    super();
  }

  /** The URL to configure as `pagerduty.url`. */
  get enqueueUrl(): string {
    return `${this.url}/v2/enqueue`;
  }

  protected handle(request: RecordedRequest): Answer {
    if (request.url.split('?')[0] !== '/v2/enqueue') return jsonAnswer(404, { status: 'not found', message: 'Not Found' });
    if (request.method !== 'POST') return jsonAnswer(405, { status: 'method not allowed', message: 'Method Not Allowed' });
    if (mediaType(request.headers) !== 'application/json') return invalid(['Content-Type must be application/json']);
    const parsed = parseJsonText(request.text);
    if (!parsed.ok) return invalid(['Event is not valid JSON']);
    const errors = validateEvent(parsed.value);
    if (errors.length > 0) return invalid(errors);
    const event = parsed.value as Record<string, unknown>;
    const routingKey = event['routing_key'] as string;
    if (!this.options.routingKeys.includes(routingKey)) return invalid(['Invalid routing key']);
    const now = Date.now();
    const recent = (this.acceptedAt.get(routingKey) ?? []).filter((at) => now - at < 60_000);
    if (recent.length >= (this.options.eventsPerMinute ?? 120)) {
      this.acceptedAt.set(routingKey, recent);
      return jsonAnswer(429, { status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' });
    }
    this.acceptedAt.set(routingKey, [...recent, now]);
    const dedupKey = typeof event['dedup_key'] === 'string' && event['dedup_key'] !== '' ? event['dedup_key'] : randomBytes(16).toString('hex');
    this.events.push({
      routingKey,
      eventAction: event['event_action'] as string,
      dedupKey,
      ...(isObject(event['payload']) ? { payload: event['payload'] } : {}),
    });
    return jsonAnswer(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  }
}

const blank = (value: unknown): boolean => typeof value !== 'string' || value.trim() === '';

/** Every reason PagerDuty gives for refusing this event (empty when it is valid). */
export function validateEvent(event: unknown): string[] {
  if (!isObject(event)) return ['Event object must be a JSON object'];
  const errors: string[] = [];
  const routingKey = event['routing_key'];
  if (blank(routingKey)) errors.push("'routing_key' is missing or blank");
  else {
    if ((routingKey as string).length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    if (!/^[A-Za-z0-9]*$/.test(routingKey as string)) errors.push("'routing_key' cannot contain non-alphanumeric characters.");
  }
  const action = event['event_action'];
  if (blank(action)) errors.push("'event_action' is missing or blank");
  else if (!ACTIONS.includes(action as string)) errors.push("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')");
  if (action === 'trigger') {
    const payload = event['payload'];
    if (!isObject(payload)) errors.push("'payload' is missing or blank");
    else {
      for (const field of ['summary', 'source', 'severity']) if (blank(payload[field])) errors.push(`'payload.${field}' is missing or blank`);
      if (!blank(payload['severity']) && !SEVERITIES.includes(payload['severity'] as string)) {
        errors.push("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')");
      }
    }
  } else if ((action === 'acknowledge' || action === 'resolve') && blank(event['dedup_key'])) {
    errors.push("'dedup_key' is missing or blank");
  }
  return errors;
}
