import { type EngineAlert, type EventError, extractEvents, type LoadOptions, loadRules, type Priority, type RuleIssue, type Ruleset, type RulesFile } from '@peregrine/engine';

/**
 * Trying rules on an event without storing anything, as a pure function of its inputs: the
 * rules thread runs it (rules-test.worker.ts), so a rules text that is slow or large to load
 * costs that thread, never the event loop that acknowledges alerts.
 */

export const TEST_RULES_FILE = '<test>';

/** A load problem as the API shows it: the engine's issue plus the source line to underline. */
export interface RulesProblemView extends Omit<RuleIssue, 'code'> {
  /** The engine's codes, plus the server's (RULES_PATH_NOT_FOUND, RULES_FILE_UNREADABLE, RULES_LOAD_FAILED). */
  code: string;
  /** The line the problem is on; `text.slice(start, end)` is the part to underline. */
  excerpt?: { text: string; start: number; end: number };
}

export interface RulesTestResult {
  ok: boolean;
  errors: RulesProblemView[];
  warnings: RulesProblemView[];
  alerts: EngineAlert[];
  eventErrors: EventError[];
  /**
   * Rules that could not be evaluated on the event, and how often (a regex or glob past
   * `peregrine.rules.max_match_steps`, a scalar operator on a list field): they did not match.
   */
  evaluationErrors: Record<string, number>;
}

/** Everything one try needs, plain data (it crosses to the rules thread by structured clone). */
export interface RulesTestJob {
  /** The rules in force, loaded first (empty: the posted text alone). */
  base: RulesFile[];
  /** The posted rules text, loaded after `base` as the file `<test>`. */
  rules: string | undefined;
  /** Evaluated when present and the rules loaded without errors. */
  event: unknown;
  load: LoadOptions;
  evaluate: { ruleMatching: 'first' | 'all'; minPriority: Priority };
}

export function runRulesTest(job: RulesTestJob): RulesTestResult {
  const files = job.rules === undefined ? job.base : [...job.base, { name: TEST_RULES_FILE, text: job.rules }];
  const result = loadRules(files, job.load);
  const errors = viewsOf(result.errors, files);
  // Warnings about the rules in force are on the status page already; show the posted text's.
  const warnings = viewsOf(
    result.warnings.filter((issue) => job.rules === undefined || issue.file === TEST_RULES_FILE),
    files,
  );
  if (errors.length > 0 || job.event === undefined) return { ok: errors.length === 0, errors, warnings, alerts: [], eventErrors: [], evaluationErrors: {} };
  return { ok: true, errors, warnings, ...evaluateTry(result.ruleset, job.event, job.evaluate) };
}

/** Evaluates a tried event (an Event or EventList) and says which rules could not be evaluated on it. */
export function evaluateTry(ruleset: Ruleset, body: unknown, options: RulesTestJob['evaluate']): Pick<RulesTestResult, 'alerts' | 'eventErrors' | 'evaluationErrors'> {
  const { events, errors: eventErrors } = extractEvents(body);
  // The counters are the ruleset's, since it started: this try's share is what they grow by (evaluation is synchronous).
  const before = { ...ruleset.stats.evaluationErrors };
  const alerts = events.flatMap((event) => ruleset.evaluate(event, { ...options, hostname: 'test' }));
  const evaluationErrors: Record<string, number> = {};
  for (const [rule, count] of Object.entries(ruleset.stats.evaluationErrors)) {
    const grown = count - (before[rule] ?? 0);
    if (grown > 0) evaluationErrors[rule] = grown;
  }
  return { alerts, eventErrors, evaluationErrors };
}

/**
 * Adds the source line and the span to underline, so the dashboard needs no copy of the file.
 * Each file is split into lines once, however many problems it has (a hostile file can have
 * thousands, and splitting a megabyte per problem would hold the thread for seconds).
 */
export function viewsOf(issues: readonly RuleIssue[], files: readonly RulesFile[]): RulesProblemView[] {
  const lines = new Map<string, string[] | undefined>();
  const linesOf = (name: string): string[] | undefined => {
    if (!lines.has(name)) lines.set(name, files.find((file) => file.name === name)?.text.split('\n'));
    return lines.get(name);
  };
  return issues.map((issue) => viewOf(issue, linesOf));
}

export function toView(issue: RuleIssue, files: readonly RulesFile[]): RulesProblemView {
  return viewOf(issue, (name) => files.find((file) => file.name === name)?.text.split('\n'));
}

function viewOf(issue: RuleIssue, linesOf: (file: string) => string[] | undefined): RulesProblemView {
  const view: RulesProblemView = { code: issue.code, message: issue.message, file: issue.file };
  if (issue.item) view.item = issue.item;
  if (!issue.position) return view;
  view.position = issue.position;
  const line = linesOf(issue.file)?.[issue.position.line - 1];
  if (line !== undefined) {
    const cleanLine = line.replace(/\r$/, '');
    const start = Math.min(Math.max(issue.position.column - 1, 0), cleanLine.length);
    const end = Math.min(start + Math.max(issue.position.length ?? 0, 0), cleanLine.length);
    view.excerpt = { text: cleanLine, start, end };
  }
  return view;
}
