import { randomUUID } from 'node:crypto';
import { TEST_RULE } from '@peregrine/outputs';
import { type JsonValue, stringifyJson } from '../common/json';
import type { Alert } from '../model/alert';
import type { ReceivedAlert } from './falco-alert';
import type { TemplatedField } from './templated-fields';

export interface EnrichmentSettings {
  customFields: Readonly<Record<string, string>>;
  customTags: readonly string[];
  templatedFields: readonly TemplatedField[];
  bracketReplacer: string;
  outputFieldFormat: string;
}

const TRUNCATE_WHEN_LARGER_THAN = 4096;
const TRUNCATE_FIELDS_LONGER_THAN = 512;
const TRUNCATED_LENGTH = 507;
const TRUNCATION_MARK = '[...]';

/**
 * falcosidekick's enrichment, step for step and in its order (sidekick-features §3.4), so that
 * alerts leave Peregrine as they would leave falcosidekick. Pure apart from the UUID source.
 */
export function enrichAlert(received: ReceivedAlert, settings: EnrichmentSettings, newUuid: () => string = randomUUID): Alert {
  const outputFields: Record<string, JsonValue> = { ...received.output_fields };
  for (const [key, value] of Object.entries(settings.customFields)) outputFields[key] = value;

  const tags = [...received.tags, ...settings.customTags];
  let source = received.source;
  if (received.rule === TEST_RULE) source = 'internal';
  if (source === '') source = 'syscalls';
  const uuid = received.uuid ?? newUuid();

  const templated: Record<string, string> = {};
  for (const field of settings.templatedFields) {
    const rendered = field.render(outputFields);
    templated[field.name] = rendered;
    outputFields[field.name] = rendered;
  }

  tags.sort();

  const renamedFields = settings.bracketReplacer === '' ? outputFields : replaceBrackets(outputFields, settings.bracketReplacer);

  let output = received.output;
  if (settings.outputFieldFormat !== '') {
    output = reformatOutput(output, settings.outputFieldFormat, { customFields: settings.customFields, templated, tags });
  }

  const alert: Alert = {
    uuid,
    output,
    priority: received.priority,
    rule: received.rule,
    time: received.time.text,
    output_fields: renamedFields,
    source,
    tags,
    hostname: received.hostname,
    timeNs: received.time.ns,
    outputFieldsJson: stringifyJson(renamedFields),
  };
  truncateLargeAlert(alert);
  return alert;
}

function replaceBrackets(fields: Record<string, JsonValue>, replacer: string): Record<string, JsonValue> {
  // fromEntries defines each key as a plain property: a field named `__proto__` stays a field.
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key.includes('[') ? key.replaceAll('[', replacer).replaceAll(']', '') : key, value]));
}

/** `HH:MM:SS.nnnnnnnnn: Priority rest`, the line Falco writes; other outputs are left alone. */
const CLASSIC_FALCO_OUTPUT = /^[\d:]+\.\d+: \S+ /;

interface FormatContext {
  customFields: Readonly<Record<string, string>>;
  templated: Readonly<Record<string, string>>;
  tags: readonly string[];
}

function reformatOutput(output: string, format: string, context: FormatContext): string {
  if (!CLASSIC_FALCO_OUTPUT.test(output)) return output;
  const [stamp = '', priority = '', ...rest] = output.split(' ');
  const pairs = (fields: Readonly<Record<string, string>>): string =>
    Object.keys(fields)
      .sort()
      .map((key) => `${key}=${fields[key]}`)
      .join(' ');
  const replacements: Record<string, string> = {
    '<timestamp>': stamp.replace(/:$/, ''),
    '<priority>': priority.charAt(0).toUpperCase() + priority.slice(1).toLowerCase(),
    '<output>': rest.join(' '),
    '<custom_fields>': pairs(context.customFields),
    '<templated_fields>': pairs(context.templated),
    '<tags>': context.tags.join(','),
  };
  let formatted = format;
  for (const [placeholder, value] of Object.entries(replacements)) formatted = formatted.replaceAll(placeholder, value);
  return formatted.replace(/(\s*\(\s*\))+\s*$/, '').trimEnd();
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** `,"output_fields":` joins the fields' JSON to the rest of the serialised alert. */
const OUTPUT_FIELDS_KEY_BYTES = Buffer.byteLength(',"output_fields":');

/** Keys, quotes and separators of the serialised alert, tags aside: a generous constant. */
const ALERT_JSON_OVERHEAD_BYTES = 128;

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f]/;

/**
 * The serialised alert's size, exact only when it might matter: a UTF-16 unit is at most three
 * UTF-8 bytes once serialised (six for control characters, which JSON writes as \uXXXX), so
 * most alerts are proven small without serialising anything.
 */
function serialisedSize(alert: Alert): number {
  const { timeNs: _timeNs, output_fields: _fields, outputFieldsJson, ...rest } = alert;
  let upperBound = ALERT_JSON_OVERHEAD_BYTES + outputFieldsJson.length * 3;
  for (const text of [rest.uuid, rest.output, rest.priority, rest.rule, rest.time, rest.source, rest.hostname, ...rest.tags]) upperBound += text.length * (CONTROL_CHARACTER.test(text) ? 6 : 3) + 3;
  if (upperBound <= TRUNCATE_WHEN_LARGER_THAN) return upperBound;
  return Buffer.byteLength(JSON.stringify(rest)) + OUTPUT_FIELDS_KEY_BYTES + Buffer.byteLength(outputFieldsJson);
}

/**
 * falcosidekick keeps chat messages and log lines bounded: when the serialised alert exceeds
 * 4096 bytes, long string fields are cut (and the same text in `output` with them). The size
 * is summed from parts so the fields' JSON, needed for the store anyway, is built only once.
 */
function truncateLargeAlert(alert: Alert): void {
  if (serialisedSize(alert) <= TRUNCATE_WHEN_LARGER_THAN) return;
  let changed = false;
  for (const [key, value] of Object.entries(alert.output_fields)) {
    if (typeof value !== 'string' || Buffer.byteLength(value) <= TRUNCATE_FIELDS_LONGER_THAN) continue;
    const bytes = encoder.encode(value);
    // Cut on a character boundary: a UTF-8 continuation byte is 10xxxxxx.
    let end = TRUNCATED_LENGTH;
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    const truncated = decoder.decode(bytes.subarray(0, end)) + TRUNCATION_MARK;
    alert.output_fields[key] = truncated;
    alert.output = alert.output.replaceAll(value, truncated);
    changed = true;
  }
  if (changed) alert.outputFieldsJson = stringifyJson(alert.output_fields);
}
