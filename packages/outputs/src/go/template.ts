import { isLosslessNumber } from 'lossless-json';
import type { FalcoAlert } from '@peregrine/engine';
import { compareGoStrings } from './json';
import { goTimeString } from './time';

/**
 * The part of Go's `text/template` that falcosidekick users write, in its two places:
 *
 * - `slack.messageformat` (and the other chat outputs'), executed with the alert as `.`:
 *   `{{ .Rule }}`, `{{ index .OutputFields "k8s.ns.name" }}`;
 * - `templatedfields`, executed with the output-fields map as `.`: `{{ .key }}`,
 *   `{{ index . "k8s.ns.labels.team" }}`.
 *
 * Both take literal text, `"strings"` and `` `raw strings` ``, `(…)`, `or` (its first non-empty
 * argument, else its last), comments `{{/* … *\/}}` and the `{{- ` / ` -}}` whitespace trimmers.
 * A full template engine would run arbitrary user logic on every alert; anything else is
 * refused when the configuration is loaded, with its offset, instead of producing a
 * half-rendered message at 3 a.m.
 *
 * Values print as Go's `fmt.Print` would for JSON decoded by falcosidekick (`UseNumber`): a
 * missing or null value is `<no value>`, numbers verbatim, lists `[a b]`, maps `map[k:v …]` with
 * sorted keys, the alert time as Go's `Time.String()`.
 */

/** Why a template was refused, and where: the offset into its source. */
export class TemplateError extends Error {
  readonly code = 'TEMPLATE_INVALID';
  constructor(
    /** What is wrong, without the position. */
    readonly reason: string,
    /** Offset (0-based, UTF-16 units) into the template source. */
    readonly position: number,
  ) {
    super(`${reason} at offset ${position}`);
    this.name = 'TemplateError';
  }
}

export interface CompiledTemplate<Data = FalcoAlert> {
  readonly source: string;
  render(data: Data): string;
}

/** Compiles a chat output's `messageformat`: `.` is the alert, with falcosidekick's Go field names. */
export function compileGoTemplate(source: string): CompiledTemplate {
  return compile(source, ALERT_DOT);
}

/** Compiles a `templatedfields` entry: `.` is the alert's output-fields map. */
export function compileOutputFieldsTemplate(source: string): CompiledTemplate<Readonly<Record<string, unknown>>> {
  return compile(source, OUTPUT_FIELDS_DOT);
}

/**
 * A decoded JSON value as a template action prints it (`{{ $value }}`): `fmt.Print`, with a
 * nil at top level printed `<no value>`. The SMTP and syslog bodies print output fields this way.
 */
export function goTemplateValue(value: unknown): string {
  return printValue(value, true);
}

/** What `.` is, so field names and `index` are checked when the template is compiled. */
interface Dot<Data> {
  /** `.Name`: how to read it, or undefined when `.` has no such field (refused at compile time). */
  field(name: string): Reader<Data> | undefined;
  /** The map `index <target> "key"` reads, for `.` itself (`target` undefined) or one of its fields; undefined when that is not a map. */
  indexable(target: string | undefined): ((data: Data) => unknown) | undefined;
  /** The forms that work with this `.`, for error messages. */
  readonly supported: string;
}

type Reader<Data> = (data: Data) => unknown;

/** falcosidekick's `types.FalcoPayload`, as Go templates see it. */
const ALERT_FIELDS: Readonly<Record<string, Reader<FalcoAlert>>> = {
  UUID: (alert) => alert.uuid,
  Output: (alert) => alert.output,
  Priority: (alert) => alert.priority,
  Rule: (alert) => alert.rule,
  // A time.Time prints as its String(); no template here calls its methods.
  Time: (alert) => goTimeString(alert.time),
  OutputFields: (alert) => alert.output_fields,
  Source: (alert) => alert.source,
  Tags: (alert) => alert.tags,
  Hostname: (alert) => alert.hostname,
};

