import { Counter, Histogram, type Registry } from 'prom-client';
import { BoundedLabels, type LabelBounds } from '../metrics/bounded-labels';

/** Prometheus metrics of the audit webhook; registered beside falcosidekick's on the same /metrics. */
export class AuditMetrics {
  private readonly eventsReceived: Counter<'cluster'>;
  /** The cluster comes from the webhook's URL path, which anyone reaching the port chooses. */
  private readonly clusterLabels: BoundedLabels;
  readonly eventsRejected: Counter<'reason'>;
  readonly evaluationSeconds: Histogram;
  readonly alertsByRule: Counter<'rule' | 'priority'>;
  readonly rulesReloads: Counter<'result'>;

  constructor(registry: Registry, labelBounds: LabelBounds) {
    const registers = [registry];
    this.clusterLabels = new BoundedLabels(labelBounds);
    this.eventsReceived = new Counter({ name: 'peregrine_audit_events_received_total', help: 'Kubernetes audit events accepted and evaluated, by cluster.', labelNames: ['cluster'], registers });
    this.eventsRejected = new Counter({ name: 'peregrine_audit_events_rejected_total', help: 'Audit events or requests refused, by reason (error code).', labelNames: ['reason'], registers });
    this.evaluationSeconds = new Histogram({
      name: 'peregrine_audit_evaluation_duration_seconds',
      help: 'Time to evaluate one audit event against every rule.',
      buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.025],
      registers,
    });
    this.alertsByRule = new Counter({ name: 'peregrine_audit_alerts_total', help: 'Alerts the rules produced from audit events, by rule and priority.', labelNames: ['rule', 'priority'], registers });
    this.rulesReloads = new Counter({ name: 'peregrine_rules_reloads_total', help: 'Rules loads and reloads, by result (ok|error).', labelNames: ['result'], registers });
  }

  countReceived(cluster: string, events: number): void {
    this.eventsReceived.inc(this.clusterLabels.bound({ cluster }), events);
  }
}
