import { type LoadOptions, type LoadResult, loadRules, type Priority, type RuleInfo, type Ruleset, type RulesFile } from '@peregrine/engine';
import { createHash } from 'node:crypto';
import type { Clock } from '../common/clock';
import type { AppLogger } from '../logging/logger';
import type { Closeable, RulesFileReader, RulesFilesProblem, RulesPath } from './rules-files';
import { evaluateTry, type RulesProblemView, type RulesTestResult, viewsOf } from './rules-test';
import type { RulesTester } from './rules-test-thread';

export { TEST_RULES_FILE, toView, type RulesProblemView, type RulesTestResult } from './rules-test';

export interface RulesSettings {
  paths: readonly RulesPath[];
  load: LoadOptions;
  ruleMatching: 'first' | 'all';
  minPriority: Priority;
  watch: boolean;
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
    /** Where posted rules texts are tried: a thread with time and memory limits, not the event loop. */
    private readonly tester: RulesTester,
  ) {}

  /** First load; refuses to start with broken rules, as Falco does. */
  async start(): Promise<void> {
    const status = await this.reload();
    if (!status.ok) throw new RulesLoadError(status);
    if (this.settings.watch) {
      this.watcher = this.reader.watch(this.settings.paths, () => {
        // A reload reports its own failures in the status; nothing it meets may end the process.
        this.reload().catch((error: unknown) => this.logger.error({ code: 'RULES_LOAD_FAILED', err: error }, 'rules reload failed; the previous rules keep running'));
      });
    }
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    void this.tester.close();
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

  /**
   * Loads `rules` (after the rules in force, unless told not to) and evaluates `event`; stores
   * nothing. A posted text is loaded on the rules thread (its time and memory limits answer
   * RULES_TEST_TIMEOUT / RULES_TEST_MEMORY_LIMIT); an event alone is evaluated by the rules in
   * force here, as ingest would evaluate it.
   */
  async test(input: RulesTestInput): Promise<RulesTestResult> {
    const base = input.withStockRules === false || !this.loaded ? [] : this.loaded.files;
    if (input.rules === undefined && base.length > 0 && this.loaded) {
      if (input.event === undefined) return { ok: true, errors: [], warnings: [], alerts: [], eventErrors: [], evaluationErrors: {} };
      return { ok: true, errors: [], warnings: [], ...evaluateTry(this.loaded.ruleset, input.event, this.evaluateOptions) };
    }
    return this.tester.run({ base: [...base], rules: input.rules, event: input.event, load: this.settings.load, evaluate: this.evaluateOptions });
  }

  private async loadOnce(): Promise<RulesStatus> {
    const attemptedAt = new Date(this.clock.nowMs()).toISOString();
    let read: Awaited<ReturnType<RulesFileReader['read']>>;
    let result: LoadResult;
    try {
      read = await this.reader.read(this.settings.paths);
      result = loadRules(read.files, this.settings.load);
    } catch (error) {
      // The engine never throws for bad input, and the reader reports unreadable files; should
      // either throw anyway (a stack overflow, a folder gone mid-read), the rules in force keep
      // running and the status says why, as for any broken file. A watcher's reload must never
      // take the process down.
      return this.failed(attemptedAt, [await this.loadFailure(error)], []);
    }
    const errors = [...read.problems.map(fileProblemView), ...viewsOf(result.errors, read.files)];
    const warnings = viewsOf(result.warnings, read.files);
    const files = read.files.map((file) => ({ path: file.name, rules: result.ruleset.rules.filter((rule) => rule.file === file.name).length }));
    if (errors.length > 0) return this.failed(attemptedAt, errors, warnings, files);
    const generation = (this.loaded?.generation ?? 0) + 1;
    // One assignment: a request that took the previous ruleset finishes with it, the next takes this one.
    const fingerprint = fingerprintOf(read.files);
    this.loaded = { ruleset: result.ruleset, generation, fingerprint, loadedAt: attemptedAt, files: read.files, warnings };
    this.lastStatus = { ok: true, generation, fingerprint, loadedAt: attemptedAt, lastAttemptAt: attemptedAt, files, errors: [], warnings };
    this.logger.info({ generation, files: files.map((file) => file.path), rules: result.ruleset.evaluatedRules.length, warnings: warnings.length }, 'rules loaded');
    for (const listener of this.reloadListeners) listener(this.lastStatus);
    return this.lastStatus;
  }

  /** A load that did not succeed: the rules in force (if any) keep running, the status says why. */
  private failed(attemptedAt: string, errors: RulesProblemView[], warnings: RulesProblemView[], files: RulesFileSummary[] = []): RulesStatus {
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
    for (const listener of this.reloadListeners) listener(this.lastStatus);
    return this.lastStatus;
  }

  /** RULES_LOAD_FAILED, naming the first file whose loading throws (the files read again, loaded one more at a time). */
  private async loadFailure(error: unknown): Promise<RulesProblemView> {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    let file = this.settings.paths.map((path) => path.path).join(', ');
    try {
      const { files } = await this.reader.read(this.settings.paths);
      for (let count = 1; count <= files.length; count++) {
        try {
          loadRules(files.slice(0, count), this.settings.load);
        } catch {
          file = files[count - 1]?.name ?? file;
          break;
        }
      }
    } catch {
      // The reading itself failed: the paths are all we can name.
    }
    return { code: 'RULES_LOAD_FAILED', message: `the rules could not be loaded: ${reason}`, file };
  }
}

function summarize(loaded: LoadedRules): RulesFileSummary[] {
  return loaded.files.map((file) => ({ path: file.name, rules: loaded.ruleset.rules.filter((rule) => rule.file === file.name).length }));
}

function fileProblemView(problem: RulesFilesProblem): RulesProblemView {
  return { code: problem.code, message: problem.message, file: problem.file };
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
