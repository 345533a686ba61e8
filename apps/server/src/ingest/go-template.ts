/** A configured `templatedfields` entry, compiled once at start-up. */
export interface TemplatedField {
  readonly name: string;
  render(outputFields: Readonly<Record<string, unknown>>): string;
}

/**
 * falcosidekick evaluates `templatedfields` as Go `text/template`s over the output-fields map.
 * A full template engine would run arbitrary user logic on every alert, so we accept the forms
 * its users actually write and refuse the rest at start-up (with the offset of the problem):
 *
 *   text  {{ index . "key" }}  {{ .key }}  {{ or (index . "a") (index . "b") "default" }}
 *   {{ "literal" }}  and the `{{-` / `-}}` trimmers.
 *
 * Values print as Go's `fmt.Print` would for JSON-decoded values: a missing or null key is
 * `<no value>`, strings as is, numbers verbatim. `or` returns its first non-empty argument.
 */
export class TemplateSyntaxError extends Error {
  readonly code = 'TEMPLATE_INVALID';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'TemplateSyntaxError';
  }
}

type Expr = { kind: 'literal'; value: string } | { kind: 'field'; key: string } | { kind: 'or'; args: Expr[] };
type Piece = { kind: 'text'; text: string } | { kind: 'expr'; expr: Expr };

const NO_VALUE = '<no value>';

export function compileTemplatedFields(fields: Readonly<Record<string, string>>): TemplatedField[] {
  return Object.entries(fields).map(([name, source]) => {
    const pieces = parseTemplate(source);
    return { name, render: (outputFields) => pieces.map((piece) => (piece.kind === 'text' ? piece.text : printValue(evaluate(piece.expr, outputFields)))).join('') };
  });
}

/** Every problem of every templated field, for the configuration error message. */
export function templateProblems(fields: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [name, source] of Object.entries(fields)) {
    try {
      parseTemplate(source);
    } catch (error) {
      problems.push(`templatedfields.${name}: ${(error as Error).message}`);
    }
  }
  return problems;
}

function parseTemplate(source: string): Piece[] {
  const pieces: Piece[] = [];
  let cursor = 0;
  let trimLeadingSpace = false;
  while (cursor <= source.length) {
    const open = source.indexOf('{{', cursor);
    let text = source.slice(cursor, open === -1 ? source.length : open);
    if (trimLeadingSpace) text = text.replace(/^\s+/, '');
    trimLeadingSpace = false;
    if (open === -1) {
      if (text !== '') pieces.push({ kind: 'text', text });
      break;
    }
    const close = source.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateSyntaxError('unclosed action "{{"', open);
    let inner = source.slice(open + 2, close);
    if (inner.startsWith('-') && /^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    if (/\s-$/.test(inner)) {
      trimLeadingSpace = true;
      inner = inner.slice(0, -1);
    }
    if (text !== '') pieces.push({ kind: 'text', text });
    const trimmed = inner.trim();
    if (!(trimmed.startsWith('/*') && trimmed.endsWith('*/'))) {
      const parser = new ExprParser(inner, open + 2);
      pieces.push({ kind: 'expr', expr: parser.parseAction() });
    }
    cursor = close + 2;
  }
  return pieces;
}

class ExprParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly base: number,
  ) {}

  parseAction(): Expr {
    const expr = this.parseCommand();
    this.skipSpace();
    if (this.position < this.text.length) this.fail(`unexpected "${this.text.slice(this.position, this.position + 10)}"`);
    return expr;
  }

  /** command := 'or' operand+ | 'index' '.' string | operand */
  private parseCommand(): Expr {
    this.skipSpace();
    const word = /^[a-z]+/.exec(this.text.slice(this.position))?.[0];
    if (word === 'or') {
      this.position += 2;
      const args: Expr[] = [];
      for (;;) {
        this.skipSpace();
        if (this.position >= this.text.length || this.peek() === ')') break;
        args.push(this.parseOperand());
      }
      if (args.length === 0) this.fail('"or" needs at least one argument');
      return { kind: 'or', args };
    }
    if (word === 'index') {
      this.position += 5;
      this.skipSpace();
      if (this.peek() !== '.') this.fail('only `index . "key"` is supported');
      this.position++;
      this.skipSpace();
      return { kind: 'field', key: this.parseString() };
    }
    if (word !== undefined) this.fail(`function "${word}" is not supported (use index, or)`);
    return this.parseOperand();
  }

  /** operand := '(' command ')' | string | '.' identifier */
  private parseOperand(): Expr {
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
    if (c === '"' || c === '`') return { kind: 'literal', value: this.parseString() };
    if (c === '.') {
      const key = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(this.text.slice(this.position));
      if (!key?.[1]) this.fail('expected a field name after "."');
      this.position += key[0].length;
      return { kind: 'field', key: key[1] };
    }
    return this.fail(c === undefined ? 'expected a value' : `unexpected "${c}"`);
  }

  private parseString(): string {
    const rest = this.text.slice(this.position);
    const match = /^"((?:[^"\\]|\\.)*)"|^`([^`]*)`/.exec(rest);
    if (!match) this.fail('expected a quoted string');
    this.position += match[0].length;
    if (match[2] !== undefined) return match[2];
    try {
      return JSON.parse(`"${match[1] ?? ''}"`) as string;
    } catch {
      return this.fail('invalid escape in string');
    }
  }

  private peek(): string | undefined {
    return this.text[this.position];
  }

  private skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position] ?? '')) this.position++;
  }

  private fail(message: string): never {
    throw new TemplateSyntaxError(message, this.base + this.position);
  }
}

function evaluate(expr: Expr, fields: Readonly<Record<string, unknown>>): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'field':
      return fields[expr.key];
    case 'or': {
      let last: unknown;
      for (const arg of expr.args) {
        last = evaluate(arg, fields);
        if (isTruthy(last)) return last;
      }
      return last;
    }
  }
}

/** Go's template truth: empty string, zero, false, nil and empty collections are false. */
function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') {
    if (isLosslessNumber(value)) return value.value !== '0';
    return Object.keys(value).length > 0;
  }
  return true;
}

function printValue(value: unknown): string {
  if (value === undefined || value === null) return NO_VALUE;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && isLosslessNumber(value)) return value.value;
  if (typeof value === 'object') return JSON.stringify(value);
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : '';
}

function isLosslessNumber(value: object): value is { value: string } {
  return 'isLosslessNumber' in value && 'value' in value && typeof value.value === 'string';
}
