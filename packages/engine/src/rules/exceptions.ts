/**
 * Rule exceptions become condition text exactly as Falco builds it
 * (rule_loader_compiler.cpp, build_rule_exception_infos): the rule's condition in parentheses,
 * then ` and not (...)` per exception. Values are quoted only when they contain a space and do
 * not start with a quote; a single value under a list operator is parenthesized. The text is
 * then parsed like any condition, so lists named in values are expanded too.
 */
import type { ExceptionEntry, ExceptionInfo } from './collector';

/** Thrown when an exception's values do not fit its fields. */
export class ExceptionShapeError extends Error {
  constructor(
    readonly exception: ExceptionInfo,
    message: string,
  ) {
    super(message);
  }
}

const LIST_OPERATORS = new Set(['in', 'intersects', 'pmatch']);

function quoteItem(item: string): string {
  return item.includes(' ') && item[0] !== '"' && item[0] !== "'" ? `"${item}"` : item;
}

function parenItem(item: string): string {
  return item[0] === '(' ? item : `(${item})`;
}

function scalar(entry: ExceptionEntry | undefined): string {
  return entry !== undefined && !entry.list ? entry.item : '';
}

/** The ` and not (...)` text of one exception, or '' when it has no values. */
export function exceptionCondition(exception: ExceptionInfo): string {
  const fields = exception.fields;
  if (fields === undefined) return '';
  if (!fields.list) {
    const comp = scalar(exception.comps) || 'in';
    const values: string[] = [];
    for (const value of exception.values) {
      if (value.list) throw new ExceptionShapeError(exception, `exception '${exception.name}': expected the values array to contain a list of strings`);
      values.push(quoteItem(value.item));
    }
    return values.length === 0 ? '' : `(${fields.item} ${comp} (${values.join(', ')}))`;
  }
  const comps = exception.comps?.list ? exception.comps.items : [];
  const alternatives: string[] = [];
  for (const value of exception.values) {
    const items = value.list ? value.items : [value];
    if (items.length !== fields.items.length) throw new ExceptionShapeError(exception, `exception '${exception.name}': fields and values lists must have equal length`);
    const terms = fields.items.map((field, k) => {
      const comp = scalar(comps[k]) || '=';
      const item = items[k] as ExceptionEntry;
      let text: string;
      if (item.list) text = `(${item.items.map((v) => quoteItem(scalar(v))).join(', ')})`;
      else text = LIST_OPERATORS.has(comp) ? parenItem(item.item) : quoteItem(item.item);
      return ` ${scalar(field)} ${comp} ${text}`;
    });
    alternatives.push(`(${terms.join(' and ')})`);
  }
  return alternatives.length === 0 ? '' : `(${alternatives.join(' or ')})`;
}
