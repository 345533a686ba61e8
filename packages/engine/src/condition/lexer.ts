import type { Position } from '../errors';

/**
 * The condition lexer. Falco's language is context sensitive at the token level (`/healthz?`
 * is one bare string after `=`, `cluster-admin` is a value while `kevt` is an identifier), so
 * instead of a token stream the parser asks for the token class it expects at the cursor, as
 * libsinsp's parser does. Every read either consumes input and returns a token, or consumes
 * nothing and returns undefined; it never throws.
 */

export interface Token {
  text: string;
  position: Position;
  /** Offset just past the token. */
  end: number;
}

export interface QuotedToken extends Token {
  /** True when the closing quote was missing (the token runs to the end of the text). */
  unterminated: boolean;
}

export interface NameToken extends Token {
  /** Field argument between brackets, when present. */
  argument?: string;
  argumentPosition?: Position;
  /** True when `[` was opened and never closed. */
  unterminatedArgument: boolean;
}

/** Character codes the lexer compares against. */
const Char = {
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
  Comma: 44,
  Dot: 46,
  Equals: 61,
  OpenBracket: 91,
  Backslash: 92,
  CloseBracket: 93,
  Underscore: 95,
} as const;

function isSpace(c: number): boolean {
  return c === Char.Space || (c >= Char.Tab && c <= Char.CarriageReturn);
}
function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isNameChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === Char.Underscore;
}
/** Characters that may follow a keyword or word operator (a word boundary). */
export function isWordBoundary(c: number): boolean {
  return Number.isNaN(c) || isSpace(c) || c === Char.OpenParen || c === Char.CloseParen || c === Char.DoubleQuote || c === Char.SingleQuote;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };

export class Lexer {
  private cursor = 0;
  /** Offsets of line starts, for converting offsets to line/column in O(log n). */
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === Char.LineFeed) this.lineStarts.push(i + 1);
  }

  get offset(): number {
    return this.cursor;
  }

  positionOf(offset: number): Position {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { offset, line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1 };
  }

  /** Position of the next significant character (after whitespace). */
  here(): Position {
    this.skipSpace();
    return this.positionOf(this.cursor);
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.cursor >= this.text.length;
  }

  skipSpace(): void {
    while (this.cursor < this.text.length && isSpace(this.text.charCodeAt(this.cursor))) this.cursor++;
  }

  peekChar(): number {
    this.skipSpace();
    return this.text.charCodeAt(this.cursor);
  }

  /** Consumes one of the punctuation characters `(`, `)`, `,`. */
  readPunctuation(char: '(' | ')' | ','): Token | undefined {
    this.skipSpace();
    if (this.text[this.cursor] !== char) return undefined;
    const start = this.cursor++;
    return { text: char, position: this.positionOf(start), end: this.cursor };
  }

  /** Consumes `word` when it appears as a whole word (keywords: and, or, not; word operators). */
  readKeyword(word: string): Token | undefined {
    this.skipSpace();
    const start = this.cursor;
    if (!this.text.startsWith(word, start)) return undefined;
    if (!isWordBoundary(this.text.charCodeAt(start + word.length))) return undefined;
    this.cursor += word.length;
    return { text: word, position: this.positionOf(start), end: this.cursor };
  }

  /** Consumes the longest of `symbols` found at the cursor (symbolic operators). */
  readSymbol(symbols: readonly string[]): Token | undefined {
    this.skipSpace();
    const start = this.cursor;
    for (const symbol of symbols) {
      if (this.text.startsWith(symbol, start)) {
        this.cursor += symbol.length;
        return { text: symbol, position: this.positionOf(start), end: this.cursor };
      }
    }
    return undefined;
  }

  /** Reads a run of letters without consuming it (to name an unknown operator in errors). */
  peekWord(): Token | undefined {
    this.skipSpace();
    let end = this.cursor;
    while (end < this.text.length && isNameChar(this.text.charCodeAt(end))) end++;
    if (end === this.cursor) return undefined;
    return { text: this.text.slice(this.cursor, end), position: this.positionOf(this.cursor), end };
  }

  /**
   * A field name (`ka.req.pod.containers.image[0]`) or an identifier (`kevt`):
   * `letter { letter | digit | _ } { "." { letter | digit | _ | - } } [ "[" argument "]" ]`.
   */
  readName(): NameToken | undefined {
    this.skipSpace();
    const start = this.cursor;
    const first = this.text.charCodeAt(start);
    if (!isLetter(first) && first !== Char.Underscore) return undefined;
    let end = start + 1;
    while (end < this.text.length) {
      const c = this.text.charCodeAt(end);
      if (isNameChar(c)) end++;
      else if (c === Char.Dot && isNameChar(this.text.charCodeAt(end + 1))) end += 2;
      else break;
    }
    const token: NameToken = { text: this.text.slice(start, end), position: this.positionOf(start), end, unterminatedArgument: false };
    if (this.text.charCodeAt(end) === Char.OpenBracket) {
      const close = this.text.indexOf(']', end + 1);
      if (close < 0) {
        token.unterminatedArgument = true;
        token.argument = this.text.slice(end + 1);
        token.argumentPosition = this.positionOf(end);
        end = this.text.length;
      } else {
        token.argument = this.text.slice(end + 1, close);
        token.argumentPosition = this.positionOf(end + 1);
        end = close + 1;
      }
    }
    token.end = end;
    this.cursor = end;
    return token;
  }

  /** A single- or double-quoted string with backslash escapes. */
  readQuoted(): QuotedToken | undefined {
    this.skipSpace();
    const start = this.cursor;
    const quote = this.text.charCodeAt(start);
    if (quote !== Char.DoubleQuote && quote !== Char.SingleQuote) return undefined;
    let value = '';
    let i = start + 1;
    let segmentStart = i;
    while (i < this.text.length) {
      const c = this.text.charCodeAt(i);
      if (c === quote) {
        value += this.text.slice(segmentStart, i);
        this.cursor = i + 1;
        return { text: value, position: this.positionOf(start), end: this.cursor, unterminated: false };
      }
      if (c === Char.Backslash && i + 1 < this.text.length) {
        value += this.text.slice(segmentStart, i);
        const escaped = this.text[i + 1] ?? '';
        // Unknown escapes keep the escaped character, as libsinsp does for \" and \\.
        value += ESCAPES[escaped] ?? escaped;
        i += 2;
        segmentStart = i;
        continue;
      }
      i++;
    }
    this.cursor = this.text.length;
    return { text: value + this.text.slice(segmentStart), position: this.positionOf(start), end: this.cursor, unterminated: true };
  }

  /**
   * An unquoted value: everything up to whitespace, a parenthesis, a comma, a quote and (after a
   * binary operator, not inside lists) `=`.
   */
  readBare(stopAtEquals: boolean): Token | undefined {
    this.skipSpace();
    const start = this.cursor;
    let end = start;
    while (end < this.text.length) {
      const c = this.text.charCodeAt(end);
      if (isSpace(c) || c === Char.OpenParen || c === Char.CloseParen || c === Char.Comma || c === Char.DoubleQuote || c === Char.SingleQuote) break;
      if (stopAtEquals && c === Char.Equals) break;
      end++;
    }
    if (end === start) return undefined;
    this.cursor = end;
    return { text: this.text.slice(start, end), position: this.positionOf(start), end };
  }
}
