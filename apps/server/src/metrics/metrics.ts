import { priorityValue } from '@peregrine/engine';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from '../common/errors';
import type { JsonValue } from '../common/json';
import type { Alert } from '../model/alert';
import { BoundedLabels, type LabelBounds } from './bounded-labels';

export interface MetricsSettings {
  customFieldKeys: readonly string[];
  templatedFieldKeys: readonly string[];
  /** `prometheus.extralabels`: output-field names added as labels. */
  extraLabelFields: readonly string[];
  /** Also expose falcosidekick's pre-2.30 names, for dashboards that were never migrated. */
  legacyNames: boolean;
  collectDefaults: boolean;
  /** Bounds of label values taken from alerts (see bounded-labels.ts). */
  labelBounds: LabelBounds;
}

const LABEL_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const BASE_EVENT_LABELS = ['hostname', 'rule', 'priority', 'priority_raw', 'source', 'k8s_ns_name', 'k8s_pod_name'];
const LEGACY_EVENT_LABELS = ['hostname', 'rule', 'priority', 'source', 'k8s_ns_name', 'k8s_pod_name'];

interface ExtraLabel {
  label: string;
  field: string;
}

/**
 * One prom-client registry per process (not the global one, so tests can build several).
 * Names and labels are falcosidekick's, so existing dashboards and alerts keep working.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly inputs: Counter<'source' | 'status'>;
  readonly outputs: Counter<'destination' | 'status'>;
  private readonly falcoEvents: Counter<string>;
  private readonly legacyInputs?: Counter<'source' | 'status'>;
  readonly legacyOutputs?: Counter<'destination' | 'status'>;
  private readonly legacyFalcoEvents?: Counter<string>;
  private readonly extraLabels: ExtraLabel[];
  private readonly eventLabels: BoundedLabels;
  private readonly legacyEventLabels: BoundedLabels;
  readonly storeWriteSeconds: Histogram;
  readonly storeIndexSeconds: Histogram;
  readonly alertsStored: Counter;
  readonly storeFailures: Counter;
  readonly ingestBatchSize: Histogram;
  readonly rejectedByCode: Counter<'code'>;

  constructor(
    settings: MetricsSettings,
    private readonly onInvalidLabel: (name: string) => void = () => undefined,
  ) {
    const registers = [this.registry];
    this.extraLabels = this.buildExtraLabels(settings);
    this.eventLabels = new BoundedLabels(settings.labelBounds);
    this.legacyEventLabels = new BoundedLabels(settings.labelBounds);
    const extraNames = this.extraLabels.map((e) => e.label);

    this.inputs = new Counter({ name: 'falcosecurity_falcosidekick_inputs_total', help: 'Requests received, by source and status (accepted|rejected).', labelNames: ['source', 'status'], registers });
    this.outputs = new Counter({ name: 'falcosecurity_falcosidekick_outputs_total', help: 'Deliveries to outputs, by destination and status (ok|error).', labelNames: ['destination', 'status'], registers });
    this.falcoEvents = new Counter({ name: 'falcosecurity_falcosidekick_falco_events_total', help: 'Falco events accepted, by rule, priority, source and Kubernetes labels.', labelNames: [...BASE_EVENT_LABELS, ...extraNames], registers });
    if (settings.legacyNames) {
      this.legacyInputs = new Counter({ name: 'falcosidekick_inputs', help: 'Requests received (falcosidekick < 2.30 name).', labelNames: ['source', 'status'], registers });
      this.legacyOutputs = new Counter({ name: 'falcosidekick_outputs', help: 'Deliveries to outputs (falcosidekick < 2.30 name).', labelNames: ['destination', 'status'], registers });
      this.legacyFalcoEvents = new Counter({ name: 'falco_events', help: 'Falco events accepted (falcosidekick < 2.30 name).', labelNames: [...LEGACY_EVENT_LABELS, ...extraNames], registers });
    }
    this.storeWriteSeconds = new Histogram({ name: 'peregrine_store_write_duration_seconds', help: 'Time to make one batch of alerts durable (the inbox append the sender waits for).', buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers });
    this.storeIndexSeconds = new Histogram({ name: 'peregrine_store_index_duration_seconds', help: 'Time to move one batch from the inbox into the alerts table, its query indexes and the outbox (in the background).', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers });
    this.alertsStored = new Counter({ name: 'peregrine_alerts_stored_total', help: 'Alerts durably stored.', registers });
    this.storeFailures = new Counter({ name: 'peregrine_store_failures_total', help: 'Batches the store could not commit (their senders got 503).', registers });
    this.ingestBatchSize = new Histogram({ name: 'peregrine_ingest_batch_size', help: 'Alerts committed per store transaction (group commit).', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500], registers });
    this.rejectedByCode = new Counter({ name: 'peregrine_ingest_rejected_total', help: 'Requests rejected, by error code.', labelNames: ['code'], registers });
    if (settings.collectDefaults) collectDefaultMetrics({ register: this.registry });
  }

  countInput(status: 'accepted' | 'rejected', source = 'requests'): void {
    this.inputs.inc({ source, status });
    this.legacyInputs?.inc({ source, status });
  }

  countRejection(code: ErrorCode): void {
    this.countInput('rejected');
    this.rejectedByCode.inc({ code });
  }

  countOutput(destination: string, status: 'ok' | 'error', by = 1): void {
    this.outputs.inc({ destination, status }, by);
    this.legacyOutputs?.inc({ destination, status }, by);
  }

  countFalcoEvent(alert: Alert): void {
    const fields = alert.output_fields;
    const hostname = alert.hostname === '' ? 'unknown' : alert.hostname;
    const k8s = { k8s_ns_name: labelValue(fields['k8s.ns.name']), k8s_pod_name: labelValue(fields['k8s.pod.name']) };
    const extra: Record<string, string> = {};
    for (const { label, field } of this.extraLabels) extra[label] = labelValue(fields[field]);
    // Built in falcosidekick's label order, which is the order the exposition prints.
    this.falcoEvents.inc(this.eventLabels.bound({ hostname, rule: alert.rule, priority: String(priorityValue(alert.priority)), priority_raw: alert.priority.toLowerCase(), source: alert.source, ...k8s, ...extra }));
    if (this.legacyFalcoEvents) this.legacyFalcoEvents.inc(this.legacyEventLabels.bound({ hostname, rule: alert.rule, priority: alert.priority, source: alert.source, ...k8s, ...extra }));
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private buildExtraLabels(settings: MetricsSettings): ExtraLabel[] {
    const seen = new Set(BASE_EVENT_LABELS);
    const labels: ExtraLabel[] = [];
    for (const field of [...settings.customFieldKeys, ...settings.templatedFieldKeys, ...settings.extraLabelFields]) {
      const label = field.replaceAll('.', '_');
      if (!LABEL_NAME.test(label)) {
        this.onInvalidLabel(label);
        continue;
      }
      if (seen.has(label)) continue;
      seen.add(label);
      labels.push({ label, field });
    }
    return labels;
  }
}

function labelValue(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}
