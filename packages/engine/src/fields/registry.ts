import type { FieldDefinition } from './field';
import { JSON_FIELDS } from './json-fields';
import { K8S_AUDIT_FIELDS } from './k8s-audit';

/** Every field of the k8s_audit source, by name. Adding a field source is one line here. */
export const AUDIT_FIELDS: ReadonlyMap<string, FieldDefinition> = new Map([...K8S_AUDIT_FIELDS, ...JSON_FIELDS].map((field) => [field.name, field]));

/** Names sorted longest first, for output formats where `%ka.user.name.` ends at the longest known field. */
export const AUDIT_FIELD_NAMES_LONGEST_FIRST: readonly string[] = [...AUDIT_FIELDS.keys()].sort((a, b) => b.length - a.length);

export function findField(name: string): FieldDefinition | undefined {
  return AUDIT_FIELDS.get(name);
}

/**
 * Validates the bracketed argument of a field reference; returns an error message or
 * undefined. Index arguments must be non-negative integers (as the plugin SDK parses them).
 */
export function checkArgument(field: FieldDefinition, argument: string | undefined): string | undefined {
  if (argument === undefined) return field.argumentRequired ? `field '${field.name}' requires an argument, e.g. ${field.name}[${field.argument === 'index' ? '0' : 'key'}]` : undefined;
  if (field.argument === 'none') return `field '${field.name}' does not take an argument`;
  if (field.argument === 'index' && !/^\d{1,9}$/.test(argument)) return `field '${field.name}' takes a numeric index, not '${argument}'`;
  if (argument.length === 0) return `field '${field.name}' needs a non-empty argument`;
  return undefined;
}
