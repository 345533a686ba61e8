import { type EngineAlert, type EventError, extractEvents, type LoadOptions, loadRules, type Priority, type RuleInfo, type RuleIssue, type Ruleset, type RulesFile } from '@peregrine/engine';
import { createHash } from 'node:crypto';
import type { Clock } from '../common/clock';
import type { AppLogger } from '../logging/logger';
import type { Closeable, RulesFileReader, RulesFilesProblem, RulesPath } from './rules-files';

export interface RulesSettings {
  paths: readonly RulesPath[];
  load: LoadOptions;
  ruleMatching: 'first' | 'all';
  minPriority: Priority;
  watch: boolean;
}

/** A load problem as the API shows it: the engine's issue plus the source line to underline. */
export interface RulesProblemView extends Omit<RuleIssue, 'code'> {
  /** The engine's codes, plus the file reader's (RULES_PATH_NOT_FOUND, RULES_FILE_UNREADABLE). */
  code: string;
  /** The line the problem is on; `text.slice(start, end)` is the part to underline. */
  excerpt?: { text: string; start: number; end: number };
}

export interface RulesFileSummary {
  path: string;
  rules: number;
}

export interface RulesStatus {
  ok: boolean;
  generation: number;
  /**
   * The rules in force, as files: a hash of their names and texts (16 hex digits). Replicas
   * that read the same files have the same one, whatever their generation counts.
   */
  fingerprint: string | null;
  loadedAt: string | null;
  lastAttemptAt: string | null;
  files: RulesFileSummary[];
  errors: RulesProblemView[];
  warnings: RulesProblemView[];
}

/** A rule as the API lists it: the engine's view, its description under its API name, and its matches. */
export interface RuleView extends Omit<RuleInfo, 'desc'> {
  description: string;
  matches: number;
}

export interface RulesTestInput {
  rules?: string | undefined;
  event?: unknown;
  withStockRules?: boolean | undefined;
}

export interface RulesTestResult {
  ok: boolean;
  errors: RulesProblemView[];
  warnings: RulesProblemView[];
  alerts: EngineAlert[];
  eventErrors: EventError[];
}

/**
 * One loaded ruleset with what it was loaded from. Evaluation takes one of these for a whole
 * request, so a reload in the middle of a batch never mixes two rulesets.
 */
export interface LoadedRules {
  readonly ruleset: Ruleset;
  readonly generation: number;
  readonly fingerprint: string;
  readonly loadedAt: string;
  readonly files: readonly RulesFile[];
  readonly warnings: readonly RulesProblemView[];
}

export class RulesLoadError extends Error {
  constructor(readonly status: RulesStatus) {
    super(`rules did not load (${status.errors.length} error${status.errors.length === 1 ? '' : 's'}):\n${status.errors.map(describeProblem).join('\n')}`);
    this.name = 'RulesLoadError';
  }
}

export const TEST_RULES_FILE = '<test>';

/**
 * The rules in force: loads them at start, reloads on file change or request (a failed reload
 * keeps the previous rules running and reports why), evaluates audit events, counts matches,
 * and tries rules without storing anything.
 */
export class RulesService {
  private loaded: LoadedRules | undefined;
  private lastStatus: RulesStatus = { ok: false, generation: 0, fingerprint: null, loadedAt: null, lastAttemptAt: null, files: [], errors: [], warnings: [] };
  private readonly matches = new Map<string, number>();
  private watcher: Closeable | undefined;
  private reloading: Promise<RulesStatus> | undefined;
  private reloadAgain = false;
  private readonly reloadListeners: Array<(status: RulesStatus) => void> = [];

  constructor(
    private readonly reader: RulesFileReader,
    private readonly settings: RulesSettings,
    private readonly clock: Clock,
    private readonly logger: AppLogger,
  ) {}

