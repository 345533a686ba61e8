/**
 * The condition lexer. Falco's language is context sensitive at the token level (`/healthz?` is
 * one bare string after `=`, `cluster-admin` is a value while `kevt` is an identifier), so
 * instead of a token stream the parser asks for the token class it expects at the cursor, as
 * libsinsp's parser does. Every `lex*` method either consumes input and returns the token, or
 * consumes nothing and returns undefined. Token classes (libsinsp's regular expressions):
 *
 *   Identifier      [a-zA-Z]+[a-zA-Z0-9_]*
 *   FieldName       [a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+
 *   FieldArgBareStr [^ \b\t\n\r\[\]"']+
 *   HexNumber       0[xX][0-9a-zA-Z]+
 *   Number          [+\-]?[0-9]+[\.]?[0-9]*([eE][+\-][0-9]+)?
 *   QuotedStr       "(?:\\"|.)*?"|'(?:\\'|.)*?'
 *   BareStr         [^ \b\t\n\r\(\),="']+
 *
 * All scanning is done with charCodeAt loops: no regular expression runs over rule text, so a
 * 10 MB condition is read in linear time.
 */

export interface Token {
  text: string;
  start: number;
  end: number;
}

/** Why a quoted string could not be read; the parser turns it into a coded error. */
export interface QuotedProblem {
  kind: 'unterminated' | 'escape';
  message: string;
  start: number;
  end: number;
}

/** Character codes the lexer compares against. */
const C = {
  Backspace: 8,
  Tab: 9,
  LineFeed: 10,
  VerticalTab: 11,
  FormFeed: 12,
  CarriageReturn: 13,
  Space: 32,
  DoubleQuote: 34,
  SingleQuote: 39,
  OpenParen: 40,
  CloseParen: 41,
  Plus: 43,
  Comma: 44,
  Minus: 45,
  Dot: 46,
  Slash: 47,
  Zero: 48,
  Nine: 57,
  Equals: 61,
  UpperE: 69,
  UpperX: 88,
  OpenBracket: 91,
  Backslash: 92,
  CloseBracket: 93,
  Underscore: 95,
  LowerE: 101,
  LowerX: 120,
} as const;

export function isBlank(c: number): boolean {
  return c === C.Space || (c >= C.Backspace && c <= C.CarriageReturn);
}
function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isDigit(c: number): boolean {
  return c >= C.Zero && c <= C.Nine;
}
function isWordChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === C.Underscore;
}
function isBareStrChar(c: number): boolean {
  return !(Number.isNaN(c) || isBlank(c) || c === C.OpenParen || c === C.CloseParen || c === C.Comma || c === C.Equals || c === C.DoubleQuote || c === C.SingleQuote);
}
function isFieldArgBareChar(c: number): boolean {
  return !(Number.isNaN(c) || isBlank(c) || c === C.OpenBracket || c === C.CloseBracket || c === C.DoubleQuote || c === C.SingleQuote);
}

export class Lexer {
  pos = 0;

  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(offset = 0): number {
    return this.text.charCodeAt(this.pos + offset);
  }

