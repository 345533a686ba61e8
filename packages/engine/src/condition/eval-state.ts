import type { EventContext, Extractor, FieldValue } from '../fields/field';

/** A compiled condition: runs against one event's state, never re-reads the AST. */
export type Predicate = (state: EvalState) => boolean;

/**
 * Thrown (and caught by the ruleset) when a comparison Falco < 0.32 accepted at load but could
 * not evaluate is reached: a scalar operator on a list field. The rule does not match.
 */
export class ListFieldEvaluationError extends Error {
  readonly code = 'LIST_FIELD_SCALAR_OPERATOR';
}

/** One instance, made once: throwing it costs no stack capture on the hot path. */
export const LIST_FIELD_EVALUATION_ERROR = new ListFieldEvaluationError('a scalar operator was applied to a list field');

/**
 * Per-event memory shared by every rule of a ruleset: each field is extracted at most once per
 * event, each macro evaluated at most once per event. A generation counter marks what belongs
 * to the current event, so nothing is cleared between events.
 */
export class EvalState {
  event!: EventContext;
  private generation = 0;
  private readonly fieldStamps: Int32Array;
  private readonly fieldValues: FieldValue[];
  private readonly memoStamps: Int32Array;
  private readonly memoValues: Uint8Array;

  constructor(
    private readonly extractors: readonly Extractor[],
    memoSlots: number,
  ) {
    this.fieldStamps = new Int32Array(extractors.length);
    this.fieldValues = new Array<FieldValue>(extractors.length).fill(undefined);
    this.memoStamps = new Int32Array(memoSlots);
    this.memoValues = new Uint8Array(memoSlots);
  }

  reset(event: EventContext): void {
    this.event = event;
    if (++this.generation === 0x3fffffff) {
      this.generation = 1;
      this.fieldStamps.fill(0);
      this.memoStamps.fill(0);
    }
  }

  get(slot: number): FieldValue {
    if (this.fieldStamps[slot] === this.generation) return this.fieldValues[slot];
    const value = (this.extractors[slot] as Extractor)(this.event);
    this.fieldStamps[slot] = this.generation;
    this.fieldValues[slot] = value;
    return value;
  }

  memo(slot: number, predicate: Predicate): boolean {
    if (this.memoStamps[slot] === this.generation) return this.memoValues[slot] === 1;
    // If the predicate throws (evaluation error), nothing is stored: the next rule sees it too.
    const result = predicate(this);
    this.memoStamps[slot] = this.generation;
    this.memoValues[slot] = result ? 1 : 0;
    return result;
  }
}
