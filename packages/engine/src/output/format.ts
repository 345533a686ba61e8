/**
 * Rule outputs: `%field` and `%field[argument]` substitution, compiled once per rule. Values
 * render as Falco shows them (libsinsp `sinsp_filter_check::tostring`): strings as they are, a
 * list field as its values joined by `,` inside parentheses (a JSON object in it as compact
 * JSON in the event's key order), a value that cannot be extracted as `<NA>`.
 */
import type { EvalState } from '../condition/eval-state';
import type { BoundField, FieldValue } from '../fields/field';
import { AUDIT_FIELD_NAMES_LONGEST_FIRST } from '../fields/registry';

export const MISSING_VALUE = '<NA>';

export interface OutputProblem {
  message: string;
  start: number;
  end: number;
}

interface Part {
  literal: string;
  /** The field rendered after the literal, if any. */
  field?: { key: string; slot: number };
}

export interface CompiledOutput {
  /** Field keys (as written) in order of first appearance: the keys of output_fields. */
  readonly fields: readonly string[];
  render(state: EvalState): { text: string; fields: Record<string, string | number | (string | number)[] | null> };
}

export interface FieldBinder {
  bindField(name: string, argument: string | undefined): BoundField | string;
  slotOf(bound: BoundField): number;
}

function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46;
}

export function compileOutput(format: string, binder: FieldBinder): CompiledOutput | OutputProblem {
  const parts: Part[] = [];
  const keys: string[] = [];
  let literal = '';
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, percent);
    let end = percent + 1;
    while (end < format.length && isNameChar(format.charCodeAt(end))) end++;
    const word = format.slice(percent + 1, end);
    if (word === '' || !/^[A-Za-z]/.test(word)) {
      // `100%` or `% ` is text, not a token.
      literal += '%';
      i = percent + 1;
      continue;
    }
    const name = AUDIT_FIELD_NAMES_LONGEST_FIRST.find((known) => word.startsWith(known) && (word.length === known.length || !/[A-Za-z0-9_]/.test(word[known.length] ?? '')));
    if (name === undefined) return { message: `invalid formatting token %${word}: no field by that name`, start: percent, end };
    let next = percent + 1 + name.length;
    let argument: string | undefined;
    if (format[next] === '[') {
      const close = format.indexOf(']', next + 1);
      if (close < 0) return { message: `the argument of %${name} is not closed with ']'`, start: percent, end: format.length };
      argument = format.slice(next + 1, close);
      next = close + 1;
    }
    const bound = binder.bindField(name, argument);
    if (typeof bound === 'string') return { message: `invalid formatting token %${format.slice(percent + 1, next)}: ${bound}`, start: percent, end: next };
    parts.push({ literal, field: { key: bound.key, slot: binder.slotOf(bound) } });
    if (!keys.includes(bound.key)) keys.push(bound.key);
    literal = '';
    i = next;
  }
  if (literal !== '') parts.push({ literal });

  return {
    fields: keys,
    render(state) {
      let text = '';
      const fields: Record<string, string | number | (string | number)[] | null> = {};
      for (const part of parts) {
        text += part.literal;
        if (part.field === undefined) continue;
        const value = state.get(part.field.slot);
        text += renderValue(value);
        fields[part.field.key] = value === undefined ? null : typeof value === 'object' ? [...value] : value;
      }
      return { text, fields };
    },
  };
}

export function isOutputProblem(value: CompiledOutput | OutputProblem): value is OutputProblem {
  return 'message' in value;
}

/**
 * Falco's text of a field value: a list as `(a,b)` — `(nginx)` for one value, `()` for none —
 * with each element as Falco prints it (a string as it is; objects and arrays were rendered as
 * compact JSON by the extractor); `<NA>` when nothing was extracted. The JSON alert's
 * `output_fields` keeps lists as arrays (Falco's `tojson`).
 */
export function renderValue(value: FieldValue): string {
  if (value === undefined) return MISSING_VALUE;
  if (typeof value !== 'object') return String(value);
  return `(${value.map(String).join(',')})`;
}
