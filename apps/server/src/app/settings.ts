import type { AppConfig } from '../config/config.schema';
import { durationMs } from '../config/config.loader';
import type { DatabaseSettings } from '../alerts/database';
import type { EnrichmentSettings } from '../ingest/enrichment';
import type { MetricsSettings } from '../metrics/metrics';
import { compileTemplatedFields } from '../ingest/go-template';
import { DEFAULT_RETRY, type RetrySettings } from '../delivery/retry-policy';

/** Derives each component's settings from the one parsed configuration. */
export function databaseSettings(config: AppConfig): DatabaseSettings {
  const db = config.peregrine.db;
  return db.driver === 'postgres'
    ? { driver: 'postgres', url: db.url }
    : { driver: 'sqlite', path: db.path, synchronous: db.synchronous, busyTimeoutMs: db.busy_timeout_ms };
}

export function enrichmentSettings(config: AppConfig): EnrichmentSettings {
  return {
    customFields: config.customfields,
    customTags: config.customtags,
    templatedFields: compileTemplatedFields(config.templatedfields),
    bracketReplacer: config.bracketreplacer,
    outputFieldFormat: config.outputfieldformat,
  };
}

export function metricsSettings(config: AppConfig): MetricsSettings {
  return {
    customFieldKeys: Object.keys(config.customfields),
    templatedFieldKeys: Object.keys(config.templatedfields),
    extraLabelFields: config.prometheus.extralabels
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    legacyNames: config.prometheus.legacynames,
    collectDefaults: true,
  };
}

export function retentionSettings(config: AppConfig): { maxAgeMs: number; maxAlerts: number; intervalMs: number } {
  return { maxAgeMs: durationMs(config.peregrine.retention.max_age), maxAlerts: config.peregrine.retention.max_alerts, intervalMs: 60_000 };
}

export function retrySettings(config: AppConfig): RetrySettings {
  const delivery = config.peregrine.delivery;
  return { ...DEFAULT_RETRY, maxAgeMs: durationMs(delivery.max_age), initialBackoffMs: durationMs(delivery.initial_backoff), maxBackoffMs: durationMs(delivery.max_backoff) };
}
