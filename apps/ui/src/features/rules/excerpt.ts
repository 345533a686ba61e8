import type { ProblemExcerpt } from './api/rules';

/** A source line cut around the span a problem points at. */
export interface ExcerptParts {
  before: string;
  marked: string;
  after: string;
  /** The problem is at a point (e.g. "the condition ends here"), not over a span. */
  isPoint: boolean;
}

/**
 * Cuts `text` into before / marked / after. The server clamps the span to the line already;
 * clamping again keeps a malformed answer from throwing or marking the wrong thing.
 */
export function splitExcerpt({ text, start, end }: ProblemExcerpt): ExcerptParts {
  const from = clamp(start, 0, text.length);
  const to = clamp(end, from, text.length);
  return { before: text.slice(0, from), marked: text.slice(from, to), after: text.slice(to), isPoint: from === to };
}

function clamp(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(Math.max(Math.trunc(value), min), max);
}
