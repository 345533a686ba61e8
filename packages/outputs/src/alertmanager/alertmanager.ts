import { isLosslessNumber } from 'lossless-json';
import { parsePriority, type Priority, priorityValue } from '@peregrine/engine';
import { type OutputAlert, sortedTags } from '../alert';
import { type ConfigIssue, isHttpUrl, key, LABEL_NAME } from '../config';
import { goEncode, goStruct, type GoStruct } from '../go/json';
import { addSeconds, GO_ZERO_TIME } from '../go/time';
import { DEFAULT_HEADERS, defineOutput, type FullConfig, withHeaders } from '../output';

/**
 * Prometheus AlertManager `POST /api/v2/alerts`. Labels, annotations, severity map, drop-event
 * thresholds and `endsAt` as falcosidekick; every configured host receives every alert (HA
 * pairs deduplicate), and several pending alerts go in one POST (the body is an array anyway).
 */

/** The documented default (see README for falcosidekick's typo that makes its real default differ). */
export const DEFAULT_DROP_THRESHOLDS = '10000:critical, 1000:critical, 100:critical, 10:warning, 1:warning';

export const alertmanagerKeys = {
  hostport: key.list({ description: 'AlertManager base URL(s): YAML list or comma-separated; each receives every alert. Enables the output.', example: 'http://alertmanager:9093' }),
  endpoint: key.string({ default: '/api/v2/alerts', description: 'Path appended to each hostport (`/api/v1/alerts` for very old AlertManagers).' }),
  expiresafter: key.integer({ default: 0, min: 0, description: 'Seconds after the alert time at which it resolves (`endsAt`); 0 = AlertManager\'s resolve_timeout.' }),
  extralabels: key.map({ style: 'labels', description: 'Labels added last (override the rest); env `name:value,name2:value2`.' }),
  extraannotations: key.map({ style: 'labels', description: 'Annotations added last; same form.' }),
  customseveritymap: key.map({ description: 'Priority → severity label, e.g. `critical:page,warning:ticket`, overriding the default map.' }),
  dropeventdefaultpriority: key.priority({ default: 'Critical', description: 'Priority of a drop event whose count is below every threshold.' }),
  dropeventthresholds: key.string({ default: DEFAULT_DROP_THRESHOLDS, description: 'Comma list of `count:priority` for `n_drop*` fields of drop events.' }),
  customheaders: key.map({ secret: 'values', description: 'Extra headers (YAML map, env `Key:Value,Key2:Value2`).' }),
  maxbatch: key.integer({ default: 64, min: 1, max: 10_000, peregrine: true, description: 'Most alerts per POST when several are pending.' }),
} as const;

export type AlertmanagerConfig = FullConfig<typeof alertmanagerKeys>;

export interface DropThreshold {
  readonly value: bigint;
  readonly priority: Priority;
}

export interface AlertmanagerPrepared {
  readonly thresholds: readonly DropThreshold[];
  readonly severity: Readonly<Record<Priority, string>>;
}

export const DEFAULT_SEVERITY: Readonly<Record<Priority, string>> = {
  Debug: 'information',
  Informational: 'information',
  Notice: 'information',
  Warning: 'warning',
  Error: 'warning',
  Critical: 'critical',
  Alert: 'critical',
  Emergency: 'critical',
};

/** falcosidekick's threshold list: spaces removed, `count:priority` pairs, sorted by count, highest first. */
export function parseDropThresholds(text: string): { thresholds: DropThreshold[]; issues: string[] } {
  const thresholds: DropThreshold[] = [];
  const issues: string[] = [];
  for (const item of text.replace(/\s+/g, '').split(',')) {
    if (item === '') continue;
    const at = item.indexOf(':');
    const count = at === -1 ? item : item.slice(0, at);
    const priority = at === -1 ? undefined : parsePriority(item.slice(at + 1));
    if (!/^\d+$/.test(count)) issues.push(`"${item}": the count must be a whole number`);
    else if (priority === undefined) issues.push(`"${item}": needs a priority after the colon (e.g. 100:warning)`);
    else thresholds.push({ value: BigInt(count), priority });
  }
  thresholds.sort((a, b) => (a.value === b.value ? 0 : a.value > b.value ? -1 : 1));
  return { thresholds, issues };
}

/** falcosidekick's `alertmanagerSafeLabel`: non-`[a-zA-Z0-9_]` → `_`, one pass of `__` → `_`, outer `_` trimmed. */
export function alertmanagerSafeLabel(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/__/g, '_').replace(/_+$/, '').replace(/^_+/, '');
}

/** An integer as Go's `strconv.ParseInt(text, 10, 64)` reads it (JSON numbers included, as their text). */
function int64Of(value: unknown): { n: bigint; text: string } | undefined {
  let text: string | undefined;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isInteger(value)) text = String(value);
  else if (isLosslessNumber(value)) text = value.value;
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? { n, text } : undefined;
}

