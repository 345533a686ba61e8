/*
 * Recursive-descent parser for Falco rule conditions; one method per production below (the
 * same grammar as grammar.md and libsinsp's filter/parser.h). It never throws to its callers:
 * `parseCondition` returns either the AST or one coded error with the offsets it concerns.
 *
 *   Expr              ::= OrExpr
 *   OrExpr            ::= AndExpr ( 'or' OrExprTail )*
 *   OrExprTail        ::= Blank AndExpr
 *                       | '(' Expr ')'
 *   AndExpr           ::= NotExpr ( 'and' AndExprTail )*
 *   AndExprTail       ::= Blank NotExpr
 *                       | '(' Expr ')'
 *   NotExpr           ::= ( 'not' Blank )* NotExprTail
 *   NotExprTail       ::= 'not(' Expr ')'
 *                       | Check
 *   Check             ::= Field Condition
 *                       | FieldTransformer Condition
 *                       | Identifier
 *                       | '(' Expr ')'
 *   FieldTransformer  ::= TransformerType FieldTransformerArg ')'
 *   FieldTransformerArg ::= FieldTransformer | Field
 *   FieldTransformerOrVal ::= FieldTransformer
 *                       | 'val(' Field ')'
 *   Condition         ::= UnaryOperator
 *                       | NumOperator ( NumValue | FieldTransformerOrVal )
 *                       | StrOperator ( StrValue | FieldTransformerOrVal )
 *                       | ListOperator ( ListValue | FieldTransformerOrVal )
 *   ListValue         ::= '(' ( StrValue ( ',' StrValue )* )? ')'
 *                       | Identifier
 *   Field             ::= FieldName ( '[' FieldArg ']' )?
 *   FieldArg          ::= QuotedStr | FieldArgBareStr
 *   NumValue          ::= HexNumber | Number
 *   StrValue          ::= QuotedStr | BareStr
 *
 *   UnaryOperator     ::= 'exists'
 *   NumOperator       ::= '<=' | '<' | '>=' | '>'
 *   StrOperator       ::= '==' | '=' | '!=' | 'glob' | 'iglob' | 'contains' | 'icontains'
 *                       | 'bcontains' | 'startswith' | 'bstartswith' | 'endswith' | 'regex'
 *   ListOperator      ::= 'intersects' | 'in' | 'pmatch'
 *   TransformerType   ::= 'tolower(' | 'toupper(' | 'b64(' | 'basename(' | 'len('
 *
 *   Tokens: see lexer.ts (Blank, Identifier, FieldName, FieldArgBareStr, HexNumber, Number,
 *   QuotedStr, BareStr).
 */
import type { ErrorCode } from '../errors';
import { OPERATORS_BY_CLASS } from '../operators/registry';
import type { CheckExpr, Expr, FieldOperand, FieldRef, ListNameRef, ListValue, Span, StringValue, TransformerRef, ValueOperand } from './ast';
import { TRANSFORMERS } from './ast';
import { isQuotedProblem, Lexer, type Token } from './lexer';

export interface ParseLimits {
  /** Longest condition text accepted, in characters. */
  maxLength: number;
  /** Deepest nesting of productions (parentheses, `not`, transformers). */
  maxDepth: number;
  /**
   * Also accept a word after `<`, `<=`, `>`, `>=` (the compiler maps it to a number through
   * the field): routing conditions compare an alert's priority by name (`priority >= Warning`).
   * Off for rules, as in Falco.
   */
  namedNumbers?: boolean;
  /**
   * Undotted words that are fields rather than macro names (an alert's `rule`, `priority`,
   * `tags`…). Falco's field names always have a dot; routing conditions over alerts need these.
   */
  bareFieldNames?: ReadonlySet<string>;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxLength: 1 << 20, maxDepth: 1000 };

export interface ParseError {
  code: ErrorCode;
  message: string;
  start: number;
  end: number;
}

export type ParseResult = { ok: true; ast: Expr } | { ok: false; error: ParseError };

/** Thrown inside the parser only; `parseCondition` turns it into a result. */
class ParseFailure extends Error {
  constructor(readonly error: ParseError) {
    super(error.message);
  }
}

