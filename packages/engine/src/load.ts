/**
 * `loadRules`: rules files (already read by the caller) → a ruleset plus every coded error and
 * warning. Files are read in order into one collector and compiled after the last, as Falco
 * loads several `-r` files. Never throws for bad input.
 */
import { DEFAULT_COMPILER_LIMITS } from './condition/compiler';
import { DEFAULT_PARSE_LIMITS } from './condition/parser';
import { DEFAULT_MATCH_LIMITS } from './operators/operator';
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
  /** Deepest nesting of a condition, also once macros are expanded (default 1000, as Falco's parser). */
  maxConditionDepth?: number;
  /** Most nodes a rule's condition may have once macros are expanded (default 100 000). */
  maxConditionNodes?: number;
  /** Most macros a condition may go through, rule → macro → macro … (default 100). */
  maxMacroDepth?: number;
  /**
   * Most list items the whole load may expand to (default 1 000 000): every list's items once
   * the lists it names are expanded, plus the items of every list a condition names.
   */
  maxListItems?: number;
  /** Largest regex (instructions, `{n,m}` expanded) or glob (tokens) pattern (default 10 000). */
  maxPatternSize?: number;
  /**
   * Most steps one regex or glob comparison may take on one value (default 4 000 000, a few
   * milliseconds); a comparison that would take more is an evaluation error: the rule does not
   * match that event (counted in `ruleset.stats.evaluationErrors`).
   */
  maxMatchSteps?: number;
}

/** The defaults of the limits in LoadOptions (rule text is untrusted input). */
export const DEFAULT_LOAD_LIMITS = {
  maxConditionLength: DEFAULT_PARSE_LIMITS.maxLength,
  maxConditionDepth: DEFAULT_PARSE_LIMITS.maxDepth,
  maxConditionNodes: DEFAULT_COMPILER_LIMITS.maxNodes,
  maxMacroDepth: DEFAULT_COMPILER_LIMITS.maxMacroDepth,
  maxListItems: 1_000_000,
  maxPatternSize: DEFAULT_MATCH_LIMITS.maxPatternSize,
  maxMatchSteps: DEFAULT_MATCH_LIMITS.maxMatchSteps,
} as const satisfies Required<Pick<LoadOptions, 'maxConditionLength' | 'maxConditionDepth' | 'maxConditionNodes' | 'maxMacroDepth' | 'maxListItems' | 'maxPatternSize' | 'maxMatchSteps'>>;

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
      maxLength: options.maxConditionLength ?? DEFAULT_LOAD_LIMITS.maxConditionLength,
      maxDepth: options.maxConditionDepth ?? DEFAULT_LOAD_LIMITS.maxConditionDepth,
    },
    maxNodes: options.maxConditionNodes ?? DEFAULT_LOAD_LIMITS.maxConditionNodes,
    maxMacroDepth: options.maxMacroDepth ?? DEFAULT_LOAD_LIMITS.maxMacroDepth,
    maxListItems: options.maxListItems ?? DEFAULT_LOAD_LIMITS.maxListItems,
    match: { maxPatternSize: options.maxPatternSize ?? DEFAULT_LOAD_LIMITS.maxPatternSize, maxMatchSteps: options.maxMatchSteps ?? DEFAULT_LOAD_LIMITS.maxMatchSteps },
    disabledTags: new Set(options.disabledTags ?? []),
    enabledTags: new Set(options.enabledTags ?? []),
    disabledRules: new Set(options.disabledRules ?? []),
    disabledRulesMatching: options.disabledRulesMatching ?? [],
    enabledRules: new Set(options.enabledRules ?? []),
  });
  return { ruleset, errors: diagnostics.errors, warnings: diagnostics.warnings };
}
