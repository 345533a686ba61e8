import type { AppConfig } from '../config/config.schema';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputInstance, TlsMaterial } from '@peregrine/outputs';
import { ConfigError, durationMs } from '../config/config.loader';
import type { DatabaseSettings } from '../store/database';
import type { IndexerSettings } from '../store/store-indexer';
import type { EnrichmentSettings } from '../ingest/enrichment';
import type { MetricsSettings } from '../metrics/metrics';
import { compileTemplatedFields } from '../ingest/templated-fields';
import { DEFAULT_RETRY, type RetrySettings } from '../delivery/retry-policy';
import { type LoadOptions, parsePriority } from '@peregrine/engine';
import type { AuditIngestSettings } from '../audit/audit-ingest.service';
import { DEFAULT_RULES_FOLDER, type RulesPath, SHIPPED_RULES_FILE } from '../rules/rules-files';
import type { RulesSettings } from '../rules/rules.service';
import type { RulesTestLimits } from '../rules/rules-test-thread';

/** Derives each component's settings from the one parsed configuration. */
export function databaseSettings(config: AppConfig): DatabaseSettings {
  const db = config.peregrine.db;
  return db.driver === 'postgres'
    ? { driver: 'postgres', url: db.url }
    : { driver: 'sqlite', path: db.path, synchronous: db.synchronous, busyTimeoutMs: db.busy_timeout_ms };
}

/** How the inbox is indexed in the background (see StoreIndexer). */
export function indexerSettings(config: AppConfig): IndexerSettings {
  return { maxBatch: 1000, intervalMs: config.peregrine.db.index_interval_ms, backlogSeconds: 0.5, maxUnindexed: config.peregrine.db.max_unindexed };
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
    labelBounds: { maxSeries: config.peregrine.metrics.max_series, maxValueLength: config.peregrine.metrics.max_label_length },
  };
}

export function retentionSettings(config: AppConfig): { maxAgeMs: number; maxAlerts: number; intervalMs: number } {
  return { maxAgeMs: durationMs(config.peregrine.retention.max_age), maxAlerts: config.peregrine.retention.max_alerts, intervalMs: 60_000 };
}

export function retrySettings(config: AppConfig): RetrySettings {
  const delivery = config.peregrine.delivery;
  return { ...DEFAULT_RETRY, maxAgeMs: durationMs(delivery.max_age), initialBackoffMs: durationMs(delivery.initial_backoff), maxBackoffMs: durationMs(delivery.max_backoff), claimLeaseMs: durationMs(delivery.claim_lease) };
}

/**
 * PEM text for the outputs' TLS (they never read files themselves): `tlsclient.cacertfile` for
 * every output, and for outputs with `mutualtls: true` the client certificate, key and CA from
 * `mutualtlsclient.*` or, as falcosidekick, `client.crt`/`client.key`/`ca.crt` in
 * `mutualtlsfilespath`. Files are read only when something uses them; a missing one stops start-up.
 */
export function outputTlsMaterial(config: AppConfig, instances: readonly OutputInstance[], read: (path: string) => string = (path) => readFileSync(path, 'utf8')): TlsMaterial | undefined {
  const problems: string[] = [];
  const load = (key: string, path: string): string | undefined => {
    try {
      return read(path);
    } catch (error) {
      problems.push(`${key}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };
  const material: { ca?: string; cert?: string; key?: string } = {};
  if (config.tlsclient.cacertfile !== '') {
    const ca = load('tlsclient.cacertfile', config.tlsclient.cacertfile);
    if (ca) material.ca = ca;
  }
  if (instances.some((instance) => instance.mutualTls)) {
    const folder = config.mutualtlsfilespath;
    const explicit = config.mutualtlsclient;
    const cert = load('mutualtlsclient.certfile', explicit.certfile || join(folder, 'client.crt'));
    const key = load('mutualtlsclient.keyfile', explicit.keyfile || join(folder, 'client.key'));
    const ca = load('mutualtlsclient.cacertfile', explicit.cacertfile || join(folder, 'ca.crt'));
    if (cert) material.cert = cert;
    if (key) material.key = key;
    if (ca) material.ca = material.ca ? `${material.ca}\n${ca}` : ca;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.keys(material).length > 0 ? material : undefined;
}

export function rulesSettings(config: AppConfig): RulesSettings {
  const rules = config.peregrine.rules;
  const paths: RulesPath[] =
    rules.files.length === 0
      ? [
          { path: SHIPPED_RULES_FILE, optional: false },
          { path: DEFAULT_RULES_FOLDER, optional: true },
        ]
      : rules.files.map((path) => ({ path, optional: false }));
  const load: LoadOptions = {
    disabledTags: rules.disabled_tags,
    disabledRules: rules.disabled_rules,
    enabledRules: rules.enabled_rules,
    maxListItems: rules.max_list_items,
    maxMacroDepth: rules.max_macro_depth,
    maxConditionNodes: rules.max_condition_nodes,
    maxPatternSize: rules.max_pattern_size,
    maxMatchSteps: rules.max_match_steps,
  };
  if (rules.enabled_tags.length > 0) load.enabledTags = rules.enabled_tags;
  return { paths, load, ruleMatching: rules.rule_matching, minPriority: parsePriority(rules.min_priority) ?? 'Debug', watch: rules.watch };
}

/** The thread `POST /api/v1/rules/test` runs on: one try at a time, a few waiting. */
export function rulesTestLimits(config: AppConfig): RulesTestLimits {
  const rules = config.peregrine.rules;
  return { timeoutMs: rules.test_timeout_ms, maxMemoryMb: rules.test_max_memory_mb, maxWaiting: 4 };
}

export function auditSettings(config: AppConfig): AuditIngestSettings {
  const audit = config.peregrine.audit;
  return { maxEventBytes: audit.max_event_bytes, maxEventsPerRequest: audit.max_events_per_request, defaultCluster: config.peregrine.cluster_name };
}
