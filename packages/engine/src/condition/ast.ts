/**
 * The parsed form of a condition. Every node records the offsets it spans in the condition text
 * (`start` inclusive, `end` exclusive) so that problems found later (unknown field, operator not
 * defined for a type) can be underlined precisely. Offsets are cheap to keep; line and column
 * are computed only when a problem is reported.
 */
export interface Span {
  start: number;
  end: number;
}

export type Expr = AndExpr | OrExpr | NotExpr | MacroRef | CheckExpr;

export interface AndExpr extends Span {
  kind: 'and';
  /** Two or more operands, flattened (`a and b and c` is one node) to keep depth low. */
  operands: Expr[];
}

export interface OrExpr extends Span {
  kind: 'or';
  operands: Expr[];
}

export interface NotExpr extends Span {
  kind: 'not';
  operand: Expr;
}

/** A bare identifier in check position: a macro name, expanded at compile time. */
export interface MacroRef extends Span {
  kind: 'macro';
  name: string;
}

export interface FieldRef extends Span {
  kind: 'field';
  /** The field name without its argument, e.g. `ka.uri.param`. */
  name: string;
  /** The text between `[` and `]`, unquoted, if any, e.g. `command`. */
  arg?: string;
  argSpan?: Span;
}

export const TRANSFORMERS = ['tolower', 'toupper', 'b64', 'basename', 'len'] as const;
export type TransformerName = (typeof TRANSFORMERS)[number];

/** `tolower(field)` and friends: a function applied to the extracted value(s). */
export interface TransformerRef extends Span {
  kind: 'transformer';
  name: TransformerName;
  operand: FieldOperand;
}

export type FieldOperand = FieldRef | TransformerRef;

/** `field op`, `field op value`, `field op (list)` or `field op val(other.field)`. */
export interface CheckExpr extends Span {
  kind: 'check';
  field: FieldOperand;
  operator: string;
  operatorSpan: Span;
  /** Absent for unary operators (`exists`). */
  value?: ValueOperand;
}

export type ValueOperand = StringValue | ListValue | ListNameRef | FieldValueRef;

export interface StringValue extends Span {
  kind: 'value';
  text: string;
  /** Quoted values are never taken as list names (Falco substitutes only bare words). */
  quoted: boolean;
}

export interface ListValue extends Span {
  kind: 'list';
  items: StringValue[];
}

/** `in name` without parentheses: a reference to a list by name. */
export interface ListNameRef extends Span {
  kind: 'listref';
  name: string;
}

/** `val(field)` or a transformer on the right-hand side: compares two fields. */
export interface FieldValueRef extends Span {
  kind: 'fieldvalue';
  field: FieldOperand;
}