  /** First load; refuses to start with broken rules, as Falco does. */
  async start(): Promise<void> {
    const status = await this.reload();
    if (!status.ok) throw new RulesLoadError(status);
    if (this.settings.watch) this.watcher = this.reader.watch(this.settings.paths, () => void this.reload());
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  onReload(listener: (status: RulesStatus) => void): void {
    this.reloadListeners.push(listener);
  }

  /** The ruleset in force; throws before `start()`. */
  get current(): LoadedRules {
    if (!this.loaded) throw new Error('rules are not loaded yet');
    return this.loaded;
  }

  get evaluateOptions(): { ruleMatching: 'first' | 'all'; minPriority: Priority } {
    return { ruleMatching: this.settings.ruleMatching, minPriority: this.settings.minPriority };
  }

  status(): RulesStatus {
    return this.lastStatus;
  }

  /** Reloads from disk; concurrent requests share one reload, and a change during it triggers one more. */
  reload(): Promise<RulesStatus> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      let status: RulesStatus;
      do {
        this.reloadAgain = false;
        status = await this.loadOnce();
      } while (this.reloadAgain);
      return status;
    })().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  countMatch(rule: string): void {
    this.matches.set(rule, (this.matches.get(rule) ?? 0) + 1);
  }

  rules(): { generation: number; loadedAt: string | null; rules: RuleView[] } {
    const loaded = this.loaded;
    if (!loaded) return { generation: 0, loadedAt: null, rules: [] };
    return {
      generation: loaded.generation,
      loadedAt: loaded.loadedAt,
      rules: loaded.ruleset.rules.map(({ desc, ...rule }) => ({ ...rule, description: desc, matches: this.matches.get(rule.name) ?? 0 })),
    };
  }

  /** Loads `rules` (after the rules in force, unless told not to) and evaluates `event`; stores nothing. */
  test(input: RulesTestInput): RulesTestResult {
    const base = input.withStockRules === false || !this.loaded ? [] : this.loaded.files;
    let ruleset: Ruleset;
    let errors: RulesProblemView[] = [];
    let warnings: RulesProblemView[] = [];
    if (input.rules === undefined && base.length > 0 && this.loaded) {
      ruleset = this.loaded.ruleset;
    } else {
      const files = input.rules === undefined ? base : [...base, { name: TEST_RULES_FILE, text: input.rules }];
      const result = loadRules(files, this.settings.load);
      errors = result.errors.map((issue) => toView(issue, files));
      // Warnings about the rules in force are on the status page already; show the posted text's.
      warnings = result.warnings.filter((issue) => input.rules === undefined || issue.file === TEST_RULES_FILE).map((issue) => toView(issue, files));
      ruleset = result.ruleset;
    }
    if (errors.length > 0 || input.event === undefined) return { ok: errors.length === 0, errors, warnings, alerts: [], eventErrors: [] };
    const { events, errors: eventErrors } = extractEvents(input.event);
    const alerts = events.flatMap((event) => ruleset.evaluate(event, { ...this.evaluateOptions, hostname: 'test' }));
    return { ok: true, errors, warnings, alerts, eventErrors };
  }

  private async loadOnce(): Promise<RulesStatus> {
    const attemptedAt = new Date(this.clock.nowMs()).toISOString();
    const read = await this.reader.read(this.settings.paths);
    const result = loadRules(read.files, this.settings.load);
    const errors = [...read.problems.map(fileProblemView), ...result.errors.map((issue) => toView(issue, read.files))];
    const warnings = result.warnings.map((issue) => toView(issue, read.files));
    const files = read.files.map((file) => ({ path: file.name, rules: result.ruleset.rules.filter((rule) => rule.file === file.name).length }));
    if (errors.length > 0) {
      const kept = this.loaded;
      this.lastStatus = {
        ok: false,
        generation: kept?.generation ?? 0,
        fingerprint: kept?.fingerprint ?? null,
        loadedAt: kept?.loadedAt ?? null,
        lastAttemptAt: attemptedAt,
        files: kept ? summarize(kept) : files,
        errors,
        warnings,
      };
      if (kept) this.logger.error({ code: 'RULES_INVALID', errors: errors.map(describeProblem) }, 'rules reload failed; the previous rules keep running');
    } else {
      const generation = (this.loaded?.generation ?? 0) + 1;
      // One assignment: a request that took the previous ruleset finishes with it, the next takes this one.
      const fingerprint = fingerprintOf(read.files);
      this.loaded = { ruleset: result.ruleset, generation, fingerprint, loadedAt: attemptedAt, files: read.files, warnings };
      this.lastStatus = { ok: true, generation, fingerprint, loadedAt: attemptedAt, lastAttemptAt: attemptedAt, files, errors: [], warnings };
      this.logger.info({ generation, files: files.map((file) => file.path), rules: result.ruleset.evaluatedRules.length, warnings: warnings.length }, 'rules loaded');
    }
    for (const listener of this.reloadListeners) listener(this.lastStatus);
    return this.lastStatus;
  }
}

function summarize(loaded: LoadedRules): RulesFileSummary[] {
  return loaded.files.map((file) => ({ path: file.name, rules: loaded.ruleset.rules.filter((rule) => rule.file === file.name).length }));
}

function fileProblemView(problem: RulesFilesProblem): RulesProblemView {
  return { code: problem.code, message: problem.message, file: problem.file };
}

/** Adds the source line and the span to underline, so the dashboard needs no copy of the file. */
export function toView(issue: RuleIssue, files: readonly RulesFile[]): RulesProblemView {
  const view: RulesProblemView = { code: issue.code, message: issue.message, file: issue.file };
  if (issue.item) view.item = issue.item;
  if (!issue.position) return view;
  view.position = issue.position;
  const text = files.find((file) => file.name === issue.file)?.text;
  const line = text?.split('\n')[issue.position.line - 1];
  if (line !== undefined) {
    const cleanLine = line.replace(/\r$/, '');
    const start = Math.min(Math.max(issue.position.column - 1, 0), cleanLine.length);
    const end = Math.min(start + Math.max(issue.position.length ?? 0, 0), cleanLine.length);
    view.excerpt = { text: cleanLine, start, end };
  }
  return view;
}

export function describeProblem(problem: RulesProblemView): string {
  const where = problem.position ? `${problem.file}:${problem.position.line}:${problem.position.column}` : problem.file;
  const item = problem.item?.name !== undefined ? ` (${problem.item.type} '${problem.item.name}')` : '';
  return `${where}: ${problem.code}: ${problem.message}${item}`;
}

/** What identifies a set of rules files across replicas: their names and texts, hashed. */
function fingerprintOf(files: readonly RulesFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file.name}\u0000${file.text}\u0000`);
  return hash.digest('hex').slice(0, 16);
}
