import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HttpRequestSpec, HttpTransport, TransportOptions, TransportOutcome } from '@peregrine/outputs';

/** Main thread → delivery thread, several per message (one message per event-loop turn). */
export type ToHttpThread =
  | { op: 'open'; transport: number; options: TransportOptions }
  | { op: 'send'; transport: number; request: number; spec: HttpRequestSpec }
  | { op: 'sendMany'; transport: number; request: number; specs: readonly HttpRequestSpec[]; concurrency: number }
  | { op: 'close'; transport: number; request: number };

/** Delivery thread → main thread: the outcome of a send (or of each of a sendMany), or the end of a close. */
export interface FromHttpThread {
  request: number;
  outcome?: TransportOutcome;
  outcomes?: Array<TransportOutcome | null>;
}

/**
 * The outputs' HTTP on a thread of its own. Each output's sender still builds its requests and
 * reads the answers on the event loop (that is where its rules live); the connections, the
 * writing of requests and the parsing of responses (undici) run in a worker, so delivering
 * alerts no longer takes the event loop from the senders of new ones. With two outputs, a
 * webhook request and a Loki push per alert cost a serial Falco sender 35-50 % of its rate when
 * they ran on the event loop (the ingest benchmark).
 *
 * Requests of one event-loop turn travel as one message. If the thread dies, what it had in
 * flight fails as a connection failure (the deliveries are retried from the outbox, nothing is
 * lost) and the next request starts a new thread.
 */
export class HttpThread {
  private worker: Worker | undefined;
  private nextTransport = 1;
  private nextRequest = 1;
  private readonly transports = new Map<number, TransportOptions>();
  private readonly pending = new Map<number, (answer: FromHttpThread | undefined) => void>();
  private outbox: ToHttpThread[] = [];
  private flushQueued = false;

  constructor(
    private readonly onError: (error: Error) => void = () => undefined,
    private readonly workerFile: string = httpThreadWorkerFile(),
  ) {}

  /** A transport with these options whose requests run on the thread. */
  transport(options: TransportOptions): HttpTransport {
    const id = this.nextTransport++;
    this.transports.set(id, options);
    if (this.worker) this.post({ op: 'open', transport: id, options });
    return {
      send: (spec) => this.request((request) => ({ op: 'send', transport: id, request, spec })).then((answer) => answer?.outcome ?? NO_ANSWER),
      // A pass's requests cross once and run back to back on the thread: a serial output
      // (maxconcurrentrequests 1, the default) no longer waits for the event loop between two.
      sendMany: (specs, concurrency) =>
        this.request((request) => ({ op: 'sendMany', transport: id, request, specs, concurrency })).then((answer) => specs.map((_, i) => (answer?.outcomes ? (answer.outcomes[i] ?? null) : (answer?.outcome ?? NO_ANSWER)))),
      close: async () => {
        if (!this.transports.delete(id)) return;
        if (this.worker) await this.request((request) => ({ op: 'close', transport: id, request }));
        if (this.transports.size === 0) await this.stop();
      },
    };
  }

  /** Ends the thread (after the last transport closed, or at shutdown). */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.failPending('the delivery thread was stopped');
  }

  private request(message: (request: number) => ToHttpThread): Promise<FromHttpThread | undefined> {
    const request = this.nextRequest++;
    return new Promise((resolve) => {
      this.pending.set(request, resolve);
      this.post(message(request));
    });
  }

  private post(message: ToHttpThread): void {
    if (!this.worker) this.start();
    this.outbox.push(message);
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Everything asked for in this turn goes as one message: a postMessage costs more than a request's data.
    queueMicrotask(() => {
      this.flushQueued = false;
      const batch = this.outbox;
      this.outbox = [];
      this.worker?.postMessage(batch);
    });
  }

  private start(): void {
    const worker = new Worker(this.workerFile);
    // Never what keeps the process alive: shutdown closes the transports, which ends it.
    worker.unref();
    worker.on('message', (answers: FromHttpThread[]) => {
      for (const answer of answers) {
        const resolve = this.pending.get(answer.request);
        this.pending.delete(answer.request);
        resolve?.(answer);
      }
    });
    worker.on('error', (error) => {
      this.onError(error);
      if (this.worker === worker) this.worker = undefined;
      this.failPending(`the delivery thread failed: ${error.message}`);
    });
    worker.on('exit', () => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.failPending('the delivery thread exited');
      }
    });
    this.worker = worker;
    // A new thread knows no transport yet (the first one, or after a failure).
    for (const [transport, options] of this.transports) this.outbox.push({ op: 'open', transport, options });
  }

  private failPending(message: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const resolve of waiting) resolve({ request: 0, outcome: { kind: 'failure', failure: 'connection', message } });
  }
}

const NO_ANSWER: TransportOutcome = { kind: 'failure', failure: 'other', message: 'no answer from the delivery thread' };

/**
 * The worker's compiled file: beside this one in the build; from the sources (tests), the
 * build's copy (`npm test` builds first).
 */
export function httpThreadWorkerFile(): string {
  const beside = join(__dirname, 'http-thread.worker.js');
  return existsSync(beside) ? beside : resolve(__dirname, '../../dist/delivery/http-thread.worker.js');
}
