import type { Priority } from '@peregrine/engine';
import type { OutputAlert } from '../alert';
import { compareGoStrings } from '../go/json';
import { goTemplateValue } from '../go/template';
import { goTimeString } from '../go/time';

/**
 * The subject and bodies of falcosidekick's alert e-mail (its `plaintextTmpl` and `htmlTmpl`,
 * rendered by Go's `text/template` and `html/template`), written out as functions so that a
 * mail carries the same text, character for character, without a Go template engine:
 *
 * - output fields come in Go's map order (keys sorted by bytes) and print as `fmt.Print` does;
 *   a null prints `<no value>` in the text body and nothing in the HTML body (`html/template`
 *   skips a nil argument);
 * - tags keep the alert's order, each followed by a space;
 * - the time is Go's `Time.String()` (`2001-01-01 01:10:00 +0000 UTC`);
 * - every value in the HTML body is escaped as `html/template` escapes text: `&<>"'+` and NUL.
 *
 * The only addition: when dedup folded identical alerts into this one, an `Occurrences` line
 * (text) and row (HTML) follow the time. Without folding the bytes are falcosidekick's.
 */

/** `Subject: [<priority>] <output>`. */
export function smtpSubject(alert: Pick<OutputAlert, 'priority' | 'output'>): string {
  return `[${alert.priority}] ${alert.output}`;
}

function sortedFields(alert: OutputAlert): Array<[string, unknown]> {
  return Object.entries(alert.output_fields).sort(([a], [b]) => compareGoStrings(a, b));
}

function occurrences(alert: OutputAlert): string | undefined {
  const folded = alert.folded ?? 0;
  return folded > 0 ? String(folded + 1) : undefined;
}

/** falcosidekick's plain-text body, as its template renders it (ends with two empty lines). */
export function smtpTextBody(alert: OutputAlert): string {
  const count = occurrences(alert);
  return (
    `Priority: ${alert.priority}\n` +
    `Output: ${alert.output}\n` +
    `Rule: ${alert.rule}\n` +
    `Source: ${alert.source}\n` +
    `Hostname: ${alert.hostname}\n` +
    `Tags: ${alert.tags.map((tag) => `${tag} `).join('')}\n` +
    `Time: ${goTimeString(alert.time)}\n` +
    (count === undefined ? '' : `Occurrences: ${count}\n`) +
    '\n--Fields--\n' +
    sortedFields(alert)
      .map(([name, value]) => `${name}: ${goTemplateValue(value)}\n`)
      .join('') +
    '\n\n'
  );
}

/** `html/template`'s escaping of text and attribute values. */
export function goHtmlEscape(text: string): string {
  return text.replace(/[\0"&'+<>]/g, (c) => HTML_ESCAPES[c] ?? c);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '\0': '\uFFFD', '"': '&#34;', '&': '&amp;', "'": '&#39;', '+': '&#43;', '<': '&lt;', '>': '&gt;' };

/** A value as `html/template` prints it: escaped `fmt.Print`, and nothing at all for a null. */
function htmlValue(value: unknown): string {
  return value === null || value === undefined ? '' : goHtmlEscape(goTemplateValue(value));
}

/** The colour of the priority banner (the template's `$color`; its default grey is unreachable for a valid priority). */
export const SMTP_PRIORITY_COLORS: Readonly<Record<Priority, string>> = {
  Emergency: '#e20b0b',
  Alert: '#ff5400',
  Critical: '#ff9000',
  Error: '#ffc700',
  Warning: '#ffff00',
  Notice: '#5bffb5',
  Informational: '#68c2ff',
  Debug: '#ccfff2',
};

const TABLE_STYLE = 'font-family:arial,helvetica,sans-serif; height:2px; width:700px;';
const LABEL_CELL = '<td style="background-color:#858585"><span style="font-size:14px;color:#fff;"><strong>';
const VALUE_CELL = '<td style="background-color:#d1d6da">';

/** One row of the alert table; the template indents the Hostname row with two tabs, so the indent is given. */
function alertRow(label: string, value: string, indent = '        '): string {
  return `${indent}<tr>\n            ${LABEL_CELL}${label}</strong></span></td>\n            ${VALUE_CELL}${value}</td>\n        </tr>\n`;
}

function fieldRow(name: string, value: unknown): string {
  return (
    '\n        <tr>\n' +
    `            <td width="1" style="background-color:#858585"><span style="font-size:14px; color:#fff;"><strong>${goHtmlEscape(name)}</strong></span></td>\n` +
    `            ${VALUE_CELL}${htmlValue(value)}</td>\n` +
    '        </tr>\n    '
  );
}

/**
 * falcosidekick's HTML body as its template renders it, up to (not including) the closing MIME
 * boundary line `--4t74weu9byeSdJTM--` its template ends with: that line is framing, which the
 * mail library writes. Starts with the empty lines the template's variable and `if` actions leave.
 */
export function smtpHtmlBody(alert: OutputAlert): string {
  const count = occurrences(alert);
  return (
    '\n'.repeat(12) +
    '<meta http-equiv="Content-Type" content="text/html; charset=us-ascii">\n' +
    '<style type="text/css">\n    td{font-family:arial,helvetica,sans-serif;}\n</style>\n\n' +
    `<table cellpadding="3" cellspacing="0" style="${TABLE_STYLE}">\n    <tbody>\n        <tr>\n` +
    '            <td><img src="https://raw.githubusercontent.com/cncf/artwork/master/projects/falco/horizontal/color/falco-horizontal-color.png" width="117px" height="47"></td>\n' +
    '            <td></td>\n        </tr>\n    </tbody>\n</table>\n<br>\n' +
    `<table cellpadding="3" cellspacing="0" style="${TABLE_STYLE}">\n    <tbody>\n        <tr>\n` +
    `            <td style="background-color:${SMTP_PRIORITY_COLORS[alert.priority]}; width:700px; text-align:center;"><span style="font-size:12px; color:#fff;"><strong>${goHtmlEscape(alert.priority)}</strong></span></td>\n` +
    '        </tr>\n    </tbody>\n</table>\n' +
    '<table cellpadding="5" cellspacing="0" style="font-family:arial,helvetica,sans-serif; width:700px; font-size:13px">\n    <tbody>\n' +
    alertRow('Output', goHtmlEscape(alert.output)) +
    alertRow('Rule', goHtmlEscape(alert.rule)) +
    alertRow('Source', goHtmlEscape(alert.source)) +
    alertRow('Hostname', goHtmlEscape(alert.hostname), '\t\t') +
    alertRow('Tags', alert.tags.map((tag) => `${goHtmlEscape(tag)} `).join('')) +
    alertRow('Time', goHtmlEscape(goTimeString(alert.time))) +
    (count === undefined ? '' : alertRow('Occurrences', count)) +
    '    </tbody>\n</table>\n<br>\n\n' +
    `<table cellpadding="3" cellspacing="0" style="${TABLE_STYLE} font-size:13px">\n    <tbody>\n        <tr>\n` +
    '            <td style="background-color: #858585; width:700px; text-align:center;"><span style="font-size:12px; color:#fff;"><strong>Fields</strong></span></td>\n' +
    '        </tr>\n    </tbody>\n</table>\n\n' +
    `<table cellpadding="3" cellspacing="0" style="${TABLE_STYLE} font-size:13px">\n    <tbody>` +
    sortedFields(alert)
      .map(([name, value]) => fieldRow(name, value))
      .join('') +
    '</tbody>\n</table>\n\n'
  );
}
