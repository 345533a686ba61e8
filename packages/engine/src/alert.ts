import type { Priority } from './priority';

/**
 * An alert in the JSON shape Falco posts (`http_output`) and falcosidekick forwards.
 * `output_fields` values are kept as they arrived: strings, booleans, null, nested JSON and
 * numbers that may be lossless representations (int64 nanoseconds exceed 2^53), so consumers
 * must serialise them with a lossless JSON writer, never `JSON.stringify`.
 */
export interface FalcoAlert {
  /** Assigned by Peregrine on ingest (UUID v4), like falcosidekick. */
  uuid: string;
  output: string;
  priority: Priority;
  rule: string;
  /** RFC 3339, UTC, nanoseconds kept (trailing zeros trimmed as Go's RFC3339Nano). */
  time: string;
  output_fields: Record<string, unknown>;
  source: string;
  tags: string[];
  hostname: string;
}

/** A value in an engine alert's output_fields: strings (numbers from len()), lists, or null when missing. */
export type OutputFieldValue = string | number | (string | number)[] | null;

/**
 * What the engine produces for a matching k8s audit event: Falco's JSON alert shape without the
 * uuid (the server assigns it on ingest).
 */
export interface EngineAlert {
  /** RFC 3339 in UTC with nine fractional digits, from the event's stageTimestamp. */
  time: string;
  rule: string;
  priority: Priority;
  source: 'k8s_audit';
  /** `HH:MM:SS.nnnnnnnnn: Priority <rule output>`, as Falco prints it. */
  output: string;
  output_fields: Record<string, OutputFieldValue>;
  /** The rule's tags, sorted (Falco keeps them in a set). */
  tags: string[];
  hostname: string;
}
