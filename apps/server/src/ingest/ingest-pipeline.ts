import type { RoutableAlert } from '@peregrine/engine';
import { TEST_RULE } from '@peregrine/outputs';
import { PeregrineError } from '../common/errors';
import { type JsonValue, parseJson } from '../common/json';
import { type Instant, nowInstant } from '../common/time';
import type { Clock } from '../common/clock';
import type { Metrics } from '../metrics/metrics';
import type { Alert } from '../model/alert';
import { columnProblem } from '../store/alert-row';
import type { AlertWriter } from './alert-writer';
import { type EnrichmentSettings, enrichAlert } from './enrichment';
import { decodeFalcoAlert, type ReceivedAlert } from './falco-alert';

export interface IngestSettings {
  enrichment: EnrichmentSettings;
  defaultCluster: string;
}

export interface IngestContext {
  /** Cluster named by the sender (header or query); the configured default otherwise. */
  cluster?: string | undefined;
  /** falcosidekick's WebUI output already assigned a UUID; keeping it makes its retries idempotent. */
  keepUuid?: boolean;
  /** The `source` label of falcosidekick's inputs counter (`requests` for HTTP alerts). */
  inputSource?: string;
}

/** Which outputs an alert goes to (RoutingTable). */
export interface AlertRouter {
  routesFor(alert: RoutableAlert): string[];
}

/** Shows an acknowledged alert on every connected dashboard (LiveGateway). */
export interface LivePublisher {
  publish(alert: Alert, cluster: string): void;
}

/** Told how many alerts were acknowledged, so they reach the query indexes and the outbox (StoreIndexer). */
export interface AppendListener {
  appended(count: number): void;
}

/**
 * The one path every alert takes — a Falco alert on any port or route, or an alert the rules
 * engine produced from an audit event — read top to bottom in `accept`:
 * decode → validate → enrich → route (once) → durable append of the alert and its deliveries →
 * acknowledge → live push, and the store indexes it and wakes the dispatcher.
 */
export class IngestPipeline {
  constructor(
    private readonly writer: AlertWriter,
    private readonly router: AlertRouter,
    private readonly live: LivePublisher,
    private readonly store: AppendListener,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly settings: IngestSettings,
  ) {}

  /** A Falco alert as a raw body (text) or already parsed; resolves once it is durable. */
  async ingestFalcoAlert(body: string | JsonValue, context: IngestContext = {}): Promise<Alert> {
    return this.accept(this.decode(body, context), context);
  }

  /** falcosidekick's built-in test alert (`POST /test`); `context.cluster` is an ingest token's cluster. */
  async ingestTestAlert(context: IngestContext = {}): Promise<Alert> {
    const now = nowInstant(() => this.clock.nowMs());
    // falcosidekick stamps the test alert with second precision.
    const seconds: Instant = { ns: (now.ns / 1_000_000_000n) * 1_000_000_000n, text: now.text.replace(/\.\d+Z$/, 'Z') };
    return this.accept({
      output: 'This is a test from falcosidekick',
      priority: 'Debug',
      rule: TEST_RULE,
      time: seconds,
      output_fields: { 'proc.name': 'falcosidekick', 'user.name': 'falcosidekick' },
      source: '',
      tags: ['test', 'example'],
      hostname: 'falcosidekick',
    }, context);
  }

  /** An alert the rules engine produced from an audit event: already decoded and valid. */
  ingestProduced(received: ReceivedAlert, context: IngestContext): Promise<Alert> {
    return this.accept(received, context);
  }

  private async accept(received: ReceivedAlert, context: IngestContext): Promise<Alert> {
    const alert = enrichAlert(received, this.settings.enrichment);
    const cluster = context.cluster && context.cluster !== '' ? context.cluster : this.settings.defaultCluster;
    // Refused before the acknowledgement: a row the table refuses afterwards would stop the indexing of every later alert.
    const tooLong = columnProblem({ rule: alert.rule, source: alert.source, hostname: alert.hostname, cluster });
    if (tooLong !== undefined) {
      this.metrics.countRejection('INVALID_FIELD');
      throw new PeregrineError('INVALID_FIELD', tooLong);
    }
    const routes = this.router.routesFor({ ...alert, cluster });
    try {
      await this.writer.write({ alert, cluster, receivedAt: this.clock.nowMs(), routes });
    } catch (error) {
      if (error instanceof PeregrineError) this.metrics.countRejection(error.code);
      throw error;
    }
    // Durable: from here on the sender may be told 200, and nothing below can lose the alert.
    this.metrics.countInput('accepted', context.inputSource);
    this.metrics.countFalcoEvent(alert);
    this.live.publish(alert, cluster);
    this.store.appended(1);
    return alert;
  }

  private decode(body: string | JsonValue, context: IngestContext): ReceivedAlert {
    try {
      const parsed = typeof body === 'string' ? parseBodyText(body) : body;
      return decodeFalcoAlert(parsed, {
        allowEmptyOutputFields: Object.keys(this.settings.enrichment.customFields).length > 0,
        keepUuid: context.keepUuid ?? false,
      });
    } catch (error) {
      if (error instanceof PeregrineError) this.metrics.countRejection(error.code);
      throw error;
    }
  }
}

function parseBodyText(text: string): JsonValue {
  if (text.trim() === '') throw new PeregrineError('BODY_NOT_JSON', 'body is empty');
  return parseJson(text);
}
