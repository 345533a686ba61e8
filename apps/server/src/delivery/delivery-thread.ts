import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { instanceData, type OutputInstance, type OutputInstanceData, type TlsMaterial } from '@peregrine/outputs';
import type { AppLogger } from '../logging/logger';
import type { DatabaseSettings } from '../store/database';
import type { DeliveryControl, DeliveryObserver, OutputRuntimeState } from './dispatcher';
import type { RetrySettings } from './retry-policy';

/** What the delivery thread is started with (structured clone: plain data only). */
export interface DeliveryThreadData {
  database: DatabaseSettings;
  outputs: OutputInstanceData[];
  retry: RetrySettings;
  /** Names this replica on the rows it claims (PostgreSQL). */
  claimant: string;
  tls?: TlsMaterial;
}

export type ToDeliveryThread = { op: 'wake'; outputs: string[] } | { op: 'stop' };

export type FromDeliveryThread =
  | { kind: 'ready' }
  | { kind: 'stopped' }
  | { kind: 'observed'; event: 'delivered' | 'failed' | 'deadLettered' | 'reclaimed'; output: string; count: number; seconds?: number; reason?: string }
  | { kind: 'log'; level: 'warn' | 'error'; fields: Record<string, unknown>; message: string }
  | { kind: 'states'; states: Record<string, OutputRuntimeState> };

export interface DeliveryThreadOptions {
  /** After the thread ended unexpectedly, how long before another one starts. */
  restartDelayMs?: number;
  /** How long `stop` waits for the passes in flight before it ends the thread regardless. */
  stopTimeoutMs?: number;
  workerFile?: string;
}

/**
 * The dispatcher on a thread of its own, with its own connection to the store: reading the
 * outbox and the alerts, building each output's requests, the requests themselves (undici) and
 * recording their outcomes all run there, so delivering no longer takes the event loop from the
 * senders of new alerts. A serial Falco sender (one alert at a time) waits for that loop on every
 * alert: with two outputs it got 0.38–0.45 of its rate without outputs while the dispatcher ran
 * on it (the ingest benchmark).
 *
 * The main thread keeps what it shows: metrics, the outputs page's live state and the logs come
 * back as messages. If the thread ends, another starts after a second; the outbox is on disk, so
 * deliveries in flight are sent again (at least once) and nothing is lost.
 */
export class DeliveryThread implements DeliveryControl {
  private worker: Worker | undefined;
  private running = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly byName: Map<string, OutputInstance>;
  /** The live state the current thread reported last. */
  private current = new Map<string, OutputRuntimeState>();
  /** Counts of the threads that ended before it (the page shows totals since start-up). */
  private readonly earlier = new Map<string, OutputRuntimeState>();
  private wakes = new Set<string>();
  private wakeQueued = false;
  private whenStopped: (() => void) | undefined;
  private readonly restartDelayMs: number;
  private readonly stopTimeoutMs: number;
  private readonly workerFile: string;

  constructor(
    private readonly settings: Omit<DeliveryThreadData, 'outputs'>,
    instances: readonly OutputInstance[],
    private readonly observer: DeliveryObserver,
    private readonly logger: AppLogger,
    options: DeliveryThreadOptions = {},
  ) {
    this.byName = new Map(instances.map((instance) => [instance.name, instance]));
    this.restartDelayMs = options.restartDelayMs ?? 1000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
    this.workerFile = options.workerFile ?? deliveryThreadWorkerFile();
  }

  start(): void {
    this.running = true;
    this.spawn();
  }

  wake(outputs: Iterable<string>): void {
    for (const name of outputs) this.wakes.add(name);
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    // Wake-ups of one turn cross as one message.
    queueMicrotask(() => {
      this.wakeQueued = false;
      const outputs = [...this.wakes];
      this.wakes.clear();
      this.post({ op: 'wake', outputs });
    });
  }

  state(name: string): OutputRuntimeState | undefined {
    if (!this.byName.has(name)) return undefined;
    return since(this.earlier.get(name), this.current.get(name) ?? IDLE);
  }

