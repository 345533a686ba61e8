/**
 * Every problem the engine reports carries a stable `code` (for the dashboard and for tests),
 * a human message and, where one exists, a position. Codes never change meaning once shipped;
 * new problems get new codes.
 */

/** 1-based line and column, 0-based character offset, all relative to the text they point into. */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

export const ERROR_CODES = {
  // Condition text (lexer / parser)
  UNTERMINATED_STRING: 'a quoted string is not closed',
  UNBALANCED_PARENTHESES: 'a parenthesis is not closed or not opened',
  UNKNOWN_OPERATOR: 'a word where an operator was expected is not one',
  UNEXPECTED_TOKEN: 'something else was expected at this point',
  UNEXPECTED_END: 'the condition ends where more was expected',
  EMPTY_CONDITION: 'the condition is empty',
  DEPTH_LIMIT: 'the condition nests deeper than the limit',
  SIZE_LIMIT: 'the condition is longer than the limit',
  NODE_LIMIT: 'the condition has more nodes than the limit',
  INVALID_FIELD_ARGUMENT: 'a field argument is malformed or not allowed',
  // Compilation
  UNKNOWN_FIELD: 'no field by that name for this source',
  UNKNOWN_MACRO: 'an identifier names no macro',
  MACRO_CYCLE: 'a macro references itself, directly or through others',
  OPERATOR_NOT_SUPPORTED: 'the operator is not defined for the field type',
  INVALID_VALUE: 'a value cannot be used with the operator or field',
  INVALID_REGEX: 'a regular expression does not parse',
  // Rules files
  YAML_PARSE_ERROR: 'the file is not valid YAML',
  RULES_NOT_A_LIST: 'a rules file must be a YAML sequence of items',
  INVALID_ITEM: 'an item is not a mapping or misses its identifying key',
  MISSING_KEY: 'a required key is missing',
  INVALID_KEY_VALUE: 'a key has a value of the wrong type',
  INVALID_PRIORITY: 'the priority names no Falco priority',
  APPEND_TO_UNDEFINED: 'append/override refers to an item that was never defined',
  INVALID_OVERRIDE: 'an override key/mode combination is not allowed',
  INVALID_EXCEPTION: 'an exception is malformed',
  ENGINE_VERSION_TOO_OLD: 'the rules need a newer engine',
  INVALID_OUTPUT: 'the output format names an unknown field',
  // Evaluation input
  NOT_AN_AUDIT_EVENT: 'data not recognized as a k8s audit event',
  INVALID_JSON: 'a line of input is not JSON',
  INVALID_EVENT_TIME: 'an audit event has no readable stageTimestamp',
} as const;

export const WARNING_CODES = {
  UNKNOWN_KEY: 'a key is not part of the rules schema and is ignored',
  UNKNOWN_ITEM: 'a top-level item type is unknown and ignored',
  EMPTY_ITEM: 'an empty item is ignored',
  DUPLICATE_RULE: 'a rule is defined again; the new definition replaces the old in place',
  UNUSED_LIST: 'a list is never referenced',
  UNUSED_MACRO: 'a macro is never referenced',
  LIST_FIELD_SCALAR_OPERATOR: 'a list field is compared with a scalar operator (false at evaluation)',
  PLUGIN_VERSION: 'a required plugin version is not what this engine implements',
  NON_AUDIT_SOURCE_SYNTAX: 'a rule for another source has a condition this parser cannot read',
  UNKNOWN_SOURCE: 'a rule names a source this engine does not know; kept, not evaluated',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type WarningCode = keyof typeof WARNING_CODES;
export type DiagnosticCode = ErrorCode | WarningCode;

/** The one error shape the engine returns (never throws to its callers). */
export interface EngineError {
  code: DiagnosticCode;
  message: string;
  /** Where in the text being processed (condition, output or file) the problem is. */
  position?: Position;
}

export function engineError(code: DiagnosticCode, message: string, position?: Position): EngineError {
  return position === undefined ? { code, message } : { code, message, position };
}

/** Computes 1-based line/column for an offset in `text`. Linear; used only when reporting. */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}
