import type { Position } from '../errors';

/**
 * The parsed form of a condition. Every node records where it starts in the condition text so
 * errors found later (unknown field, wrong operator for a type) can be underlined precisely.
 */
export type ConditionNode = AndNode | OrNode | NotNode | MacroReferenceNode | CheckNode;

export interface AndNode {
  kind: 'and';
  position: Position;
  /** Two or more operands, flattened (`a and b and c` is one node) to keep depth low. */
  operands: ConditionNode[];
}

export interface OrNode {
  kind: 'or';
  position: Position;
  operands: ConditionNode[];
}

export interface NotNode {
  kind: 'not';
  position: Position;
  operand: ConditionNode;
}

/** A bare identifier: a macro name, resolved (expanded) at compile time. */
export interface MacroReferenceNode {
  kind: 'macro';
  position: Position;
  name: string;
}

export interface FieldReference {
  /** The field name without its argument, e.g. `ka.uri.param`. */
  name: string;
  /** The text between `[` and `]`, if any, e.g. `command`. */
  argument?: string;
  position: Position;
}

/** `field op`, `field op value` or `field op (list)`. */
export interface CheckNode {
  kind: 'check';
  position: Position;
  field: FieldReference;
  operator: string;
  operatorPosition: Position;
  /** Absent for unary operators (`exists`). */
  value?: ValueNode | ListNode;
}

export interface ValueNode {
  kind: 'value';
  position: Position;
  text: string;
  /** Quoted values are never taken as list names. */
  quoted: boolean;
}

export interface ListNode {
  kind: 'list';
  position: Position;
  items: ValueNode[];
}
