import { deliverInChunks, type OutputAlert, type OutputInstance, type OutputSender } from '@peregrine/outputs';
import type { Clock } from '../common/clock';
import { stringifyJson } from '../common/json';
import type { AlertLookup } from '../store/alerts.repository';
import type { DeliveriesRepository, DueDelivery } from '../store/deliveries.repository';
import { DEFAULT_RETRY, isExpired, nextDelayMs, type RetrySettings } from './retry-policy';

/** What the dispatcher reports, for metrics and the outputs API. */
export interface DeliveryObserver {
  delivered(instance: OutputInstance, count: number, seconds: number): void;
  failed(instance: OutputInstance, count: number, reason: string): void;
  deadLettered(instance: OutputInstance, count: number, reason: string): void;
  /** Deliveries taken over from a replica that stopped mid-delivery: sent again, perhaps a second time. */
  reclaimed(instance: OutputInstance, count: number): void;
}

/** What the rest of the server asks of delivery, wherever it runs (this thread: Dispatcher; its own: DeliveryThread). */
export interface DeliveryControl {
  start(): void;
  /** New deliveries were committed for these outputs: look now rather than at the next poll. */
  wake(outputs: Iterable<string>): void;
  /** Resolves once no delivery is in flight; what is not delivered stays in the outbox. */
  stop(): Promise<void>;
  state(name: string): OutputRuntimeState | undefined;
}

/** What the dispatcher logs with (the app's logger, or the delivery thread's forwarder to it). */
export interface DeliveryLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Live state of one output, for `GET /api/v1/outputs`. */
export interface OutputRuntimeState {
  inFlight: number;
  delivered: number;
  failed: number;
  deadLettered: number;
  lastSuccessAt?: number;
  /** Redacted by the output before it reaches us. */
  lastError?: { at: number; reason: string };
}

/**
 * Delivers from the outbox, one loop per output: due rows in id order, in chunks of the
 * output's batch size, at most `maxconcurrentrequests` chunks at once. A slow or dead sink
 * only slows its own loop; the queue is on disk, so memory stays bounded whatever happens.
 */