  /** Skips blanks; true when at least one was consumed (some productions require a blank). */
  lexBlank(): boolean {
    const start = this.pos;
    while (this.pos < this.text.length && isBlank(this.text.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  /** Consumes `literal` exactly (punctuation, `not(`). */
  lexLiteral(literal: string): Token | undefined {
    if (!this.text.startsWith(literal, this.pos)) return undefined;
    const start = this.pos;
    this.pos += literal.length;
    return { text: literal, start, end: this.pos };
  }

  /**
   * Consumes the keyword `word` (and, or, not, word operators) only when what follows cannot
   * continue a word, so `notable` is not `not` + `able` and `inx` is not `in`.
   */
  lexKeyword(word: string): Token | undefined {
    if (!this.text.startsWith(word, this.pos) || isWordChar(this.text.charCodeAt(this.pos + word.length))) return undefined;
    return this.lexLiteral(word);
  }

  /** Length of the word (letters, digits, underscore) at the cursor, without consuming it. */
  wordLengthHere(): number {
    let end = this.pos;
    while (end < this.text.length && isWordChar(this.text.charCodeAt(end))) end++;
    return end - this.pos;
  }

  lexIdentifier(): Token | undefined {
    const start = this.pos;
    if (!isLetter(this.text.charCodeAt(start))) return undefined;
    let end = start + 1;
    while (end < this.text.length && isWordChar(this.text.charCodeAt(end))) end++;
    this.pos = end;
    return { text: this.text.slice(start, end), start, end };
  }

  /** A dotted field name; needs at least one dot, each segment starting with a letter. */
  lexFieldName(): Token | undefined {
    const start = this.pos;
    if (!isLetter(this.text.charCodeAt(start))) return undefined;
    let end = start + 1;
    let segments = 1;
    for (;;) {
      while (end < this.text.length && isWordChar(this.text.charCodeAt(end))) end++;
      if (this.text.charCodeAt(end) === C.Dot && isLetter(this.text.charCodeAt(end + 1))) {
        end += 2;
        segments++;
      } else break;
    }
    if (segments < 2) return undefined;
    this.pos = end;
    return { text: this.text.slice(start, end), start, end };
  }

  lexFieldArgBareStr(): Token | undefined {
    const start = this.pos;
    let end = start;
    while (end < this.text.length && isFieldArgBareChar(this.text.charCodeAt(end))) end++;
    if (end === start) return undefined;
    this.pos = end;
    return { text: this.text.slice(start, end), start, end };
  }

  lexBareStr(): Token | undefined {
    const start = this.pos;
    let end = start;
    while (end < this.text.length && isBareStrChar(this.text.charCodeAt(end))) end++;
    if (end === start) return undefined;
    this.pos = end;
    return { text: this.text.slice(start, end), start, end };
  }

  lexHexNumber(): Token | undefined {
    const start = this.pos;
    const x = this.text.charCodeAt(start + 1);
    if (this.text.charCodeAt(start) !== C.Zero || (x !== C.LowerX && x !== C.UpperX)) return undefined;
    let end = start + 2;
    while (end < this.text.length && (isLetter(this.text.charCodeAt(end)) || isDigit(this.text.charCodeAt(end)))) end++;
    if (end === start + 2) return undefined;
    this.pos = end;
    return { text: this.text.slice(start, end), start, end };
  }

  lexNumber(): Token | undefined {
    const start = this.pos;
    let end = start;
    const sign = this.text.charCodeAt(end);
    if (sign === C.Plus || sign === C.Minus) end++;
    const digitsStart = end;
    while (isDigit(this.text.charCodeAt(end))) end++;
    if (end === digitsStart) return undefined;
    if (this.text.charCodeAt(end) === C.Dot) {
      end++;
      while (isDigit(this.text.charCodeAt(end))) end++;
    }
    const e = this.text.charCodeAt(end);
    if (e === C.LowerE || e === C.UpperE) {
      const s = this.text.charCodeAt(end + 1);
      if ((s === C.Plus || s === C.Minus) && isDigit(this.text.charCodeAt(end + 2))) {
        end += 2;
        while (isDigit(this.text.charCodeAt(end))) end++;
      }
    }
    this.pos = end;
    return { text: this.text.slice(start, end), start, end };
  }

  /**
   * A single- or double-quoted string, unescaped as libsinsp does: \b \f \n \r \t \\ \/ and the
   * string's own quote; `\ ` yields a backslash (a compatibility quirk libsinsp keeps for old
   * rules); any other escape is an error. Returns a problem instead of throwing.
   */
  lexQuotedStr(): Token | QuotedProblem | undefined {
    const start = this.pos;
    const quote = this.text.charCodeAt(start);
    if (quote !== C.DoubleQuote && quote !== C.SingleQuote) return undefined;
    let value = '';
    let segment = start + 1;
    let i = segment;
    let escapeProblem: QuotedProblem | undefined;
    while (i < this.text.length) {
      const c = this.text.charCodeAt(i);
      if (c === quote) {
        if (escapeProblem) {
          this.pos = i + 1;
          return escapeProblem;
        }
        value += this.text.slice(segment, i);
        this.pos = i + 1;
        return { text: value, start, end: this.pos };
      }
      if (c === C.Backslash) {
        value += this.text.slice(segment, i);
        const next = this.text.charCodeAt(i + 1);
        const decoded = decodeEscape(next, quote);
        if (decoded === undefined && escapeProblem === undefined && i + 1 < this.text.length) {
          escapeProblem = { kind: 'escape', message: `unsupported string escape sequence: \\${this.text[i + 1] ?? ''}`, start: i, end: i + 2 };
        }
        value += decoded ?? '';
        i += 2;
        segment = i;
        continue;
      }
      i++;
    }
    return { kind: 'unterminated', message: 'a quoted string is not closed', start, end: this.text.length };
  }
}

function decodeEscape(c: number, quote: number): string | undefined {
  switch (c) {
    case 98:
      return '\b';
    case 102:
      return '\f';
    case 110:
      return '\n';
    case 114:
      return '\r';
    case 116:
      return '\t';
    case C.Space:
    case C.Backslash:
      return '\\';
    case C.Slash:
      return '/';
    case C.DoubleQuote:
    case C.SingleQuote:
      return c === quote ? String.fromCharCode(c) : undefined;
    default:
      return undefined;
  }
}

export function isQuotedProblem(token: Token | QuotedProblem): token is QuotedProblem {
  return 'kind' in token;
}
