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
