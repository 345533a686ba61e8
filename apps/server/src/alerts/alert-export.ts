import { Readable } from 'node:stream';
import { stringifyJson } from '../common/json';
import type { StoredAlert } from '../model/alert';

export type ExportFormat = 'json' | 'csv';

const CSV_COLUMNS = ['time', 'priority', 'rule', 'source', 'hostname', 'cluster', 'namespace', 'output', 'tags', 'output_fields', 'uuid'] as const;

/**
 * RFC 4180 (quote when needed, double the quotes), and never a formula: alert text is written
 * by whoever can make Falco or the apiserver log something, and a spreadsheet would run a cell
 * that starts with `=`, `+`, `-`, `@`, a tab or a carriage return. Such a cell gets a leading
 * `'` (OWASP's advice), which spreadsheets show as text and hide.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvRow(alert: StoredAlert): string {
  const namespace = alert.output_fields['k8s.ns.name'] ?? alert.output_fields['ka.target.namespace'];
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    time: alert.time,
    priority: alert.priority,
    rule: alert.rule,
    source: alert.source,
    hostname: alert.hostname,
    cluster: alert.cluster,
    namespace: typeof namespace === 'string' ? namespace : '',
    output: alert.output,
    tags: alert.tags.join(','),
    output_fields: stringifyJson(alert.output_fields),
    uuid: alert.uuid,
  };
  return `${CSV_COLUMNS.map((column) => csvCell(cells[column])).join(',')}\r\n`;
}

/** The alerts as a stream of JSON (one array, numbers exact) or CSV text. */
export function exportStream(alerts: AsyncIterable<StoredAlert>, format: ExportFormat): Readable {
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') {
      yield `${CSV_COLUMNS.join(',')}\r\n`;
      for await (const alert of alerts) yield csvRow(alert);
      return;
    }
    let first = true;
    yield '[';
    for await (const alert of alerts) {
      yield `${first ? '' : ','}\n${stringifyJson(alert)}`;
      first = false;
    }
    yield '\n]\n';
  }
  return Readable.from(lines());
}
