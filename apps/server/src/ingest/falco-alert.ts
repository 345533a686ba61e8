import { isWithinNanosecondRange, NANOSECOND_TIME_RANGE, parseRfc3339, type Priority, parsePriority } from '@peregrine/engine';
import { PeregrineError } from '../common/errors';
import type { JsonValue, LosslessNumber } from '../common/json';
import { type Instant, toInstant } from '../common/time';

/** A Falco alert as received, validated, before enrichment. */
export interface ReceivedAlert {
  output: string;
  priority: Priority;
  rule: string;
  time: Instant;
  output_fields: Record<string, JsonValue>;
  source: string;
  tags: string[];
  hostname: string;
  /** Kept only where the sender already assigned one (falcosidekick's WebUI output). */
  uuid?: string;
}

export interface DecodeOptions {
  /** falcosidekick merges custom fields before its check, so with any configured an empty map passes. */
  allowEmptyOutputFields: boolean;
  /** Keep a valid incoming `uuid` instead of assigning a fresh one. */
  keepUuid: boolean;
}

const KNOWN_KEYS = ['output', 'priority', 'rule', 'time', 'output_fields', 'source', 'tags', 'hostname', 'uuid'] as const;
type KnownKey = (typeof KNOWN_KEYS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Validates a decoded body the way falcosidekick does: Go's decoder matches keys
 * case-insensitively (an exact match wins), ignores unknown keys, and refuses a value of the
 * wrong JSON type; then the check needs a known priority, a rule, a time and output fields.
 */
export function decodeFalcoAlert(body: JsonValue, options: DecodeOptions): ReceivedAlert {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || isLosslessNumber(body)) {
    throw new PeregrineError('BODY_NOT_OBJECT', 'body must be one JSON object (a Falco alert)');
  }
  const fields = pickKnownKeys(body);

  const priorityText = optionalString(fields, 'priority');
  if (priorityText === undefined || priorityText === '') throw missing('priority');
  const priority = parsePriority(priorityText);
  if (!priority) {
    throw new PeregrineError('INVALID_FIELD', `priority "${priorityText}" is not one of Emergency, Alert, Critical, Error, Warning, Notice, Informational (info), Debug`);
  }

  const rule = optionalString(fields, 'rule') ?? '';
  if (rule === '') throw missing('rule');

  const timeText = optionalString(fields, 'time');
  if (timeText === undefined || timeText === '') throw missing('time');
  const time = parseRfc3339(timeText);
  if (!time) throw new PeregrineError('INVALID_FIELD', `time "${truncate(timeText)}" is not an RFC 3339 date-time`);
  if (!isWithinNanosecondRange(time)) throw new PeregrineError('INVALID_FIELD', `time "${truncate(timeText)}" is outside ${NANOSECOND_TIME_RANGE} (64-bit nanoseconds, as Falco's evt.time)`);

  const outputFields = optionalObject(fields, 'output_fields') ?? {};
  if (!options.allowEmptyOutputFields && Object.keys(outputFields).length === 0) {
    throw new PeregrineError('MISSING_FIELD', 'output_fields must be a non-empty object');
  }

  const uuidText = optionalString(fields, 'uuid');
  return {
    output: optionalString(fields, 'output') ?? '',
    priority,
    rule,
    time: toInstant(time),
    output_fields: outputFields,
    source: optionalString(fields, 'source') ?? '',
    tags: optionalStringArray(fields, 'tags'),
    hostname: optionalString(fields, 'hostname') ?? '',
    ...(options.keepUuid && uuidText && UUID.test(uuidText) ? { uuid: uuidText.toLowerCase() } : {}),
  };
}

function pickKnownKeys(body: { [key: string]: JsonValue }): Partial<Record<KnownKey, JsonValue>> {
  const picked: Partial<Record<KnownKey, JsonValue>> = {};
  const exact = new Set<KnownKey>();
  for (const [key, value] of Object.entries(body)) {
    const known = KNOWN_KEYS.find((k) => k === key) ?? KNOWN_KEYS.find((k) => k === key.toLowerCase());
    if (!known) continue;
    if (known === key) {
      picked[known] = value;
      exact.add(known);
    } else if (!exact.has(known)) {
      picked[known] = value;
    }
  }
  return picked;
}

function optionalString(fields: Partial<Record<KnownKey, JsonValue>>, key: KnownKey): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(key, 'a string', value);
  return value;
}

function optionalObject(fields: Partial<Record<KnownKey, JsonValue>>, key: KnownKey): Record<string, JsonValue> | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || isLosslessNumber(value)) throw wrongType(key, 'an object', value);
  return value;
}

function optionalStringArray(fields: Partial<Record<KnownKey, JsonValue>>, key: KnownKey): string[] {
  const value = fields[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw wrongType(key, 'an array of strings', value);
  return value.map((item, index) => {
    if (typeof item !== 'string') throw wrongType(`${key}[${index}]`, 'a string', item);
    return item;
  });
}

function isLosslessNumber(value: object): value is LosslessNumber {
  return 'isLosslessNumber' in value;
}

function describeType(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return isLosslessNumber(value) ? 'a number' : 'an object';
  return `a ${typeof value}`;
}

function wrongType(key: string, expected: string, value: JsonValue): PeregrineError {
  return new PeregrineError('INVALID_FIELD', `${key} must be ${expected}, got ${describeType(value)}`);
}

function missing(key: string): PeregrineError {
  return new PeregrineError('MISSING_FIELD', `${key} is required`);
}

function truncate(text: string): string {
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
