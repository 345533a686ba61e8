import type { FalcoAlert } from '@peregrine/engine';
import type { JsonValue } from '../common/json';

/**
 * The one alert model. From enrichment on, every alert — received from Falco or produced by the
 * rules engine from an audit event — is an `Alert`: Falco's JSON shape, with the instant kept
 * exact and the output fields serialised once (digit for digit) for the store and the size rule.
 */
export interface Alert extends FalcoAlert {
  output_fields: Record<string, JsonValue>;
  /** Nanoseconds since the epoch, exact. */
  timeNs: bigint;
  /** `output_fields` as lossless JSON text. */
  outputFieldsJson: string;
}

/**
 * An alert accepted for storage: what ingest decided about it (its cluster, when it arrived,
 * which outputs it routes to) travels with it into the store in one durable append.
 */
export interface AcceptedAlert {
  alert: Alert;
  cluster: string;
  /** Milliseconds since the epoch when Peregrine received it (retention works on this). */
  receivedAt: number;
  /** Names of the outputs it routes to, decided once, before the append. */
  routes: readonly string[];
}

/** An alert as it reads back from the store: Falco's JSON shape plus the cluster. */
export interface StoredAlert extends FalcoAlert {
  output_fields: Record<string, JsonValue>;
  cluster: string;
}
