/**
 * `loadRules`: rules files (already read by the caller) → a ruleset plus every coded error and
 * warning. Files are read in order into one collector and compiled after the last, as Falco
 * loads several `-r` files. Never throws for bad input.
 */
import { DEFAULT_PARSE_LIMITS } from './condition/parser';
import type { RuleIssue } from './errors';
import type { Ruleset } from './ruleset';
import { Collector } from './rules/collector';
import { compileCollection } from './rules/compile';
import { Diagnostics } from './rules/diagnostics';
import { readRulesFile } from './rules/reader';
import { SourceFile } from './rules/source-map';

export interface RulesFile {
  /** Shown in issues (a path or any label). */
  name: string;
  text: string;
}

export interface LoadOptions {
  /** Rules with any of these tags are disabled (Falco's -T). */
  disabledTags?: readonly string[];
  /** When given, only rules with at least one of these tags are enabled (Falco's -t). */
  enabledTags?: readonly string[];
  /** Rules disabled by exact name. */
  disabledRules?: readonly string[];
  /** Rules disabled when their name contains one of these (Falco's -D <substring>). */
  disabledRulesMatching?: readonly string[];
  /** Rules enabled by name even if their file says `enabled: false`. */
  enabledRules?: readonly string[];
  /** Longest condition accepted, in characters (default 1 MiB). */
  maxConditionLength?: number;
  /** Deepest nesting of a condition (default 1000, as Falco). */
  maxConditionDepth?: number;
  /** Most nodes a rule's condition may have once macros are expanded (default 100 000). */
  maxConditionNodes?: number;
}

export interface LoadResult {
  ruleset: Ruleset;
  errors: RuleIssue[];
  warnings: RuleIssue[];
}

export function loadRules(files: ReadonlyArray<RulesFile>, options: LoadOptions = {}): LoadResult {
  const collector = new Collector();
  const diagnostics = new Diagnostics();
  for (const file of files) readRulesFile(new SourceFile(file.name, file.text), collector, diagnostics);
  const ruleset = compileCollection(collector, diagnostics, {
    limits: {
      maxLength: options.maxConditionLength ?? DEFAULT_PARSE_LIMITS.maxLength,
      maxDepth: options.maxConditionDepth ?? DEFAULT_PARSE_LIMITS.maxDepth,
    },
    maxNodes: options.maxConditionNodes ?? 100_000,
    disabledTags: new Set(options.disabledTags ?? []),
    enabledTags: new Set(options.enabledTags ?? []),
    disabledRules: new Set(options.disabledRules ?? []),
    disabledRulesMatching: options.disabledRulesMatching ?? [],
    enabledRules: new Set(options.enabledRules ?? []),
  });
  return { ruleset, errors: diagnostics.errors, warnings: diagnostics.warnings };
}