const ALERT_DOT: Dot<FalcoAlert> = {
  field: (name) => (Object.prototype.hasOwnProperty.call(ALERT_FIELDS, name) ? ALERT_FIELDS[name] : undefined),
  indexable: (target) => (target === 'OutputFields' ? (alert) => alert.output_fields : undefined),
  supported: `{{ .Field }} (${Object.keys(ALERT_FIELDS)
    .map((name) => `.${name}`)
    .join(', ')}), {{ index .OutputFields "key" }}, {{ or A B }}, "text"`,
};

const OUTPUT_FIELDS_DOT: Dot<Readonly<Record<string, unknown>>> = {
  // A Go map has every key: a missing one reads as nil (printed `<no value>`).
  field: (name) => (fields) => ownValue(fields, name),
  indexable: (target) => (target === undefined ? (fields) => fields : undefined),
  supported: '{{ .key }}, {{ index . "key" }}, {{ or A B }}, "text"',
};

type Piece<Data> = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'action'; readonly evaluate: Reader<Data> };

/** Go's trim markers are a dash next to the delimiter with one of these on its other side. */
const GO_SPACE = /[ \t\r\n]/;
const LEADING_GO_SPACE = /^[ \t\r\n]+/;
const TRAILING_GO_SPACE = /[ \t\r\n]+$/;

function compile<Data>(source: string, dot: Dot<Data>): CompiledTemplate<Data> {
  const pieces: Piece<Data>[] = [];
  let cursor = 0;
  let trimNextText = false;
  while (cursor < source.length) {
    const open = source.indexOf('{{', cursor);
    let text = source.slice(cursor, open === -1 ? source.length : open);
    if (trimNextText) text = text.replace(LEADING_GO_SPACE, '');
    trimNextText = false;
    if (open === -1) {
      pushText(pieces, text);
      break;
    }
    if (source.indexOf('}}', open + 2) === -1) throw new TemplateError('unclosed action "{{"', open);
    let start = open + 2;
    if (source[start] === '-' && GO_SPACE.test(source[start + 1] ?? '')) {
      text = text.replace(TRAILING_GO_SPACE, '');
      start += 1;
    }
    pushText(pieces, text);
    const action = new ActionParser(source, open, start, dot);
    const evaluate = action.parse();
    if (evaluate) pieces.push({ kind: 'action', evaluate });
    trimNextText = action.trimsNextText;
    cursor = action.end;
  }
  return {
    source,
    render: (data) => pieces.map((piece) => (piece.kind === 'text' ? piece.text : printValue(piece.evaluate(data), true))).join(''),
  };
}

function pushText<Data>(pieces: Piece<Data>[], text: string): void {
  if (text !== '') pieces.push({ kind: 'text', text });
}

/**
 * One action, from after `{{` (and its trim marker) to `}}`, read by recursive descent over the
 * whole source, so a `}}` inside a quoted string does not end the action:
 *
 *   action  := comment | command
 *   command := 'or' operand+ | 'index' target string | operand
 *   operand := '(' command ')' | string | '.' identifier
 *   target  := '.' | '.' identifier        (a map: see Dot.indexable)
 */
class ActionParser<Data> {
  /** Where the action's `}}` ends, once parsed. */
  end = 0;
  /** Whether the action closed with ` -}}`. */
  trimsNextText = false;
  private position: number;

  constructor(
    private readonly source: string,
    /** Where the action's `{{` is. */
    private readonly open: number,
    start: number,
    private readonly dot: Dot<Data>,
  ) {
    this.position = start;
  }

  /** The action's evaluation, or undefined for a comment. */
  parse(): Reader<Data> | undefined {
    this.skipSpace();
    if (this.source.startsWith('/*', this.position)) {
      const close = this.source.indexOf('*/', this.position + 2);
      if (close === -1) this.fail('unclosed comment');
      this.position = close + 2;
      this.close();
      return undefined;
    }
    const command = this.parseCommand();
    this.close();
    return command;
  }

  /** ` -}}` or `}}`, after optional space. */
  private close(): void {
    const spaceStart = this.position;
    this.skipSpace();
    if (this.position > spaceStart && this.source.startsWith('-}}', this.position)) {
      this.trimsNextText = true;
      this.position += 1;
    }
    if (this.position >= this.source.length) this.fail('unclosed action "{{"', this.open);
    if (!this.source.startsWith('}}', this.position)) this.fail(`unexpected "${this.source.slice(this.position, this.position + 10)}" in action`);
    this.end = this.position + 2;
  }