export class Dispatcher implements DeliveryControl {
  private readonly loops = new Map<string, OutputLoop>();

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly alerts: AlertLookup,
    senders: readonly OutputSender[],
    private readonly clock: Clock,
    private readonly retry: RetrySettings,
    private readonly observer: DeliveryObserver,
    private readonly logger: DeliveryLogger,
    /** Names this replica on the rows it claims (PostgreSQL). */
    private readonly claimant = 'peregrine',
  ) {
    for (const sender of senders) this.loops.set(sender.instance.name, new OutputLoop(sender, this));
  }

  start(): void {
    for (const loop of this.loops.values()) loop.start();
  }

  /** New deliveries were committed for these outputs: look now rather than at the next poll. */
  wake(outputs: Iterable<string>): void {
    for (const name of outputs) this.loops.get(name)?.wake();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.loops.values()].map((loop) => loop.stop()));
  }

  state(name: string): OutputRuntimeState | undefined {
    return this.loops.get(name)?.state;
  }

  /** @internal used by the loops: due deliveries, claimed for the output's lease where replicas share the outbox */
  async due(instance: OutputInstance, limit: number, exclude: ReadonlySet<number>): Promise<DueDelivery[]> {
    const due = await this.deliveries.due(instance.name, limit, exclude, this.clock.nowMs(), leaseFor(instance, this.retry.claimLeaseMs), this.claimant);
    const reclaimed = due.filter((delivery) => delivery.reclaimed === true).length;
    if (reclaimed > 0) {
      this.observer.reclaimed(instance, reclaimed);
      this.logger.warn({ code: 'DELIVERY_RECLAIMED', output: instance.name, count: reclaimed }, 'deliveries left by a replica that stopped mid-delivery are sent again (some may arrive twice)');
    }
    return due;
  }

  /** @internal milliseconds until the next pending delivery of this output is due (undefined: none). */
  async nextDueIn(output: string): Promise<number | undefined> {
    const next = await this.deliveries.nextDueAt(output);
    return next === undefined ? undefined : Math.max(0, next - this.clock.nowMs());
  }

  /** Per output: dedup key → end of its open window. */
  private readonly windows = new Map<string, Map<string, number>>();

  /**
   * Opt-in dedup: due deliveries of one key (rule + the output's dedup fields) are sent as one
   * alert carrying the count of the others; while that key's window is open, new ones wait for
   * its end and then go out together the same way. Without dedup every delivery is its own group.
   */
  private fold(instance: OutputInstance, due: readonly DueDelivery[], alerts: ReadonlyMap<string, OutputAlert>, now: number): { groups: DeliveryGroup[]; held: Array<{ delivery: DueDelivery; until: number }> } {
    const dedup = instance.dedup;
    if (!dedup) return { groups: due.map((delivery) => ({ key: '', representative: delivery, members: [delivery] })), held: [] };
    let windows = this.windows.get(instance.name);
    if (!windows) this.windows.set(instance.name, (windows = new Map<string, number>()));
    if (windows.size > 10_000) for (const [key, until] of windows) if (until <= now) windows.delete(key);
    const byKey = new Map<string, DueDelivery[]>();
    for (const delivery of due) {
      const alert = alerts.get(delivery.alertUuid);
      if (!alert) continue;
      const key = dedupKey(alert, dedup.fields);
      byKey.set(key, [...(byKey.get(key) ?? []), delivery]);
    }
    const groups: DeliveryGroup[] = [];
    const held: Array<{ delivery: DueDelivery; until: number }> = [];
    for (const [key, members] of byKey) {
      const until = windows.get(key);
      if (until !== undefined && until > now) {
        for (const delivery of members) held.push({ delivery, until });
        continue;
      }
      windows.set(key, now + dedup.windowMs);
      // The newest stands for the group: it carries the latest state of what keeps happening.
      groups.push({ key, representative: members[members.length - 1] as DueDelivery, members });
    }
    return { groups, held };
  }

  /**
   * @internal sends one pass of due deliveries — in chunks of the output's batch size, at most
   * `concurrency` chunks at once, starting no new chunk once one has failed (a sink that is down
   * costs one timeout per pass, not one per alert) — and records every outcome in one
   * transaction. Deliveries of chunks never started stay due as they were.
   */
  async deliver(sender: OutputSender, chunk: readonly DueDelivery[], state: OutputRuntimeState, concurrency = 1, leaseMs = leaseFor(sender.instance, this.retry.claimLeaseMs)): Promise<void> {
    const instance = sender.instance;
    const passStarted = this.clock.monotonicSeconds();
    const byUuid = await this.alerts.findManyByUuid(chunk.map((d) => d.alertUuid));
    const sendable = chunk.filter((d) => byUuid.has(d.alertUuid));
    const gone = chunk.filter((d) => !byUuid.has(d.alertUuid));

    const now = this.clock.nowMs();
    const { groups, held } = this.fold(instance, sendable, byUuid, now);

    const alerts: OutputAlert[] = groups.map((group) => ({ ...(byUuid.get(group.representative.alertUuid) as OutputAlert), folded: group.members.length - 1 }));
    const chunkSize = instance.dedup ? Math.max(1, alerts.length) : instance.maxBatch;
    // Outcomes are recorded slice by slice, each while the next slice is being sent (one record
    // in flight at a time): a crash sends at most two slices again (at least once).
    const sliceSize = Math.max(SETTLE_EVERY, chunkSize * concurrency);
    let recording: Promise<void> = Promise.resolve();
    for (let start = 0, first = true; first || start < groups.length; start += sliceSize, first = false) {
      const slice = groups.slice(start, start + sliceSize);
      const started = this.clock.monotonicSeconds();
      const sliceAlerts = alerts.slice(start, start + sliceSize);
      // Dedup's groups go as one call, the sender splitting them into batches itself.
      const results = sender.deliver && !instance.dedup ? await sender.deliver(sliceAlerts, concurrency) : await deliverInChunks(sender, sliceAlerts, chunkSize, concurrency);
      const seconds = this.clock.monotonicSeconds() - started;

      const deliveredIds: number[] = [];
      const dead: Array<{ id: number; reason: string }> = first ? gone.map((d) => ({ id: d.id, reason: 'the alert is no longer stored (retention removed it)' })) : [];
      const retries: Array<{ id: number; attempts: number; next: number; reason: string }> = first ? held.map(({ delivery, until }) => ({ id: delivery.id, attempts: delivery.attempts, next: until, reason: '' })) : [];
      slice.forEach((group, index) => {
        const result = results[index];
        if (result === null) return;
        if (result === undefined) throw new Error('a chunk of a delivery pass has no result');
        if (result.kind !== 'ok') this.windows.get(instance.name)?.delete(group.key);
        for (const delivery of group.members) {
          if (result.kind === 'ok') deliveredIds.push(delivery.id);
          else if (result.kind === 'fatal' || isExpired(delivery.createdAt, now, this.retry)) dead.push({ id: delivery.id, reason: result.reason });
          else retries.push({ id: delivery.id, attempts: delivery.attempts + 1, next: now + nextDelayMs(delivery.attempts + 1, this.retry, result.after), reason: result.reason });
        }
      });

      // A failed chunk ends the pass; so does half the claim's lease gone by (a slow sink), so
      // that no row is still being sent when another replica may claim it. What was claimed
      // and not sent is released: due at once again, for whichever replica looks first.
      const stopping = results.some((result) => result === null || result.kind !== 'ok') || this.clock.monotonicSeconds() - passStarted > leaseMs / 2000;
      const released = slice.filter((_, index) => results[index] === null).flatMap((group) => group.members.map((delivery) => delivery.id));
      if (stopping) for (const group of groups.slice(start + sliceSize)) released.push(...group.members.map((delivery) => delivery.id));

      await recording;
      recording = this.deliveries.settle({ delivered: deliveredIds, dead, retries, released: { ids: released, at: now } });
      // Awaited before the next record or at the end of the pass, which rethrows its failure.
      recording.catch(() => undefined);

      if (deliveredIds.length > 0) {
        state.delivered += deliveredIds.length;
        state.lastSuccessAt = now;
        this.observer.delivered(instance, deliveredIds.length, seconds);
      }
      const failures = [...retries.filter((r) => r.reason !== '').map((r) => r.reason), ...dead.map((d) => d.reason)];
      if (failures.length > 0) {
        state.failed += failures.length;
        state.lastError = { at: now, reason: failures[0] ?? '' };
        this.observer.failed(instance, failures.length - (first ? gone.length : 0), failures[0] ?? '');
      }
      if (dead.length > 0) {
        state.deadLettered += dead.length;
        this.observer.deadLettered(instance, dead.length, dead[0]?.reason ?? '');
        this.logger.warn({ code: 'DELIVERY_DEAD_LETTER', output: instance.name, count: dead.length, reason: dead[0]?.reason }, 'deliveries became dead letters');
      }
      // A sink that fails now is tried again at the next pass, not for every alert of this one.
      if (stopping) break;
    }
    await recording;
  }
}