  /** Lets the passes in flight finish and record their outcomes, then ends the thread. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    const stopped = new Promise<void>((done) => {
      this.whenStopped = done;
      worker.once('exit', () => done());
    });
    worker.postMessage({ op: 'stop' } satisfies ToDeliveryThread);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((done) => {
      timer = setTimeout(() => {
        this.logger.warn({ code: 'DELIVERY_THREAD_SLOW_STOP', seconds: this.stopTimeoutMs / 1000 }, 'deliveries still in flight at shutdown are sent again at the next start');
        done();
      }, this.stopTimeoutMs);
    });
    await Promise.race([stopped, late]);
    clearTimeout(timer);
    this.whenStopped = undefined;
    this.worker = undefined;
    await worker.terminate();
    this.retire();
  }

  private post(message: ToDeliveryThread): void {
    this.worker?.postMessage(message);
  }

  private spawn(): void {
    const worker = new Worker(this.workerFile, { workerData: { ...this.settings, outputs: [...this.byName.values()].map(instanceData) } satisfies DeliveryThreadData });
    this.worker = worker;
    worker.on('message', (messages: FromDeliveryThread[]) => {
      for (const message of messages) this.receive(message);
    });
    worker.on('error', (error) => this.logger.error({ code: 'DELIVERY_THREAD_FAILED', err: error }, 'the delivery thread failed; deliveries in flight are sent again'));
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.retire();
      if (!this.running) return;
      this.restartTimer = setTimeout(() => {
        if (this.running) this.spawn();
      }, this.restartDelayMs);
    });
  }

  /** The ended thread's counts move to `earlier`; its in-flight deliveries are due again. */
  private retire(): void {
    for (const [name, state] of this.current) this.earlier.set(name, { ...since(this.earlier.get(name), state), inFlight: 0 });
    this.current = new Map();
  }

  private receive(message: FromDeliveryThread): void {
    switch (message.kind) {
      case 'states':
        this.current = new Map(Object.entries(message.states));
        return;
      case 'observed': {
        const instance = this.byName.get(message.output);
        if (!instance) return;
        if (message.event === 'delivered') this.observer.delivered(instance, message.count, message.seconds ?? 0);
        else if (message.event === 'failed') this.observer.failed(instance, message.count, message.reason ?? '');
        else if (message.event === 'deadLettered') this.observer.deadLettered(instance, message.count, message.reason ?? '');
        else this.observer.reclaimed(instance, message.count);
        return;
      }
      case 'log':
        this.logger[message.level]({ component: 'delivery', ...message.fields }, message.message);
        return;
      case 'stopped':
        this.whenStopped?.();
        return;
      case 'ready':
        this.logger.info({ code: 'DELIVERY_THREAD_STARTED', outputs: [...this.byName.keys()] }, 'outputs deliver from a thread of their own');
        return;
    }
  }
}

const IDLE: OutputRuntimeState = { inFlight: 0, delivered: 0, failed: 0, deadLettered: 0 };

/** A thread's live state on top of the counts of the threads before it: the counts add up, the latest success and error win. */
function since(before: OutputRuntimeState | undefined, now: OutputRuntimeState): OutputRuntimeState {
  if (!before) return now;
  const lastSuccessAt = now.lastSuccessAt ?? before.lastSuccessAt;
  const lastError = now.lastError ?? before.lastError;
  return {
    inFlight: now.inFlight,
    delivered: before.delivered + now.delivered,
    failed: before.failed + now.failed,
    deadLettered: before.deadLettered + now.deadLettered,
    ...(lastSuccessAt !== undefined ? { lastSuccessAt } : {}),
    ...(lastError ? { lastError } : {}),
  };
}

/**
 * The worker's compiled file: beside this one in the build; from the sources (tests), the
 * build's copy (`npm test` builds first).
 */
export function deliveryThreadWorkerFile(): string {
  const beside = join(__dirname, 'delivery-thread.worker.js');
  return existsSync(beside) ? beside : resolve(__dirname, '../../dist/delivery/delivery-thread.worker.js');
}
