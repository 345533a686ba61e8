import { type Priority, parsePriority, priorityValue } from '@peregrine/engine';
import { type JsonValue, parseJson } from '../common/json';
import type { AcceptedAlert, StoredAlert } from '../model/alert';
import type { AlertRecord } from './alert.entity';

export type NewAlertRow = Omit<AlertRecord, 'id'>;

export function toRow({ alert, cluster, receivedAt }: AcceptedAlert): NewAlertRow {
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

/** Column name → row property, in the order an inbox entry carries them. */
export const ROW_COLUMNS: ReadonlyArray<readonly [string, keyof NewAlertRow]> = [
  ['uuid', 'uuid'],
  ['time_ns', 'timeNs'],
  ['time', 'time'],
  ['priority', 'priority'],
  ['priority_value', 'priorityValue'],
  ['rule', 'rule'],
  ['source', 'source'],
  ['hostname', 'hostname'],
  ['cluster', 'cluster'],
  ['k8s_namespace', 'k8sNamespace'],
  ['k8s_pod', 'k8sPod'],
  ['output', 'output'],
  ['output_fields', 'outputFields'],
  ['tags', 'tags'],
  ['received_at', 'receivedAt'],
];

/** Where an inbox entry keeps the outputs the alert routes to (after the row's columns). */
export const ROUTES_INDEX = ROW_COLUMNS.length;

/**
 * An accepted alert as one inbox entry: a JSON array of the row's values in `ROW_COLUMNS`
 * order, then the routed outputs. Integers travel as text and land exact (INTEGER affinity,
 * or a cast on PostgreSQL).
 */
export function inboxEntry(accepted: AcceptedAlert): unknown[] {
  const row = toRow(accepted);
  const values: unknown[] = ROW_COLUMNS.map(([, property]) => row[property]);
  values.push(accepted.routes);
  return values;
}

/** An inbox entry's row values (ROW_COLUMNS order) as the record they stand for. */
export function recordOf(values: readonly unknown[]): AlertRecord {
  return Object.fromEntries(ROW_COLUMNS.map(([, property], i) => [property, values[i]])) as unknown as AlertRecord;
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

/**
 * What the alerts table keeps of the columns it indexes, in characters (PostgreSQL's varchar)
 * and in UTF-8 bytes (together they must fit one PostgreSQL index entry, about 2.7 kB, since
 * every dimension index holds all of them). PostgreSQL refuses a row beyond these, and a row
 * refused after the acknowledgement would hold up the indexing of every alert behind it; so
 * ingest refuses such an alert up front, in either store.
 */
export const COLUMN_LIMITS = {
  rule: { characters: 512, bytes: 1024 },
  source: { characters: 128, bytes: 256 },
  hostname: { characters: 255, bytes: 255 },
  cluster: { characters: 255, bytes: 255 },
} as const;

// Checked for every alert: the pairs are listed once.
const COLUMN_LIMIT_ENTRIES = Object.entries(COLUMN_LIMITS) as Array<[keyof typeof COLUMN_LIMITS, { characters: number; bytes: number }]>;

/** Namespace and pod are read from output fields: longer than any Kubernetes name, they are not indexed. */
const DERIVED_LIMIT = COLUMN_LIMITS.hostname;

/** Why an alert's indexed columns do not fit the table (`rule is longer than …`), or undefined. */
export function columnProblem(values: Readonly<Record<keyof typeof COLUMN_LIMITS, string>>): string | undefined {
  for (const [column, limit] of COLUMN_LIMIT_ENTRIES) {
    if (!fits(values[column], limit)) return `${column} is longer than the store keeps (${limit.characters} characters, ${limit.bytes} bytes of UTF-8)`;
  }
  return undefined;
}

function fits(text: string, limit: { characters: number; bytes: number }): boolean {
  // Most values are short ASCII: decided by their length alone.
  if (text.length <= limit.characters && text.length * 3 <= limit.bytes) return true;
  return Buffer.byteLength(text, 'utf8') <= limit.bytes && [...text].length <= limit.characters;
}

function stringField(fields: Record<string, JsonValue>, key: string): string | null {
  const value = fields[key];
  return typeof value === 'string' && value !== '' && fits(value, DERIVED_LIMIT) ? value : null;
}

function podOfAuditAlert(fields: Record<string, JsonValue>): string | null {
  return stringField(fields, 'ka.target.resource') === 'pods' ? stringField(fields, 'ka.target.name') : null;
}
