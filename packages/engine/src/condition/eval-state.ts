import type { EventContext, Extractor, FieldValue } from '../fields/field';

/** A compiled condition: runs against one event's state, never re-reads the AST. */
export type Predicate = (state: EvalState) => boolean;

/**
 * Thrown by a comparison that cannot be evaluated on this event, and caught by the ruleset:
 * the rule does not match (never a `true` under `not`), and `stats.evaluationErrors` counts it.
 * Each kind is one instance, made once: throwing it costs no stack capture on the hot path.
 */
export abstract class EvaluationError extends Error {
  abstract readonly code: string;
}

/** A comparison Falco < 0.32 accepted at load but could not evaluate: a scalar operator on a list field. */
export class ListFieldEvaluationError extends EvaluationError {
  readonly code = 'LIST_FIELD_SCALAR_OPERATOR';
}

/** A regex or glob comparison that would take more steps than `maxMatchSteps` on this value. */
export class MatchLimitEvaluationError extends EvaluationError {
  readonly code = 'MATCH_LIMIT';
}

export const LIST_FIELD_EVALUATION_ERROR = new ListFieldEvaluationError('a scalar operator was applied to a list field');
export const MATCH_LIMIT_EVALUATION_ERROR = new MatchLimitEvaluationError('a regex or glob comparison exceeded its step limit');

/**
 * Per-event memory shared by every rule of a ruleset: each field is extracted at most once per
 * event, each macro evaluated at most once per event. A generation counter marks what belongs
 * to the current event, so nothing is cleared between events.
 */
const THREW = 2;

export class EvalState {
  event!: EventContext;
  private generation = 0;
  private readonly fieldStamps: Int32Array;
  private readonly fieldValues: FieldValue[];
  private readonly memoStamps: Int32Array;
  private readonly memoValues: Uint8Array;
  private readonly memoErrors = new Map<number, EvaluationError>();

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
    if (this.memoStamps[slot] === this.generation) {
      const value = this.memoValues[slot];
      if (value !== THREW) return value === 1;
      const error = this.memoErrors.get(slot);
      if (error !== undefined) throw error;
    }
    let result: boolean;
    try {
      result = predicate(this);
    } catch (error) {
      // Remembered too: the next rule using this macro sees the same error without paying for
      // the comparison again (a costly regex shared by many rules runs once per event).
      if (!(error instanceof EvaluationError)) throw error;
      this.memoStamps[slot] = this.generation;
      this.memoValues[slot] = THREW;
      this.memoErrors.set(slot, error);
      throw error;
    }
    this.memoStamps[slot] = this.generation;
    this.memoValues[slot] = result ? 1 : 0;
    return result;
  }
}
