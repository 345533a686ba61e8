/**
 * Every problem the engine reports carries a stable `code` (for the dashboard and for tests),
 * a human message and, where one exists, a position. Codes never change meaning once shipped;
 * new problems get new codes. The descriptions below are the documentation of each code
 * (README.md lists them too).
 */

export const ERROR_CODES = {
  // Condition text (lexer / parser)
  EMPTY_CONDITION: 'the condition is empty',
  UNTERMINATED_STRING: 'a quoted string is not closed',
  INVALID_ESCAPE: 'a quoted string uses an escape sequence Falco does not accept',
  UNBALANCED_PARENTHESES: 'a parenthesis is not closed, or a ")" closes nothing',
  UNKNOWN_OPERATOR: 'a word where an operator was expected is not one',
  UNEXPECTED_TOKEN: 'something else was expected at this point',
  UNEXPECTED_END: 'the condition ends where more was expected',
  DEPTH_LIMIT: 'the condition nests deeper than the limit',
  SIZE_LIMIT: 'the condition is longer than the limit',
  NODE_LIMIT: 'the condition, once macros are expanded, has more nodes than the limit',
  MACRO_DEPTH_LIMIT: 'macros reference macros more levels deep than the limit',
  LIST_LIMIT: 'lists, once the lists they name are expanded, come to more items than the limit',
  PATTERN_LIMIT: 'a regex or glob pattern is larger than the limit',
  INVALID_FIELD_ARGUMENT: 'a field argument is missing, malformed or not allowed for that field',
  // Compilation of a condition
  UNKNOWN_FIELD: 'no field by that name for this source',
  UNKNOWN_MACRO: 'an identifier names no macro (visible at that point)',
  UNKNOWN_LIST: 'a list operator names a list that does not exist',
  MACRO_CYCLE: 'a macro references itself, directly or through others',
  INVALID_MACRO: 'a rule uses a macro whose condition has an error',
  OPERATOR_NOT_SUPPORTED: 'the operator is not defined for the field type',
  INVALID_VALUE: 'a value cannot be used with the operator or field',
  INVALID_REGEX: 'a regular expression does not parse',
  // Output format
  INVALID_OUTPUT: 'the output format names an unknown field or a field with a bad argument',
  // Rules files
  YAML_PARSE_ERROR: 'the file is not valid YAML',
  RULES_NOT_A_LIST: 'a rules document must be a YAML sequence of items',
  INVALID_ITEM: 'an item is not a mapping',
  INVALID_NAME: 'a list or macro name is not a valid identifier',
  MISSING_KEY: 'a required key is missing or empty',
  INVALID_KEY_VALUE: 'a key has a value of the wrong type',
  INVALID_PRIORITY: 'the priority names no Falco priority',
  APPEND_TO_UNDEFINED: 'append/override/enabled refers to an item that was never defined',
  INVALID_OVERRIDE: 'an override key/mode combination is not allowed',
  INVALID_EXCEPTION: 'an exception is malformed',
  RULE_SOURCE_CHANGED: 'a rule is redefined with a different source',
  ENGINE_VERSION_TOO_OLD: 'the rules need a newer engine than this one',
  INVALID_VERSION: 'a required engine or plugin version does not parse',
} as const;

export const WARNING_CODES = {
  UNKNOWN_ITEM: 'a top-level item type is unknown and ignored',
  DUPLICATE_RULE: 'a rule is defined again; the new definition replaces the old one in place',
  UNUSED_LIST: 'a list is never referenced',
  UNUSED_MACRO: 'a macro is never referenced',
  LIST_FIELD_SCALAR_OPERATOR: 'a list field is compared with a scalar operator: accepted (as Falco < 0.32 did); the comparison fails the rule if it is reached',
  PLUGIN_VERSION: 'a required plugin is not implemented by this engine, or in an older version',
  NON_AUDIT_SOURCE: 'a rule, or a macro used only by such rules, for a source other than k8s_audit has a problem; kept, never evaluated',
  UNKNOWN_SOURCE: 'a rule names a source this engine does not know; kept, not evaluated',
  SKIPPED_UNKNOWN_FILTER: 'a rule with skip-if-unknown-filter uses an unknown field and is skipped',
  APPEND_NO_VALUES: 'an appended exception has no values',
} as const;

export const EVENT_ERROR_CODES = {
  NOT_AN_AUDIT_EVENT: 'data not recognized as a k8s audit event',
  INVALID_EVENT_TIME: "can't read stageTimestamp",
  INVALID_JSON: 'a line of input is not JSON',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type WarningCode = keyof typeof WARNING_CODES;
export type EventErrorCode = keyof typeof EVENT_ERROR_CODES;
export type IssueCode = ErrorCode | WarningCode;

export type RuleItemType = 'rule' | 'macro' | 'list' | 'required_engine_version' | 'required_plugin_versions' | 'exception' | 'file';

/**
 * A problem found while loading rules. `position.line`/`column` are 1-based and point into the
 * file; `offset`/`length` (when present) locate the problem inside the condition or output
 * text of the item, so an editor can underline it.
 */
export interface RuleIssue {
  code: IssueCode;
  message: string;
  file: string;
  item?: { type: RuleItemType; name?: string };
  position?: { line: number; column: number; offset?: number; length?: number };
}