export function parseCondition(text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParseResult {
  if (text.length > limits.maxLength) {
    return { ok: false, error: { code: 'SIZE_LIMIT', message: `the condition has ${text.length} characters, more than the limit of ${limits.maxLength}`, start: 0, end: 0 } };
  }
  try {
    return { ok: true, ast: new Parser(text, limits.maxDepth, limits.namedNumbers === true, limits.bareFieldNames).parse() };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, error: error.error };
    if (error instanceof RangeError) {
      // A stack overflow despite the depth limit (a very small stack): still a coded error.
      return { ok: false, error: { code: 'DEPTH_LIMIT', message: 'the condition nests too deeply', start: 0, end: 0 } };
    }
    throw error;
  }
}

const NUM_OPERATORS = OPERATORS_BY_CLASS.num;
const STR_OPERATORS = OPERATORS_BY_CLASS.str;
const LIST_OPERATORS = OPERATORS_BY_CLASS.list;
const UNARY_OPERATORS = OPERATORS_BY_CLASS.unary;
const ALL_OPERATOR_NAMES = [...UNARY_OPERATORS, ...NUM_OPERATORS, ...STR_OPERATORS, ...LIST_OPERATORS];

class Parser {
  private readonly lex: Lexer;
  private depth = 0;
  /** The last token consumed, for "unexpected token after 'x'" messages. */
  private last = '';

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly namedNumbers: boolean,
    private readonly bareFieldNames: ReadonlySet<string> = new Set(),
  ) {
    this.lex = new Lexer(text);
  }

  parse(): Expr {
    this.lex.lexBlank();
    if (this.lex.atEnd) this.fail('EMPTY_CONDITION', 'the condition is empty', 0, 0);
    const expr = this.parseOr();
    this.lex.lexBlank();
    if (!this.lex.atEnd) {
      const at = this.lex.pos;
      if (this.lex.peek() === 41 /* ) */) this.fail('UNBALANCED_PARENTHESES', "this ')' closes no '('", at, at + 1);
      this.fail('UNEXPECTED_TOKEN', `unexpected token after '${this.last}', expecting 'or', 'and'`, at, at + Math.max(1, this.lex.wordLengthHere()));
    }
    return expr;
  }

  // OrExpr ::= AndExpr ( 'or' OrExprTail )*
  private parseOr(): Expr {
    this.enter();
    const start = this.here();
    const operands = [this.parseAnd()];
    this.lex.lexBlank();
    while (this.keyword('or')) {
      operands.push(this.parseOrExprTail('or'));
      this.lex.lexBlank();
    }
    this.leave();
    return operands.length === 1 ? (operands[0] as Expr) : { kind: 'or', operands, start, end: this.endOf(operands) };
  }

  // OrExprTail ::= Blank AndExpr | '(' Expr ')'   (and AndExprTail, the same with NotExpr)
  private parseOrExprTail(keyword: 'or' | 'and'): Expr {
    if (this.lex.lexBlank()) return keyword === 'or' ? this.parseAnd() : this.parseNot();
    const open = this.lex.lexLiteral('(');
    if (open) return this.parseEmbeddedRemainder(open);
    this.expected(`a blank or '(' after '${keyword}'`);
  }

  // AndExpr ::= NotExpr ( 'and' AndExprTail )*
  private parseAnd(): Expr {
    this.enter();
    this.lex.lexBlank();
    const start = this.here();
    const operands = [this.parseNot()];
    this.lex.lexBlank();
    while (this.keyword('and')) {
      operands.push(this.parseOrExprTail('and'));
      this.lex.lexBlank();
    }
    this.leave();
    return operands.length === 1 ? (operands[0] as Expr) : { kind: 'and', operands, start, end: this.endOf(operands) };
  }

  // NotExpr ::= ( 'not' Blank )* NotExprTail
  private parseNot(): Expr {
    this.enter();
    this.lex.lexBlank();
    const start = this.here();
    let negate = false;
    for (;;) {
      const save = this.lex.pos;
      if (this.lex.lexKeyword('not') && this.lex.lexBlank()) {
        negate = !negate;
        this.last = 'not';
        continue;
      }
      this.lex.pos = save;
      break;
    }
    const tail = this.parseNotExprTail();
    if (tail.negated) negate = !negate;
    this.leave();
    return negate ? { kind: 'not', operand: tail.expr, start, end: tail.expr.end } : tail.expr;
  }

  // NotExprTail ::= 'not(' Expr ')' | Check
  private parseNotExprTail(): { expr: Expr; negated: boolean } {
    const open = this.lex.lexLiteral('not(');
    if (open) return { expr: this.parseEmbeddedRemainder({ text: '(', start: open.end - 1, end: open.end }), negated: true };
    return { expr: this.parseCheck(), negated: false };
  }

  /** The rest of `'(' Expr ')'` once `(` is consumed. */
  private parseEmbeddedRemainder(open: Token): Expr {
    this.enter();
    this.last = '(';
    this.lex.lexBlank();
    const inner = this.parseOr();
    this.lex.lexBlank();
    if (!this.lex.lexLiteral(')')) {
      if (this.lex.atEnd) this.fail('UNBALANCED_PARENTHESES', "this '(' is never closed", open.start, open.end);
      this.expected("')'");
    }
    this.last = ')';
    this.leave();
    return inner;
  }

  // Check ::= Field Condition | FieldTransformer Condition | Identifier | '(' Expr ')'
  private parseCheck(): Expr {
    this.enter();
    this.lex.lexBlank();
    const open = this.lex.lexLiteral('(');
    if (open) {
      const inner = this.parseEmbeddedRemainder(open);
      this.leave();
      return inner;
    }
    const transformer = this.tryFieldTransformer();
    if (transformer) {
      const check = this.parseConditionOf(transformer);
      this.leave();
      return check;
    }
    const field = this.tryField();
    if (field) {
      const check = this.parseConditionOf(field);
      this.leave();
      return check;
    }
    const identifier = this.lex.lexIdentifier();
    if (identifier) {
      this.last = identifier.text;
      this.leave();
      return { kind: 'macro', name: identifier.text, start: identifier.start, end: identifier.end };
    }
    if (this.lex.peek() === 41) {
      const at = this.lex.pos;
      this.fail('UNBALANCED_PARENTHESES', "a check was expected here, found ')'", at, at + 1);
    }
    this.expected("a '(' token, a field check, or an identifier");
  }

  // FieldTransformer ::= TransformerType FieldTransformerArg ')'
  private tryFieldTransformer(): TransformerRef | undefined {
    for (const name of TRANSFORMERS) {
      const open = this.lex.lexLiteral(`${name}(`);
      if (!open) continue;
      this.enter();
      this.lex.lexBlank();
      const operand = this.parseFieldTransformerArg();
      this.lex.lexBlank();
      const close = this.lex.lexLiteral(')');
      if (!close) {
        if (this.lex.atEnd) this.fail('UNBALANCED_PARENTHESES', `this '${name}(' is never closed`, open.start, open.end);
        this.expected("')'");
      }
      this.leave();
      this.last = ')';
      return { kind: 'transformer', name: name, operand, start: open.start, end: close.end };
    }
    return undefined;
  }

  // FieldTransformerArg ::= FieldTransformer | Field
  private parseFieldTransformerArg(): FieldOperand {
    const nested = this.tryFieldTransformer();
    if (nested) return nested;
    const field = this.tryField();
    if (field) return field;
    this.expected('a field or a transformer');
  }

  // Field ::= FieldName ( '[' FieldArg ']' )?
  private tryField(): FieldRef | undefined {
    const name = this.lex.lexFieldName() ?? this.tryBareFieldName();
    if (!name) return undefined;
    this.last = name.text;
    if (!this.lex.lexLiteral('[')) return { kind: 'field', name: name.text, start: name.start, end: name.end };
    // FieldArg ::= QuotedStr | FieldArgBareStr
    const argStart = this.lex.pos;
    const quoted = this.lex.lexQuotedStr();
    let arg: Token | undefined;
    if (quoted && isQuotedProblem(quoted)) this.fail(quoted.kind === 'escape' ? 'INVALID_ESCAPE' : 'UNTERMINATED_STRING', quoted.message, quoted.start, quoted.end);
    else arg = quoted ?? this.lex.lexFieldArgBareStr();
    // At the very end there is no character to point at: an empty span there (as for UNEXPECTED_END).
    if (!arg) this.fail('INVALID_FIELD_ARGUMENT', 'expected a valid field argument: a quoted string or a bare string', argStart, Math.min(argStart + 1, this.text.length));
    const close = this.lex.lexLiteral(']');
    if (!close) {
      if (this.lex.atEnd) this.fail('UNBALANCED_PARENTHESES', "this '[' is never closed", argStart - 1, argStart);
      this.expected("']'");
    }
    this.last = ']';
    return { kind: 'field', name: name.text, arg: arg.text, argSpan: { start: arg.start, end: arg.end }, start: name.start, end: close.end };
  }

  private tryBareFieldName(): Token | undefined {
    if (this.bareFieldNames.size === 0) return undefined;
    const start = this.lex.pos;
    const word = this.lex.lexIdentifier();
    if (word !== undefined && this.bareFieldNames.has(word.text)) return word;
    this.lex.pos = start;
    return undefined;
  }

  // Condition ::= UnaryOperator | NumOperator (NumValue | ...) | StrOperator (StrValue | ...) | ListOperator (ListValue | ...)
  private parseConditionOf(field: FieldOperand): CheckExpr {
    this.lex.lexBlank();
    const at = this.lex.pos;
    const unary = this.operator(UNARY_OPERATORS);
    if (unary) return { kind: 'check', field, operator: unary.text, operatorSpan: unary, start: field.start, end: unary.end };
    const num = this.operator(NUM_OPERATORS);
    if (num) {
      const value = this.tryFieldTransformerOrVal() ?? this.parseNumValue();
      return this.check(field, num, value);
    }
    const str = this.operator(STR_OPERATORS);
    if (str) {
      const value = this.tryFieldTransformerOrVal() ?? this.parseStrValue();
      return this.check(field, str, value);
    }
    const list = this.operator(LIST_OPERATORS);
    if (list) {
      const value = this.tryFieldTransformerOrVal() ?? this.parseListValue();
      return this.check(field, list, value);
    }
    if (this.lex.atEnd) this.fail('UNEXPECTED_END', `the condition ends after '${this.last}': expected an operator`, at, at);
    const word = this.lex.wordLengthHere();
    const found = this.text.slice(at, at + Math.max(1, word));
    this.fail('UNKNOWN_OPERATOR', `'${found}' is not an operator: expected one of ${ALL_OPERATOR_NAMES.map((o) => `'${o}'`).join(', ')}`, at, at + Math.max(1, word));
  }

  private check(field: FieldOperand, operator: Token, value: ValueOperand): CheckExpr {
    return { kind: 'check', field, operator: operator.text, operatorSpan: { start: operator.start, end: operator.end }, value, start: field.start, end: value.end };
  }

  // FieldTransformerOrVal ::= FieldTransformer | 'val(' Field ')'
  private tryFieldTransformerOrVal(): ValueOperand | undefined {
    this.lex.lexBlank();
    const open = this.lex.lexLiteral('val(');
    if (open) {
      this.lex.lexBlank();
      const field = this.tryField();
      if (!field) this.expected('a field');
      this.lex.lexBlank();
      const close = this.lex.lexLiteral(')');
      if (!close) {
        if (this.lex.atEnd) this.fail('UNBALANCED_PARENTHESES', "this 'val(' is never closed", open.start, open.end);
        this.expected("')'");
      }
      this.last = ')';
      return { kind: 'fieldvalue', field, start: open.start, end: close.end };
    }
    const transformer = this.tryFieldTransformer();
    return transformer ? { kind: 'fieldvalue', field: transformer, start: transformer.start, end: transformer.end } : undefined;
  }

  // NumValue ::= HexNumber | Number
  private parseNumValue(): StringValue {
    this.lex.lexBlank();
    const token = this.lex.lexHexNumber() ?? this.lex.lexNumber() ?? (this.namedNumbers ? this.lex.lexBareStr() : undefined);
    if (!token) this.expected('a number value');
    this.last = token.text;
    return { kind: 'value', text: token.text, quoted: false, start: token.start, end: token.end };
  }

  // StrValue ::= QuotedStr | BareStr
  private parseStrValue(): StringValue {
    this.lex.lexBlank();
    const quoted = this.lex.lexQuotedStr();
    if (quoted) {
      if (isQuotedProblem(quoted)) this.fail(quoted.kind === 'escape' ? 'INVALID_ESCAPE' : 'UNTERMINATED_STRING', quoted.message, quoted.start, quoted.end);
      this.last = this.text.slice(quoted.start, quoted.end);
      return { kind: 'value', text: quoted.text, quoted: true, start: quoted.start, end: quoted.end };
    }
    const bare = this.lex.lexBareStr();
    if (!bare) this.expected('a string value');
    this.last = bare.text;
    return { kind: 'value', text: bare.text, quoted: false, start: bare.start, end: bare.end };
  }

  // ListValue ::= '(' ( StrValue ( ',' StrValue )* )? ')' | Identifier
  private parseListValue(): ListValue | ListNameRef {
    this.enter();
    this.lex.lexBlank();
    const open = this.lex.lexLiteral('(');
    if (open) {
      const items: StringValue[] = [];
      this.lex.lexBlank();
      if (this.lex.peek() !== 41 /* ) */) {
        items.push(this.parseStrValue());
        this.lex.lexBlank();
        while (this.lex.lexLiteral(',')) {
          items.push(this.parseStrValue());
          this.lex.lexBlank();
        }
      }
      const close = this.lex.lexLiteral(')');
      if (!close) {
        if (this.lex.atEnd) this.fail('UNBALANCED_PARENTHESES', "this '(' is never closed", open.start, open.end);
        this.expected("',' or ')'");
      }
      this.last = ')';
      this.leave();
      return { kind: 'list', items, start: open.start, end: close.end };
    }
    const identifier = this.lex.lexIdentifier();
    if (identifier) {
      this.last = identifier.text;
      this.leave();
      return { kind: 'listref', name: identifier.text, start: identifier.start, end: identifier.end };
    }
    this.expected('a list or an identifier');
  }

  /** Reads one of `names` (longest first); word operators need a word boundary after them. */
  private operator(names: readonly string[]): Token | undefined {
    for (const name of names) {
      const token = /^[a-z]/.test(name) ? this.lex.lexKeyword(name) : this.lex.lexLiteral(name);
      if (token) {
        this.last = name;
        return token;
      }
    }
    return undefined;
  }

  private keyword(word: string): boolean {
    if (!this.lex.lexKeyword(word)) return false;
    this.last = word;
    return true;
  }

  private here(): number {
    return this.lex.pos;
  }

  private endOf(operands: readonly Span[]): number {
    return operands[operands.length - 1]?.end ?? this.lex.pos;
  }

  private enter(): void {
    if (++this.depth >= this.maxDepth) {
      const at = this.lex.pos;
      this.fail('DEPTH_LIMIT', `the condition exceeds the maximum nesting depth of ${this.maxDepth}`, at, at + 1);
    }
  }

  private leave(): void {
    this.depth--;
  }

  private expected(what: string): never {
    this.lex.lexBlank();
    const at = this.lex.pos;
    if (this.lex.atEnd) this.fail('UNEXPECTED_END', `the condition ends after '${this.last}': expected ${what}`, at, at);
    const quoted = this.lex.lexQuotedStr();
    if (quoted && isQuotedProblem(quoted) && quoted.kind === 'unterminated') this.fail('UNTERMINATED_STRING', quoted.message, quoted.start, quoted.end);
    this.lex.pos = at;
    const length = Math.max(1, this.lex.wordLengthHere());
    this.fail('UNEXPECTED_TOKEN', `expected ${what} after '${this.last}', found '${this.text.slice(at, at + length)}'`, at, at + length);
  }

  private fail(code: ErrorCode, message: string, start: number, end: number): never {
    throw new ParseFailure({ code, message, start, end });
  }
}
