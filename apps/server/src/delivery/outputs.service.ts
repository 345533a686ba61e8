import { maskedConfig, type OutputInstance } from '@peregrine/outputs';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Clock } from '../common/clock';
import { PeregrineError } from '../common/errors';
import type { Metrics } from '../metrics/metrics';
import type { DeliveriesRepository, QueueDepthRow } from '../store/deliveries.repository';
import type { DeliveryControl, DeliveryObserver } from './dispatcher';

/** One output as `GET /api/v1/outputs` shows it. No secret ever: the config is masked. */
export interface OutputStatus {
  name: string;
  type: string;
  enabled: true;
  minimumPriority: string | null;
  routing: string | null;
  queueDepth: number;
  deadLetters: number;
  inFlight: number;
  delivered: number;
  failed: number;
  deadLettered: number;
  lastSuccessAt: string | null;
  lastError: { at: string; reason: string } | null;
  maxConcurrentRequests: number;
  timeoutMs: number;
  config: Record<string, unknown>;
}

/** Delivery metrics, beside falcosidekick's `outputs_total`. */
export class DeliveryMetrics implements DeliveryObserver {
  private readonly seconds: Histogram<'destination' | 'output'>;
  private readonly retries: Counter<'destination' | 'output'>;
  private readonly dead: Counter<'destination' | 'output'>;
  private readonly reclaimedTotal: Counter<'destination' | 'output'>;

  constructor(
    private readonly metrics: Metrics,
    depth: () => Promise<QueueDepthRow[]>,
    instances: readonly OutputInstance[],
  ) {
    const registers = [metrics.registry];
    this.seconds = new Histogram({ name: 'peregrine_output_delivery_duration_seconds', help: 'Time to send one batch to an output.', labelNames: ['destination', 'output'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
    this.retries = new Counter({ name: 'peregrine_output_retries_total', help: 'Deliveries scheduled for another attempt.', labelNames: ['destination', 'output'], registers });
    this.dead = new Counter({ name: 'peregrine_output_dead_letters_total', help: 'Deliveries that became dead letters.', labelNames: ['destination', 'output'], registers });
    this.reclaimedTotal = new Counter({ name: 'peregrine_output_reclaimed_total', help: 'Deliveries taken over from a replica that stopped mid-delivery (PostgreSQL): sent again, so some may have arrived twice.', labelNames: ['destination', 'output'], registers });
    const typeOf = new Map(instances.map((i) => [i.name, i.type]));
    new Gauge({
      name: 'peregrine_output_queue_depth',
      help: 'Deliveries waiting in the outbox (state pending) or kept as dead letters (state dead), per output.',
      labelNames: ['destination', 'output', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const name of typeOf.keys()) for (const state of ['pending', 'dead']) this.set({ destination: typeOf.get(name) ?? '', output: name, state }, 0);
        for (const row of await depth()) this.set({ destination: typeOf.get(row.output) ?? '', output: row.output, state: row.state }, row.count);
      },
    });
  }

  reclaimed(instance: OutputInstance, count: number): void {
    this.reclaimedTotal.inc({ destination: instance.type, output: instance.name }, count);
  }

  delivered(instance: OutputInstance, count: number, seconds: number): void {
    this.metrics.countOutput(instance.type, 'ok', count);
    this.seconds.observe({ destination: instance.type, output: instance.name }, seconds);
  }

  failed(instance: OutputInstance, count: number): void {
    if (count <= 0) return;
    this.metrics.countOutput(instance.type, 'error', count);
    this.retries.inc({ destination: instance.type, output: instance.name }, count);
  }

  deadLettered(instance: OutputInstance, count: number): void {
    this.dead.inc({ destination: instance.type, output: instance.name }, count);
  }
}

/** The outputs API: status of each output and replay of its dead letters. */
export class OutputsService {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly instances: readonly OutputInstance[],
    private readonly delivery: DeliveryControl,
    private readonly clock: Clock,
  ) {}

  queueDepth(): Promise<QueueDepthRow[]> {
    return this.deliveries.queueDepth();
  }

  async list(): Promise<OutputStatus[]> {
    const depth = await this.queueDepth();
    const count = (output: string, state: string): number => depth.find((d) => d.output === output && d.state === state)?.count ?? 0;
    return this.instances.map((instance) => {
      const state = this.delivery.state(instance.name);
      return {
        name: instance.name,
        type: instance.type,
        enabled: true,
        minimumPriority: instance.minimumPriority ?? null,
        routing: instance.when ?? null,
        queueDepth: count(instance.name, 'pending'),
        deadLetters: count(instance.name, 'dead'),
        inFlight: state?.inFlight ?? 0,
        delivered: state?.delivered ?? 0,
        failed: state?.failed ?? 0,
        deadLettered: state?.deadLettered ?? 0,
        lastSuccessAt: state?.lastSuccessAt ? new Date(state.lastSuccessAt).toISOString() : null,
        lastError: state?.lastError ? { at: new Date(state.lastError.at).toISOString(), reason: state.lastError.reason } : null,
        maxConcurrentRequests: instance.maxConcurrentRequests,
        timeoutMs: instance.timeoutMs,
        config: maskedConfig(instance),
      };
    });
  }

  /** Dead letters of an output go back to the queue as new deliveries. */
  async replay(name: string): Promise<{ output: string; replayed: number }> {
    if (!this.instances.some((instance) => instance.name === name)) throw new PeregrineError('NOT_FOUND', `no output named ${name}`);
    const replayed = await this.deliveries.replayDead(name, this.clock.nowMs());
    this.delivery.wake([name]);
    return { output: name, replayed };
  }
}