interface DeliveryGroup {
  key: string;
  representative: DueDelivery;
  members: DueDelivery[];
}

const ALERT_ATTRIBUTES = new Set(['rule', 'priority', 'source', 'hostname', 'cluster']);

function dedupKey(alert: OutputAlert, fields: readonly string[]): string {
  const values = fields.map((field) => {
    const value = ALERT_ATTRIBUTES.has(field) ? alert[field as 'rule'] : alert.output_fields[field];
    return typeof value === 'string' ? value : value === undefined ? '' : stringifyJson(value);
  });
  return JSON.stringify([alert.rule, ...values]);
}

/** Due deliveries a dedup output looks at in one pass. */
const DEDUP_SCAN = 1_000;

/**
 * Due deliveries one pass takes at least: their alerts are read in one query and their outcomes
 * written in one transaction, where one pass per chunk cost a read and a transaction per alert
 * for outputs that send one alert per request (webhook, Slack, Teams).
 */
const PASS_SIZE = 100;

/** Deliveries sent between two records of their outcomes, at least (what a crash may send twice). */
const SETTLE_EVERY = 10;

/**
 * How long a replica's claim on the rows of a pass lasts (PostgreSQL): the configured lease,
 * and at least three request timeouts of the output, since a pass starts no chunk after half
 * of it and a chunk in flight may take a timeout.
 */
export function leaseFor(instance: OutputInstance, claimLeaseMs = DEFAULT_RETRY.claimLeaseMs): number {
  return Math.max(claimLeaseMs, 3 * instance.timeoutMs);
}

/** Fallback poll when nothing wakes a loop (retries coming due, another replica's rows). */
const IDLE_POLL_MS = 1_000;

class OutputLoop {
  readonly state: OutputRuntimeState = { inFlight: 0, delivered: 0, failed: 0, deadLettered: 0 };
  private running = false;
  private finished: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly sender: OutputSender,
    private readonly dispatcher: Dispatcher,
  ) {}

  start(): void {
    this.running = true;
    this.finished = this.run();
  }

  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.finished;
    await this.sender.close();
  }

  private async run(): Promise<void> {
    const instance = this.sender.instance;
    const concurrency = instance.maxConcurrentRequests === 0 ? 8 : instance.maxConcurrentRequests;
    while (this.running) {
      this.pendingWake = false;
      try {
        // With dedup, everything due is folded together first (one key's backlog is one message);
        // the sender then splits what is left into batches itself.
        const limit = instance.dedup ? Math.max(DEDUP_SCAN, instance.maxBatch * concurrency) : Math.max(PASS_SIZE, instance.maxBatch * concurrency);
        const due = await this.dispatcher.due(instance, limit, this.inFlight);
        if (due.length === 0) {
          await this.sleep(Math.min(IDLE_POLL_MS, (await this.dispatcher.nextDueIn(instance.name)) ?? IDLE_POLL_MS));
          continue;
        }
        if (instance.lingerMs > 0 && due.length < instance.maxBatch) await this.sleep(instance.lingerMs);
        await this.deliver(due, concurrency);
      } catch (error) {
        // The store itself failed (locked, gone): back off and try again; nothing is lost.
        this.state.lastError = { at: Date.now(), reason: `outbox unavailable: ${error instanceof Error ? error.message.slice(0, 200) : 'error'}` };
        await this.sleep(IDLE_POLL_MS);
      }
    }
  }

  private async deliver(chunk: readonly DueDelivery[], concurrency: number): Promise<void> {
    for (const d of chunk) this.inFlight.add(d.id);
    this.state.inFlight += chunk.length;
    try {
      await this.dispatcher.deliver(this.sender, chunk, this.state, concurrency);
    } finally {
      for (const d of chunk) this.inFlight.delete(d.id);
      this.state.inFlight -= chunk.length;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.pendingWake || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }
}
