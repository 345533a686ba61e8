import type { UnixTime } from '../time';
import { formatRawTime, formatTime, type TimeTexts } from './time';

/**
 * What one field yields for one event: a string (or a number, after `len()`), a list of them
 * for list fields, or undefined when the value cannot be extracted. An empty list counts as
 * undefined (libsinsp treats a plugin field that sets no value as absent).
 */
export type FieldValue = string | number | readonly (string | number)[] | undefined;

/**
 * One audit event as the extractors see it. Derived texts (times) are computed on first use
 * and kept, since several fields and the output may ask for them.
 */
export class EventContext {
  private rawTimeText: string | undefined;
  private texts: TimeTexts | undefined;

  constructor(
    /** The audit Event object (already parsed JSON). */
    readonly raw: Record<string, unknown>,
    readonly time: UnixTime,
    readonly hostname: string,
  ) {}

  /** The k8saudit plugin ignores JSON that has no `auditID`: every `ka.*` field is then absent. */
  get isAudit(): boolean {
    return this.raw['auditID'] !== undefined;
  }

  get rawTime(): string {
    return (this.rawTimeText ??= formatRawTime(this.time));
  }

  /** Times as Falco renders them, computed on first use. */
  get times(): TimeTexts {
    return (this.texts ??= formatTime(this.time));
  }

  get clock(): string {
    return this.times.clock;
  }

  get iso8601(): string {
    return this.times.iso8601;
  }
}

export type Extractor = (event: EventContext) => FieldValue;

/** How a field takes its bracketed argument. */
export type ArgumentKind = 'none' | 'index' | 'key';

export interface FieldDefinition {
  name: string;
  description: string;
  /** List-typed (`IsList` in the plugin): only `in`, `intersects`, `exists` apply (Falco ≥ 0.32). */
  list: boolean;
  argument: ArgumentKind;
  argumentRequired: boolean;
  /** Kept for old rules; the description names the replacement. */
  deprecated?: boolean;
  /** Not defined by the k8saudit or json plugins; a Peregrine addition. */
  extension?: boolean;
  /** Builds the extractor for one argument (already validated against `argument`). */
  bind(argument: string | undefined): Extractor;
  /** Value type; audit fields are all strings (the default). */
  type?: 'string' | 'number';
  /**
   * For number fields whose values are written as names (an alert's `priority >= Warning`):
   * turns a literal of the condition into its number, undefined when it names nothing.
   */
  parseLiteral?(text: string): number | undefined;
}

/** Finds a field's definition by name; each field source (audit events, alerts) has its own. */
export type FieldResolver = (name: string) => FieldDefinition | undefined;

/** A resolved field reference: what the compiler needs to compile a comparison. */
export interface BoundField {
  /** As written, e.g. `ka.uri.param[command]`: the key in output_fields and the cache key. */
  key: string;
  definition: FieldDefinition;
  /** List semantics apply; false for a list field given an index (a single element). */
  list: boolean;
  type: 'string' | 'number';
  extract: Extractor;
  parseLiteral?: (text: string) => number | undefined;
}
