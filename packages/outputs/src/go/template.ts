import { isLosslessNumber } from 'lossless-json';
import type { FalcoAlert } from '@peregrine/engine';
import { compareGoStrings } from './json';
import { goTimeString } from './time';

/**
 * The part of Go's `text/template` that falcosidekick users write in `slack.messageformat`
 * (templates receive the alert): literal text, `{{ .Field }}`, `{{ index .OutputFields "key" }}`,
 * comments `{{/* … *\/}}` and the `{{-`/`-}}` whitespace trimmers. Anything else is reported
 * when the config is loaded instead of producing a half-rendered message at 3 a.m.
 *
 * Values print as Go's `fmt.Print` would: a missing or null output field is `<no value>`, tags
 * are `[a b]`, the time is Go's `Time.String()`, maps are `map[k:v …]` with sorted keys.
 */

const ALERT_FIELDS = ['UUID', 'Output', 'Priority', 'Rule', 'Time', 'OutputFields', 'Source', 'Tags', 'Hostname'] as const;
type AlertField = (typeof ALERT_FIELDS)[number];

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'field'; readonly field: AlertField }
  | { readonly kind: 'index'; readonly key: string };

export interface CompiledTemplate {
  readonly source: string;
  render(alert: FalcoAlert): string;
}

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at offset ${position}`);
    this.name = 'TemplateError';
  }
}

const FIELD_ACTION = /^\.([A-Za-z]+)$/;
const INDEX_ACTION = /^index\s+\.OutputFields\s+("(?:[^"\\]|\\.)*"|`[^`]*`)$/;

export function compileGoTemplate(source: string): CompiledTemplate {
  const nodes: Node[] = [];
  let cursor = 0;
  let trimNextText = false;
  while (cursor < source.length) {
    const open = source.indexOf('{{', cursor);
    let text = source.slice(cursor, open === -1 ? source.length : open);
    if (trimNextText) text = text.replace(/^\s+/, '');
    trimNextText = false;
    if (open === -1) {
      pushText(nodes, text);
      break;
    }
    const close = source.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateError('unclosed action', open);
    let inner = source.slice(open + 2, close);
    // `{{- ` trims the preceding text, ` -}}` the following (the dash needs a space next to it).
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    if (/\s-$/.test(inner)) {
      trimNextText = true;
      inner = inner.slice(0, -1);
    }
    pushText(nodes, text);
    nodes.push(...parseAction(inner.trim(), open));
    cursor = close + 2;
  }
  return {
    source,
    render: (alert) => nodes.map((node) => renderNode(node, alert)).join(''),
  };
}

function pushText(nodes: Node[], text: string): void {
  if (text !== '') nodes.push({ kind: 'text', text });
}

function parseAction(action: string, position: number): Node[] {
  if (action.startsWith('/*') && action.endsWith('*/')) return [];
  const field = FIELD_ACTION.exec(action);
  if (field) {
    const name = field[1] as AlertField;
    if (!ALERT_FIELDS.includes(name)) {
      throw new TemplateError(`unknown field .${field[1]} (known: ${ALERT_FIELDS.map((f) => `.${f}`).join(', ')})`, position);
    }
    return [{ kind: 'field', field: name }];
  }
  const index = INDEX_ACTION.exec(action);
  if (index) {
    const literal = index[1]!;
    const key = literal.startsWith('`') ? literal.slice(1, -1) : (JSON.parse(literal) as string);
    return [{ kind: 'index', key }];
  }
  throw new TemplateError(`unsupported template action {{${action}}} (supported: {{ .Field }}, {{ index .OutputFields "key" }})`, position);
}

function renderNode(node: Node, alert: FalcoAlert): string {
  switch (node.kind) {
    case 'text':
      return node.text;
    case 'index':
      return Object.prototype.hasOwnProperty.call(alert.output_fields, node.key) ? printValue(alert.output_fields[node.key], true) : '<no value>';
    case 'field':
      return renderField(node.field, alert);
  }
}

function renderField(field: AlertField, alert: FalcoAlert): string {
  switch (field) {
    case 'UUID':
      return alert.uuid;
    case 'Output':
      return alert.output;
    case 'Priority':
      return alert.priority;
    case 'Rule':
      return alert.rule;
    case 'Time':
      return goTimeString(alert.time);
    case 'OutputFields':
      return printValue(alert.output_fields, true);
    case 'Source':
      return alert.source;
    case 'Tags':
      return printValue(alert.tags, true);
    case 'Hostname':
      return alert.hostname;
  }
}

/**
 * A decoded JSON value as a template action prints it (`{{ $value }}`): `fmt.Print`, with a
 * nil at top level printed `<no value>`. The SMTP body templates print output fields this way.
 */
export function goTemplateValue(value: unknown): string {
  return printValue(value, true);
}

/** `fmt.Print` of a decoded JSON value. A nil interface at top level prints `<no value>` in templates. */
function printValue(value: unknown, topLevel: boolean): string {
  if (value === null || value === undefined) return topLevel ? '<no value>' : '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (isLosslessNumber(value)) return value.value;
  if (Array.isArray(value)) return `[${value.map((v) => printValue(v, false)).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => compareGoStrings(a, b));
    return `map[${entries.map(([k, v]) => `${k}:${printValue(v, false)}`).join(' ')}]`;
  }
  // Remaining primitives (symbol, function) cannot come from JSON.
  return typeof value === 'symbol' ? value.toString() : '<unprintable>';
}
