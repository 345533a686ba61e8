import { type Answer, FakeSink, isObject, jsonAnswer, mediaType, parseJsonText, type RecordedRequest } from './base';

/**
 * AlertManager's v2 alerts API as go-swagger and `alert.Validate` enforce it: the body must be
 * an array of alerts (422 from the schema otherwise: `labels in body is required`, wrong
 * types); each alert needs at least one label, label names `[a-zA-Z_][a-zA-Z0-9_]*` (classic
 * validation), string values, valid date-times, and `endsAt` not before `startsAt` (400).
 * Only `application/json` is consumed (415 otherwise). `GET /api/v2/alerts` lists what it holds.
 */

export interface AmAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt?: string;
  readonly endsAt?: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export class FakeAlertmanager extends FakeSink {
  readonly alerts: AmAlert[] = [];

  protected handle(request: RecordedRequest): Answer {
    const path = request.url.split('?')[0];
    if (path !== '/api/v2/alerts') return { status: 404, body: '404 page not found' };
    if (request.method === 'GET') return jsonAnswer(200, this.alerts);
    if (request.method !== 'POST') return { status: 405, body: 'method not allowed' };
    if (mediaType(request.headers) !== 'application/json') return jsonAnswer(415, { code: 415, message: `unsupported media type "${mediaType(request.headers)}"` });
    const parsed = parseJsonText(request.text);
    if (!parsed.ok) return jsonAnswer(400, { code: 400, message: `parsing alerts body from "" failed, because ${parsed.error}` });
    if (!Array.isArray(parsed.value)) return jsonAnswer(422, { code: 602, message: 'alerts in body must be of type array' });
    const accepted: AmAlert[] = [];
    for (const [i, alert] of parsed.value.entries()) {
      if (!isObject(alert)) return jsonAnswer(422, { code: 602, message: `${i} in body must be of type object` });
      const { labels, annotations, startsAt, endsAt } = alert;
      if (!isObject(labels)) return jsonAnswer(422, { code: 602, message: `${i}.labels in body is required` });
      if (annotations !== undefined && !isObject(annotations)) return jsonAnswer(422, { code: 602, message: `${i}.annotations in body must be of type object` });
      for (const [key, value] of [...Object.entries(labels), ...Object.entries(annotations ?? {})]) {
        if (typeof value !== 'string') return jsonAnswer(422, { code: 602, message: `${i}.labels.${key} in body must be of type string` });
      }
      for (const [key, value] of [
        ['startsAt', startsAt],
        ['endsAt', endsAt],
      ] as const) {
        if (value !== undefined && (typeof value !== 'string' || !DATE_TIME.test(value))) return jsonAnswer(422, { code: 601, message: `${i}.${key} in body must be of type date-time` });
      }
      // alert.Validate: the 400s, with AlertManager's message as a JSON string.
      if (Object.keys(labels).length === 0) return jsonAnswer(400, 'at least one label pair required');
      for (const name of Object.keys(labels)) if (!LABEL_NAME.test(name)) return jsonAnswer(400, `invalid label set: invalid name "${name}"`);
      for (const name of Object.keys(annotations ?? {})) if (!LABEL_NAME.test(name)) return jsonAnswer(400, `invalid annotations: invalid name "${name}"`);
      const zero = (t: unknown): boolean => t === undefined || t === '0001-01-01T00:00:00Z';
      if (!zero(startsAt) && !zero(endsAt) && Date.parse(endsAt as string) < Date.parse(startsAt as string)) return jsonAnswer(400, 'start time must be before end time');
      accepted.push({
        labels: labels as Record<string, string>,
        annotations: (annotations ?? {}) as Record<string, string>,
        ...(typeof startsAt === 'string' ? { startsAt } : {}),
        ...(typeof endsAt === 'string' ? { endsAt } : {}),
      });
    }
    this.alerts.push(...accepted);
    return { status: 200 };
  }
}
