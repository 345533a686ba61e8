import type { OutputStatus } from './api/outputs';

export type OutputHealthState = 'failing' | 'healthy' | 'idle';

export interface OutputHealth {
  state: OutputHealthState;
  /** Why, in words, for the card. */
  reasons: string[];
}

/**
 * Failing when the last error is newer than the last success, or dead letters wait for a
 * replay; healthy after a success; idle when nothing was sent yet.
 */
export function outputHealth(output: Pick<OutputStatus, 'lastSuccessAt' | 'lastError' | 'deadLetters'>): OutputHealth {
  const reasons: string[] = [];
  const success = timeOf(output.lastSuccessAt);
  const failure = output.lastError ? timeOf(output.lastError.at) : undefined;
  if (failure !== undefined && (success === undefined || failure > success)) reasons.push(success === undefined ? 'never delivered; last attempt failed' : 'last attempt failed after the last success');
  if (output.deadLetters > 0) reasons.push(`${output.deadLetters} dead letter${output.deadLetters === 1 ? '' : 's'} to replay`);
  if (reasons.length > 0) return { state: 'failing', reasons };
  if (success !== undefined) return { state: 'healthy', reasons: [] };
  return { state: 'idle', reasons: ['nothing sent yet'] };
}

function timeOf(iso: string | null): number | undefined {
  if (iso === null) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}
