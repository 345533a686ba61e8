import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { PeregrineError } from '../common/errors';

/** bcrypt's work factor: about 0.4 s per hash with bcryptjs on one core of the CI machine. */
export const DEFAULT_BCRYPT_COST = 12;

export interface HashingLimits {
  /** Hashes computed at once (threads). One leaves the other core to ingest on a 2-core node. */
  threads: number;
  /** Sign-ins waiting for a thread beyond which new ones are refused (429) instead of queued. */
  maxWaiting: number;
}

export const DEFAULT_HASHING_LIMITS: HashingLimits = { threads: 1, maxWaiting: 32 };

interface Job {
  id: number;
  op: 'hash' | 'verify';
  input: string;
  /** The cost (hash) or the stored hash (verify). */
  arg: number | string;
}

interface Answer {
  id: number;
  result?: string | boolean;
  error?: string;
}

/**
 * bcrypt over the base64 SHA-256 of the password. bcrypt reads only the first 72 bytes of its
 * input; pre-hashing lets a long passphrase count in full, and base64 keeps NUL bytes out.
 *
 * The hashing runs on worker threads, never on the event loop: 0.4 s of bcrypt per attempt,
 * sixty wrong sign-ins at once, used to stall ingest for seconds. At most `threads` hashes run
 * at once; a burst beyond `maxWaiting` is refused with TOO_MANY_ATTEMPTS rather than queued.
 */
export class PasswordHasher {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<{ job: Job; settle: (answer: Answer) => void }> = [];
  private readonly running = new Map<number, (answer: Answer) => void>();
  /** The job each busy thread runs. */
  private readonly busy = new Map<Worker, number>();
  private nextId = 1;

  constructor(
    private readonly cost: number = DEFAULT_BCRYPT_COST,
    private readonly limits: HashingLimits = DEFAULT_HASHING_LIMITS,
  ) {}

  async hash(password: string): Promise<string> {
    const answer = await this.run('hash', prehash(password), this.cost);
    if (typeof answer !== 'string') throw new Error('bcrypt returned no hash');
    return answer;
  }

  /** Constant-time for a given hash; false for a hash that is not bcrypt at all. */
  async verify(password: string, hash: string): Promise<boolean> {
    try {
      return (await this.run('verify', prehash(password), hash)) === true;
    } catch (error) {
      if (error instanceof PeregrineError) throw error;
      return false;
    }
  }

  /** A hash of nothing anyone knows, compared against when the username is unknown, so both cases take as long. */
  async decoyHash(): Promise<string> {
    this.decoy ??= this.hash(`decoy ${Math.random()}`);
    return this.decoy;
  }

  /** Ends the threads (at shutdown); hashing after this starts new ones. */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    this.idle.splice(0);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private decoy: Promise<string> | undefined;

  private run(op: Job['op'], input: string, arg: number | string): Promise<string | boolean | undefined> {
    if (this.waiting.length >= this.limits.maxWaiting) {
      return Promise.reject(new PeregrineError('TOO_MANY_ATTEMPTS', 'too many sign-ins in progress; try again in a few seconds', 2));
    }
    return new Promise((resolve, reject) => {
      const settle = (answer: Answer): void => (answer.error !== undefined ? reject(new Error(answer.error)) : resolve(answer.result));
      this.waiting.push({ job: { id: this.nextId++, op, input, arg }, settle });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const worker = this.idle.pop() ?? this.startWorker();
      if (!worker) return;
      const next = this.waiting.shift();
      if (!next) return;
      this.running.set(next.job.id, next.settle);
      this.busy.set(worker, next.job.id);
      // A thread at work keeps the process alive (a start-up hashing the admin password awaits it).
      worker.ref();
      worker.postMessage(next.job);
    }
  }

  private startWorker(): Worker | undefined {
    if (this.workers.length >= this.limits.threads) return undefined;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptjs: require.resolve('bcryptjs') } });
    worker.on('message', (answer: Answer) => {
      const settle = this.running.get(answer.id);
      this.running.delete(answer.id);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      settle?.(answer);
      this.dispatch();
    });
    worker.on('error', (error) => this.retire(worker, error.message));
    worker.on('exit', () => this.retire(worker, 'the password thread exited'));
    // An idle thread never keeps the process alive (unref after the listeners: adding one refs it again).
    worker.unref();
    this.workers.push(worker);
    return worker;
  }

  /** A thread that died fails what it was running; the next sign-in starts another. */
  private retire(worker: Worker, reason: string): void {
    const index = this.workers.indexOf(worker);
    if (index < 0) return;
    this.workers.splice(index, 1);
    const idleIndex = this.idle.indexOf(worker);
    if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
    const id = this.busy.get(worker);
    this.busy.delete(worker);
    const settle = id === undefined ? undefined : this.running.get(id);
    if (id !== undefined) this.running.delete(id);
    settle?.({ id: id ?? 0, error: reason });
    this.dispatch();
  }
}

/** The thread's whole program: bcryptjs's synchronous functions, one job at a time. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptjs);
parentPort.on('message', ({ id, op, input, arg }) => {
  try {
    const result = op === 'hash' ? bcrypt.hashSync(input, arg) : bcrypt.compareSync(input, arg);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});`;

function prehash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}
