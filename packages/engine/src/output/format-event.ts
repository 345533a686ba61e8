import type { OutputFieldValue } from '../alert';
import { ConditionCompiler } from '../condition/compiler';
import { eventContext } from '../events';
import { compileOutput, isOutputProblem } from './format';

export type FormattedOutput = { ok: true; text: string; fields: Record<string, OutputFieldValue> } | { ok: false; message: string; start: number; end: number };

/**
 * Formats one output string against one event, as a rule's output would be (for a "try this
 * output" box). Not for the hot path: it compiles the format every call.
 */
export function formatOutput(format: string, event: unknown, hostname = ''): FormattedOutput {
  const compiler = new ConditionCompiler(new Map(), new Map(), 1);
  const output = compileOutput(format, compiler);
  if (isOutputProblem(output)) return { ok: false, ...output };
  const context = eventContext(event, hostname);
  if (context === undefined) return { ok: false, message: "not an audit event: can't read stageTimestamp", start: 0, end: 0 };
  const state = compiler.newState();
  state.reset(context);
  return { ok: true, ...output.render(state) };
}