  private parseCommand(): Reader<Data> {
    this.skipSpace();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.source.slice(this.position, this.position + 64))?.[0];
    if (word === 'or') {
      this.position += word.length;
      const args: Reader<Data>[] = [];
      for (;;) {
        this.skipSpace();
        if (this.atActionEnd() || this.peek() === ')') break;
        args.push(this.parseOperand());
      }
      if (args.length === 0) this.fail('"or" needs at least one argument');
      // Go's "or": the first true argument, else the last; later arguments are not evaluated.
      return (data) => {
        let last: unknown;
        for (const arg of args) {
          last = arg(data);
          if (isGoTrue(last)) return last;
        }
        return last;
      };
    }
    if (word === 'index') {
      this.position += word.length;
      this.skipSpace();
      const targetAt = this.position;
      if (this.peek() !== '.') this.fail(`"index" takes a map and a quoted key: ${this.dot.supported}`);
      this.position++;
      const field = this.identifier();
      const map = this.dot.indexable(field);
      if (!map) this.fail(field === undefined ? '"." is not a map here' : `.${field} is not a map`, targetAt);
      this.skipSpace();
      const key = this.parseString();
      return (data) => ownValue(map(data), key);
    }
    if (word !== undefined) this.fail(`unsupported template action "${word}" (supported: ${this.dot.supported})`);
    return this.parseOperand();
  }

  private parseOperand(): Reader<Data> {
    this.skipSpace();
    const c = this.peek();
    if (c === '(') {
      this.position++;
      const inner = this.parseCommand();
      this.skipSpace();
      if (this.peek() !== ')') this.fail('expected ")"');
      this.position++;
      return inner;
    }
    if (c === '"' || c === '`') {
      const value = this.parseString();
      return () => value;
    }
    if (c === '.') {
      const at = this.position;
      this.position++;
      const name = this.identifier();
      if (name === undefined) this.fail(`expected a field name after "." (supported: ${this.dot.supported})`, at);
      const read = this.dot.field(name);
      if (!read) this.fail(`unknown field .${name} (supported: ${this.dot.supported})`, at);
      return read;
    }
    return this.fail(this.atActionEnd() ? 'expected a value' : `unexpected "${c ?? ''}"`);
  }

  private identifier(): string | undefined {
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.source.slice(this.position, this.position + 256))?.[0];
    if (name !== undefined) this.position += name.length;
    return name;
  }

  private parseString(): string {
    const match = /^"((?:[^"\\\n]|\\.)*)"|^`([^`]*)`/.exec(this.source.slice(this.position));
    if (!match) this.fail('expected a quoted string');
    const at = this.position;
    this.position += match[0].length;
    if (match[2] !== undefined) return match[2];
    try {
      // Go's escapes that JSON shares (\" \\ \n \t \uXXXX …); the rarer ones (\x41, \a) are refused.
      return JSON.parse(`"${match[1] ?? ''}"`) as string;
    } catch {
      return this.fail('invalid escape in string', at);
    }
  }

  private atActionEnd(): boolean {
    return this.position >= this.source.length || this.source.startsWith('}}', this.position) || this.source.startsWith('-}}', this.position);
  }

  private peek(): string | undefined {
    return this.source[this.position];
  }

  private skipSpace(): void {
    while (this.position < this.source.length && GO_SPACE.test(this.source[this.position] ?? '')) this.position++;
  }

  private fail(reason: string, at = this.position): never {
    throw new TemplateError(reason, at);
  }
}

function ownValue(map: unknown, key: string): unknown {
  return typeof map === 'object' && map !== null && Object.prototype.hasOwnProperty.call(map, key) ? (map as Record<string, unknown>)[key] : undefined;
}

/**
 * Go's template truth for JSON decoded with `UseNumber` (as falcosidekick decodes alerts): nil,
 * false and empty strings, lists and maps are false. A number is a `json.Number`, a non-empty
 * string, so even `0` is true.
 */
function isGoTrue(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && !isLosslessNumber(value)) return Object.keys(value).length > 0;
  return true;
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
