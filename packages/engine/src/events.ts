/**
 * What counts as a Kubernetes audit event, as the k8saudit plugin decides: an object with
 * `kind: Event`, the `items` of a `kind: EventList`, or any of those inside a JSON array; each
 * event needs a `stageTimestamp` in RFC 3339 (its time). Anything else is reported, by index,
 * and skipped; nothing throws.
 */
import { EVENT_ERROR_CODES, type EventErrorCode } from './errors';
import { EventContext } from './fields/field';
import { isObject } from './fields/json';
import { isWithinNanosecondRange, NANOSECOND_TIME_RANGE, parseRfc3339 } from './time';

export interface EventError {
  /** Index of the offending element in the body (top-level array index, EventList item index, or 0). */
  index: number;
  code: EventErrorCode;
  message: string;
}

export interface ExtractedEvents {
  events: unknown[];
  errors: EventError[];
}

export function extractEvents(body: unknown): ExtractedEvents {
  const result: ExtractedEvents = { events: [], errors: [] };
  if (Array.isArray(body)) body.forEach((element, index) => collect(element, index, result, 1));
  else collect(body, 0, result, 0);
  return result;
}

/** `depth` 0 is the body itself; inside an array, errors carry the top-level array index. */
function collect(value: unknown, index: number, out: ExtractedEvents, depth: number): void {
  if (Array.isArray(value) && depth < 32) {
    for (const element of value) collect(element, index, out, depth + 1);
    return;
  }
  const kind = isObject(value) ? value['kind'] : undefined;
  if (kind === 'EventList' && isObject(value) && Array.isArray(value['items'])) {
    (value['items'] as unknown[]).forEach((item, itemIndex) => single(item, depth === 0 ? itemIndex : index, out));
    return;
  }
  if (kind === 'Event') {
    single(value, index, out);
    return;
  }
  out.errors.push({ index, code: 'NOT_AN_AUDIT_EVENT', message: EVENT_ERROR_CODES.NOT_AN_AUDIT_EVENT });
}

function single(value: unknown, index: number, out: ExtractedEvents): void {
  const problem = eventProblem(value);
  if (problem === undefined) out.events.push(value);
  else out.errors.push({ index, ...problem });
}

function eventProblem(value: unknown): { code: EventErrorCode; message: string } | undefined {
  if (!isObject(value)) return { code: 'NOT_AN_AUDIT_EVENT', message: EVENT_ERROR_CODES.NOT_AN_AUDIT_EVENT };
  const stamp = value['stageTimestamp'];
  if (typeof stamp !== 'string') return { code: 'INVALID_EVENT_TIME', message: EVENT_ERROR_CODES.INVALID_EVENT_TIME };
  const time = parseRfc3339(stamp);
  if (time === undefined) return { code: 'INVALID_EVENT_TIME', message: `${EVENT_ERROR_CODES.INVALID_EVENT_TIME}: '${stamp.slice(0, 64)}' is not RFC 3339` };
  if (!isWithinNanosecondRange(time)) return { code: 'INVALID_EVENT_TIME', message: `${EVENT_ERROR_CODES.INVALID_EVENT_TIME}: '${stamp.slice(0, 64)}' is outside ${NANOSECOND_TIME_RANGE} (64-bit nanoseconds, as Falco's evt.time)` };
  return undefined;
}

/** The extraction view of one event, or undefined when it is not one the plugin would accept. */
export function eventContext(event: unknown, hostname: string): EventContext | undefined {
  if (!isObject(event)) return undefined;
  const stamp = event['stageTimestamp'];
  if (typeof stamp !== 'string') return undefined;
  const time = parseRfc3339(stamp);
  return time === undefined || !isWithinNanosecondRange(time) ? undefined : new EventContext(event, time, hostname);
}
