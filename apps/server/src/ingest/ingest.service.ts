import { PeregrineError } from '../common/errors';
import { type JsonValue, parseJson } from '../common/json';
import { type Instant, nowInstant } from '../common/time';
import type { Clock } from '../common/clock';
import type { AlertWriter } from './alert-writer';
import type { Metrics } from '../metrics/metrics';
import { type EnrichedAlert, type EnrichmentSettings, enrichAlert, TEST_RULE } from './enrichment';
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

/** Listens to alerts once they are durably stored (live dashboard, delivery wake-up). */
export type StoredAlertListener = (alert: EnrichedAlert, cluster: string) => void;

/**
 * The one path every Falco alert takes, whichever port or route it came in by:
 * decode → validate → enrich (falcosidekick's order) → store durably → count → notify.
 */
export class IngestService {
  private readonly listeners: StoredAlertListener[] = [];

  constructor(
    private readonly writer: AlertWriter,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly settings: IngestSettings,
  ) {}

  onStored(listener: StoredAlertListener): void {
    this.listeners.push(listener);
  }

  /** Ingests a raw body (text) or an already-parsed one; resolves once the alert is stored. */
  async ingestFalcoAlert(body: string | JsonValue, context: IngestContext = {}): Promise<EnrichedAlert> {
    let received: ReceivedAlert;
    try {
      const parsed = typeof body === 'string' ? parseBodyText(body) : body;
      received = decodeFalcoAlert(parsed, {
        allowEmptyOutputFields: Object.keys(this.settings.enrichment.customFields).length > 0,
        keepUuid: context.keepUuid ?? false,
      });
    } catch (error) {
      if (error instanceof PeregrineError) this.metrics.countRejection(error.code);
      throw error;
    }
    return this.store(received, context);
  }

  /** falcosidekick's built-in test alert (`POST /test`). */
  async ingestTestAlert(): Promise<EnrichedAlert> {
    const now = nowInstant(() => this.clock.nowMs());
    // falcosidekick stamps the test alert with second precision.
    const seconds: Instant = { ns: (now.ns / 1_000_000_000n) * 1_000_000_000n, text: now.text.replace(/\.\d+Z$/, 'Z') };
    return this.store({
      output: 'This is a test from falcosidekick',
      priority: 'Debug',
      rule: TEST_RULE,
      time: seconds,
      output_fields: { 'proc.name': 'falcosidekick', 'user.name': 'falcosidekick' },
      source: '',
      tags: ['test', 'example'],
      hostname: 'falcosidekick',
    }, {});
  }

  /**
   * An alert another part of Peregrine produced (the rules engine, from an audit event): it
   * takes the same path as a received Falco alert from enrichment on.
   */
  ingestProduced(received: ReceivedAlert, context: IngestContext): Promise<EnrichedAlert> {
    return this.store(received, context);
  }

  private async store(received: ReceivedAlert, context: IngestContext): Promise<EnrichedAlert> {
    const alert = enrichAlert(received, this.settings.enrichment);
    const cluster = context.cluster && context.cluster !== '' ? context.cluster : this.settings.defaultCluster;
    try {
      await this.writer.write({ alert, cluster, receivedAt: this.clock.nowMs() });
    } catch (error) {
      if (error instanceof PeregrineError) this.metrics.countRejection(error.code);
      throw error;
    }
    this.metrics.countInput('accepted', context.inputSource);
    this.metrics.countFalcoEvent(alert);
    for (const listener of this.listeners) listener(alert, cluster);
    return alert;
  }
}

function parseBodyText(text: string): JsonValue {
  if (text.trim() === '') throw new PeregrineError('BODY_NOT_JSON', 'body is empty');
  return parseJson(text);
}