function numberText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (isLosslessNumber(value)) return value.value;
  return undefined;
}

const higher = (a: Priority, b: Priority): Priority => (priorityValue(b) > priorityValue(a) ? b : a);

/** One AlertManager alert object (falcosidekick's `newAlertmanagerPayload`, minus its array). */
export function alertmanagerAlert(alert: OutputAlert, config: AlertmanagerConfig, prepared: AlertmanagerPrepared): GoStruct {
  // Keys come from the alert: without a prototype, a field named `__proto__` is a label like any other.
  const labels = Object.create(null) as Record<string, string>;
  let priority = alert.priority;
  for (const [name, value] of Object.entries(alert.output_fields)) {
    // Event deltas would make every alert a new series.
    if (name.startsWith('n_evts')) continue;
    if (name.startsWith('n_drop')) {
      // Drop counters: bucketed so the label has few values, and the alert escalated.
      const count = int64Of(value);
      if (count === undefined) continue;
      let label: string | undefined;
      if (count.n === 0n) {
        priority = higher(priority, 'Warning');
        label = '0';
      } else {
        const threshold = prepared.thresholds.find((t) => count.n > t.value);
        if (threshold) {
          label = `>${threshold.value}`;
          priority = higher(priority, threshold.priority);
        }
      }
      if (label === undefined) {
        label = count.text;
        priority = higher(priority, config.dropeventdefaultpriority);
      }
      labels[name] = label;
      continue;
    }
    const safe = alertmanagerSafeLabel(name);
    // falcosidekick would send an empty or digit-first name, and AlertManager reject the whole POST.
    if (!LABEL_NAME.test(safe)) continue;
    if (typeof value === 'string') labels[safe] = value;
    else {
      const text = numberText(value);
      if (text !== undefined) labels[safe] = text;
    }
  }
  labels['source'] = 'falco';
  labels['rule'] = alert.rule;
  labels['alertname'] = alert.rule;
  labels['eventsource'] = alert.source;
  if (alert.hostname !== '') labels['hostname'] = alert.hostname;
  if (alert.tags.length > 0) labels['tags'] = sortedTags(alert).join(',');
  labels['priority'] = priority;
  labels['severity'] = prepared.severity[priority];
  const annotations: Record<string, string> = { info: alert.output, description: alert.output, summary: alert.rule };
  if ((alert.folded ?? 0) > 0) annotations['occurrences'] = String((alert.folded ?? 0) + 1);
  Object.assign(labels, config.extralabels);
  Object.assign(annotations, config.extraannotations);
  return goStruct({
    labels,
    annotations,
    // Always present: Go cannot omit a zero time.Time, and AlertManager reads the zero time as unset.
    endsAt: config.expiresafter !== 0 ? addSeconds(alert.time, config.expiresafter) : GO_ZERO_TIME,
  });
}

export function alertmanagerBody(alerts: readonly OutputAlert[], config: AlertmanagerConfig, prepared: AlertmanagerPrepared): string {
  return goEncode(alerts.map((alert) => alertmanagerAlert(alert, config, prepared)));
}

export const alertmanager = defineOutput<typeof alertmanagerKeys, AlertmanagerPrepared>({
  type: 'alertmanager',
  title: 'Prometheus AlertManager',
  description: 'AlertManager v2 API; every host gets every alert; several alerts per POST.',
  keys: alertmanagerKeys,
  enabledBy: 'hostport',
  readmeHeading: 'AlertManager',
  prepare(config) {
    const issues: ConfigIssue[] = [];
    for (const [i, host] of config.hostport.entries()) {
      if (!isHttpUrl(host)) issues.push({ key: `hostport`, message: `entry ${i + 1} must be an http:// or https:// URL` });
    }
    const { thresholds, issues: thresholdIssues } = parseDropThresholds(config.dropeventthresholds);
    for (const message of thresholdIssues) issues.push({ key: 'dropeventthresholds', message });
    const severity: Record<Priority, string> = { ...DEFAULT_SEVERITY };
    for (const [name, value] of Object.entries(config.customseveritymap)) {
      const priority = parsePriority(name);
      if (priority === undefined) issues.push({ key: 'customseveritymap', message: `"${name}" is not a Falco priority` });
      else severity[priority] = value;
    }
    return issues.length > 0 ? { issues } : { prepared: { thresholds, severity }, issues };
  },
  maxBatch: (config) => config.maxbatch,
  build(alerts, { config, prepared }) {
    const body = alertmanagerBody(alerts, config, prepared);
    const headers = withHeaders(DEFAULT_HEADERS, config.customheaders);
    const all = alerts.map((_, i) => i);
    return config.hostport.map((host) => ({ alerts: all, spec: { method: 'POST', url: `${host}${config.endpoint}`, headers, body } }));
  },
});
