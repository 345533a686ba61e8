export * from './priority';
export {
  parseRfc3339,
  formatRfc3339Nano,
  formatOffset,
  civilTime,
  formatCivil,
  trimmedFraction,
  unixNanosOf,
  unixTimeFromNanos,
  isWithinNanosecondRange,
  NANOSECOND_TIME_RANGE,
  MIN_UNIX_NANOS,
  MAX_UNIX_NANOS,
  type UnixTime,
  type Rfc3339Time,
  type CivilTime,
} from './time';
export type { FalcoAlert, EngineAlert, OutputFieldValue } from './alert';
export { loadRules, DEFAULT_LOAD_LIMITS, type LoadOptions, type LoadResult, type RulesFile } from './load';
export { Ruleset, type RuleInfo, type EvaluateOptions, type RulesetStats } from './ruleset';
export { extractEvents, type EventError, type ExtractedEvents } from './events';
export { ERROR_CODES, WARNING_CODES, EVENT_ERROR_CODES, type RuleIssue, type IssueCode, type ErrorCode, type WarningCode, type EventErrorCode, type RuleItemType } from './errors';
export { parseCondition, type ParseResult, type ParseError, type ParseLimits } from './condition/parser';
export { renderValue, MISSING_VALUE } from './output/format';
export { formatOutput, type FormattedOutput } from './output/format-event';
export { AUDIT_FIELDS } from './fields/registry';
export type { FieldDefinition } from './fields/field';
export { OPERATORS } from './operators/registry';
export type { Operator } from './operators/operator';
export { ENGINE_VERSION, IMPLEMENTED_PLUGINS } from './rules/versions';
export { compileAlertCondition, AlertCondition, ALERT_CONDITION_FIELDS, type RoutableAlert, type AlertConditionResult, type AlertConditionError } from './alert-condition';
