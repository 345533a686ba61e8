import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PeregrineError } from '../common/errors';
import type { RulesTestJob, RulesTestResult } from './rules-test';

/** Runs a try of rules somewhere; RulesService depends on this, tests may run it in-process. */
export interface RulesTester {
  run(job: RulesTestJob): Promise<RulesTestResult>;
  close(): Promise<void>;
}

export interface RulesTestLimits {
  /** One try may run this long on the thread (loading and evaluating), then it is stopped. */
  timeoutMs: number;
  /** The thread's heap; a try that needs more is stopped (the thread dies, the process does not). */
  maxMemoryMb: number;
  /** Tries waiting for the thread beyond which new ones are refused (503) instead of queued. */
  maxWaiting: number;
}

/** Main thread → rules thread. */
export interface ToRulesThread {
  id: number;
  job: RulesTestJob;
}

/** Rules thread → main thread: the result, or why the try failed (an exception of the engine). */
export interface FromRulesThread {
  id: number;
  result?: RulesTestResult;
  failure?: string;
}

interface Pending {
  id: number;
  job: RulesTestJob;
  settle: (outcome: { result: RulesTestResult } | { error: PeregrineError }) => void;
}

/**
 * `POST /api/v1/rules/test` on a thread of its own, one try at a time, with a time and a memory
 * limit: the posted text is untrusted, and loading or matching it used to hold the event loop
 * that acknowledges alerts (a list bomb for 200 s before the heap ran out, a regex for 8 s).
 * Now a bad try costs its own request: past the time limit the thread is terminated (V8 stops
 * it mid-loop) and the try answers RULES_TEST_TIMEOUT; past the memory limit the thread dies
 * alone and the try answers RULES_TEST_MEMORY_LIMIT. The next try starts a new thread. One
 * thread at most, so on a 2-core node one core stays with ingest.
 */
export class RulesTestThread implements RulesTester {
  private worker: Worker | undefined;
  private running: { pending: Pending; timer: NodeJS.Timeout } | undefined;
  private readonly waiting: Pending[] = [];
  private nextId = 1;

  constructor(
    private readonly limits: RulesTestLimits,
    private readonly workerFile: string = rulesTestWorkerFile(),
  ) {}

  run(job: RulesTestJob): Promise<RulesTestResult> {
    if (this.waiting.length >= this.limits.maxWaiting) {
      return Promise.reject(new PeregrineError('RULES_TEST_BUSY', `${this.waiting.length + 1} rule tries are already waiting; try again in a few seconds`, Math.max(1, Math.ceil(this.limits.timeoutMs / 1000))));
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, job, settle: (outcome) => ('result' in outcome ? resolve(outcome.result) : reject(outcome.error)) });
      this.dispatch();
    });
  }

  /** Ends the thread (at shutdown); waiting tries fail. A try after this starts a new thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    const stopped = new PeregrineError('RULES_TEST_FAILED', 'the server is shutting down');
    this.finish({ error: stopped });
    for (const pending of this.waiting.splice(0)) pending.settle({ error: stopped });
    if (worker) await worker.terminate();
  }

  private dispatch(): void {
    if (this.running) return;
    const next = this.waiting.shift();
    if (!next) return;
    let worker: Worker;
    try {
      worker = this.worker ?? this.start();
    } catch (error) {
      next.settle({ error: new PeregrineError('RULES_TEST_FAILED', `the rules thread could not start: ${error instanceof Error ? error.message : String(error)}`) });
      this.dispatch();
      return;
    }
    const timer = setTimeout(() => this.stopRunning({ error: new PeregrineError('RULES_TEST_TIMEOUT', `trying these rules took longer than ${this.limits.timeoutMs} ms (peregrine.rules.test_timeout_ms); it was stopped`) }), this.limits.timeoutMs);
    this.running = { pending: next, timer };
    const message: ToRulesThread = { id: next.id, job: next.job };
    worker.postMessage(message);
  }

  private start(): Worker {
    const heap = this.limits.maxMemoryMb;
    const worker = new Worker(this.workerFile, {
      // The young generation is part of the budget: a quarter of it, at most 32 MiB (V8's own default size).
      resourceLimits: { maxOldGenerationSizeMb: heap, maxYoungGenerationSizeMb: Math.max(1, Math.min(32, Math.floor(heap / 4))) },
    });
    // Never what keeps the process alive.
    worker.unref();
    worker.on('message', (answer: FromRulesThread) => {
      if (this.running?.pending.id !== answer.id) return;
      if (answer.result !== undefined) this.finish({ result: answer.result });
      else this.finish({ error: new PeregrineError('RULES_TEST_FAILED', `these rules could not be tried: ${answer.failure ?? 'no answer'}`) });
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.finish({
        error: outOfMemory
          ? new PeregrineError('RULES_TEST_MEMORY_LIMIT', `trying these rules needed more than ${this.limits.maxMemoryMb} MiB (peregrine.rules.test_max_memory_mb); it was stopped`)
          : new PeregrineError('RULES_TEST_FAILED', `the rules thread failed: ${error.message}`),
      });
      this.dispatch();
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.finish({ error: new PeregrineError('RULES_TEST_FAILED', 'the rules thread exited') });
      this.dispatch();
    });
    this.worker = worker;
    return worker;
  }

  /** Terminates the thread under the running try (stuck or too slow) and answers it. */
  private stopRunning(outcome: { error: PeregrineError }): void {
    const worker = this.worker;
    this.worker = undefined;
    this.finish(outcome);
    if (worker) void worker.terminate();
    this.dispatch();
  }

  private finish(outcome: { result: RulesTestResult } | { error: PeregrineError }): void {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    clearTimeout(running.timer);
    running.pending.settle(outcome);
  }
}

/**
 * The worker's compiled file: beside this one in the build; from the sources (tests), the
 * build's copy (`npm test` builds first).
 */
export function rulesTestWorkerFile(): string {
  const beside = join(__dirname, 'rules-test.worker.js');
  return existsSync(beside) ? beside : resolve(__dirname, '../../dist/rules/rules-test.worker.js');
}
