import { type FalcoAlert, type Priority, parsePriority, priorityValue } from '@peregrine/engine';
import { type JsonValue, parseJson } from '../common/json';
import type { EnrichedAlert } from '../ingest/enrichment';
import type { AlertRecord } from './alert.entity';

/** What ingest hands to the store: the enriched alert plus where it came from. */
export interface AlertToStore {
  alert: EnrichedAlert;
  cluster: string;
  receivedAt: number;
}

export type NewAlertRow = Omit<AlertRecord, 'id'>;

export function toRow({ alert, cluster, receivedAt }: AlertToStore): NewAlertRow {
  return {
    uuid: alert.uuid,
    timeNs: alert.timeNs.toString(),
    time: alert.time,
    priority: alert.priority,
    priorityValue: priorityValue(alert.priority),
    rule: alert.rule,
    source: alert.source,
    hostname: alert.hostname,
    cluster,
    k8sNamespace: stringField(alert.output_fields, 'k8s.ns.name') ?? stringField(alert.output_fields, 'ka.target.namespace'),
    k8sPod: stringField(alert.output_fields, 'k8s.pod.name') ?? podOfAuditAlert(alert.output_fields),
    output: alert.output,
    outputFields: alert.outputFieldsJson,
    tags: JSON.stringify(alert.tags),
    receivedAt,
  };
}

/** A stored alert as it reads back: Falco's JSON shape plus Peregrine's columns. */
export interface StoredAlert extends FalcoAlert {
  output_fields: Record<string, JsonValue>;
  cluster: string;
}

export function fromRow(row: AlertRecord): StoredAlert {
  const priority: Priority = parsePriority(row.priority) ?? 'Debug';
  return {
    uuid: row.uuid,
    output: row.output,
    priority,
    rule: row.rule,
    time: row.time,
    output_fields: parseJson(row.outputFields) as Record<string, JsonValue>,
    source: row.source,
    tags: JSON.parse(row.tags) as string[],
    hostname: row.hostname,
    cluster: row.cluster,
  };
}

function stringField(fields: Record<string, JsonValue>, key: string): string | null {
  const value = fields[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

function podOfAuditAlert(fields: Record<string, JsonValue>): string | null {
  return stringField(fields, 'ka.target.resource') === 'pods' ? stringField(fields, 'ka.target.name') : null;
}
