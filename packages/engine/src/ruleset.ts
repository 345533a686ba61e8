import type { EngineAlert } from './alert';
import { EvaluationError, type EvalState, type Predicate } from './condition/eval-state';
import { eventContext } from './events';
import type { CompiledOutput } from './output/format';
import { priorityValue, type Priority } from './priority';

/** What the loader knows about a rule, for listings (every source, loaded or not evaluated). */
export interface RuleInfo {
  name: string;
  desc: string;
  source: string;
  priority: Priority;
  tags: string[];
  /** After the rule's own `enabled` and the load options (tags, names). */
  enabled: boolean;
  /** False for rules of other sources: listed, never evaluated. */
  evaluated: boolean;
  condition: string;
  output: string;
  /** File and 1-based line of the definition in force. */
  file: string;
  line: number;
}

export interface EvaluateOptions {
  /** Falco's `rule_matching`: `first` (default) stops at the first matching rule in load order. */
  ruleMatching?: 'first' | 'all';
  /** Falco's `priority` setting: rules below it are not evaluated at all. */
  minPriority?: Priority;
  hostname?: string;
}

export interface CompiledRule {
  info: RuleInfo;
  predicate: Predicate;
  output: CompiledOutput;
}

interface ActiveRule extends CompiledRule {
  /** priorityValue(info.priority), computed once. */
  rank: number;
}

/** Counters an operator may want to see (evaluation errors are otherwise silent, as in Falco). */
export interface RulesetStats {
  events: number;
  notEvents: number;
  /**
   * Comparisons that could not be evaluated, by rule: a scalar operator on a list field, or a
   * regex/glob that would take more than `maxMatchSteps` on the value. The rule did not match.
   */
  evaluationErrors: Record<string, number>;
}

/**
 * A loaded set of rules. Only enabled k8s_audit rules are evaluated, in load order; evaluation
 * runs precompiled closures over a per-event field cache shared by all rules.
 */
export class Ruleset {
  readonly stats: RulesetStats = { events: 0, notEvents: 0, evaluationErrors: {} };
  private readonly active: ActiveRule[];

  constructor(
    readonly rules: readonly RuleInfo[],
    compiled: readonly CompiledRule[],
    private readonly state: EvalState,
  ) {
    this.active = compiled.filter((rule) => rule.info.enabled).map((rule) => ({ ...rule, rank: priorityValue(rule.info.priority) }));
  }

  /** Rules that evaluate events, in load order. */
  get evaluatedRules(): readonly RuleInfo[] {
    return this.active.map((rule) => rule.info);
  }

  evaluate(event: unknown, options: EvaluateOptions = {}): EngineAlert[] {
    const hostname = options.hostname ?? '';
    const context = eventContext(event, hostname);
    if (context === undefined) {
      this.stats.notEvents++;
      return [];
    }
    this.stats.events++;
    const state = this.state;
    state.reset(context);
    const first = options.ruleMatching !== 'all';
    const minimum = options.minPriority === undefined ? 0 : priorityValue(options.minPriority);
    const alerts: EngineAlert[] = [];
    for (const rule of this.active) {
      if (rule.rank < minimum) continue;
      let matched: boolean;
      try {
        matched = rule.predicate(state);
      } catch (error) {
        if (!(error instanceof EvaluationError)) throw error;
        this.stats.evaluationErrors[rule.info.name] = (this.stats.evaluationErrors[rule.info.name] ?? 0) + 1;
        continue;
      }
      if (!matched) continue;
      const { text, fields } = rule.output.render(state);
      alerts.push({
        time: context.times.rfc3339,
        rule: rule.info.name,
        priority: rule.info.priority,
        source: 'k8s_audit',
        output: `${context.clock}: ${rule.info.priority} ${text}`,
        output_fields: fields,
        tags: [...rule.info.tags],
        hostname,
      });
      if (first) break;
    }
    return alerts;
  }
}
