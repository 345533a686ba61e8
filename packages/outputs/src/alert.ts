import type { FalcoAlert, Priority } from '@peregrine/engine';
import { priorityValue } from '@peregrine/engine';
import { compareGoStrings, type GoStruct, goSortStrings, goStruct } from './go/json';
import { goRfc3339Nano, parseAlertTime } from './go/time';

/**
 * What the dispatcher hands to an output: the stored, enriched Falco alert (uuid, sorted tags,
 * custom fields merged) plus Peregrine's `cluster`. `output_fields` values are kept as ingest
 * parsed them (numbers above 2^53 as lossless-json `LosslessNumber`s), so every payload is
 * written with the Go-compatible writer in `go/json.ts`, never `JSON.stringify`.
 */
export interface OutputAlert extends FalcoAlert {
  /** The cluster the alert came from (Peregrine's addition; not in falcosidekick's payloads). */
  readonly cluster: string;
  /**
   * Identical alerts (same rule and dedup key fields) the dispatcher folded into this one within
   * the output's dedup window, not counting this one. Absent or 0 = nothing folded. Outputs that
   * can show it do (Slack/Teams field, AlertManager annotation, webhook header); the others send
   * the alert unchanged, which keeps their bodies byte-identical to falcosidekick's.
   */
  readonly folded?: number;
}

/** falcosidekick's `/test` rule: it bypasses every output's `minimumpriority`. */
export const TEST_RULE = 'Test rule';

/**
 * falcosidekick's filter: the alert passes when its priority is at least the minimum (none =
 * everything), and the `Test rule` alert always passes so `/test` reaches every output.
 */
export function passesMinimumPriority(alert: Pick<FalcoAlert, 'priority' | 'rule'>, minimum: Priority | undefined): boolean {
  if (minimum === undefined || alert.rule === TEST_RULE) return true;
  return priorityValue(alert.priority) >= priorityValue(minimum);
}

/** The alert time as Go marshals a `time.Time` decoded from it (RFC 3339, trimmed nanoseconds). */
export function goAlertTime(alert: Pick<FalcoAlert, 'time'>): string {
  return goRfc3339Nano(parseAlertTime(alert.time));
}

/**
 * falcosidekick's serialised alert (`types.FalcoPayload`): keys in struct order `uuid`
 * (omitted when empty), `output`, `priority`, `rule`, `time`, `output_fields`, `source`, `tags`
 * (omitted when empty), `hostname` (omitted when empty). Extra trailing struct fields (ES's
 * `@timestamp`) are appended after these, as Go does for an embedded struct.
 */
export function falcoPayload(alert: FalcoAlert, options: { outputFields?: Record<string, unknown>; extra?: Record<string, unknown> } = {}): GoStruct {
  return goStruct({
    uuid: alert.uuid === '' ? undefined : alert.uuid,
    output: alert.output,
    priority: alert.priority,
    rule: alert.rule,
    time: goAlertTime(alert),
    output_fields: options.outputFields ?? alert.output_fields,
    source: alert.source,
    tags: alert.tags.length > 0 ? alert.tags : undefined,
    hostname: alert.hostname === '' ? undefined : alert.hostname,
    ...options.extra,
  });
}

/** The output fields whose value is a JSON string, sorted as Go's `sort.Strings` (chat outputs show only these). */
export function stringFieldEntries(alert: FalcoAlert): Array<[string, string]> {
  return Object.entries(alert.output_fields)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .sort(([a], [b]) => compareGoStrings(a, b));
}

/** `sort.Strings` copy of the tags (falcosidekick sorts them in place before rendering). */
export function sortedTags(alert: FalcoAlert): string[] {
  return goSortStrings(alert.tags);
}
