import { randomBytes } from 'node:crypto';
import { isLosslessNumber, LosslessNumber, parse as parseLossless } from 'lossless-json';
import { PeregrineError } from './errors';

/** JSON text nested deeper than this is refused: Falco alerts are two or three levels deep. */
export const MAX_JSON_DEPTH = 64;

export type JsonValue = string | number | boolean | null | LosslessNumber | JsonValue[] | { [key: string]: JsonValue };

/**
 * Parses JSON so that every number comes back out digit for digit (Falco's int64 `evt.time`
 * exceeds 2^53). One linear pre-scan checks nesting depth and finds numbers that a double
 * would alter. Those tokens are quoted with a per-process marker so the native `JSON.parse`
 * still does the work, then turned into `LosslessNumber`s: lossless-json's own parser is
 * several times slower, and this path runs for nearly every Falco alert.
 */
export function parseJson(text: string): JsonValue {
  const scan = scanJson(text);
  if (scan.maxDepth > MAX_JSON_DEPTH) {
    throw new PeregrineError('BODY_TOO_DEEP', `JSON nesting deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    if (scan.inexactNumbers.length === 0) return JSON.parse(text) as JsonValue;
    // A body that already spells U+0000 could collide with the marker: take the slow, exact road.
    if (text.includes('\\u0000')) return parseLossless(text, null, keepNumberExact) as JsonValue;
    return restoreMarkedNumbers(JSON.parse(markNumbers(text, scan.inexactNumbers)) as JsonValue);
  } catch (error) {
    throw new PeregrineError('BODY_NOT_JSON', `body is not valid JSON: ${describeParseError(error)}`);
  }
}

/** Serialises with numbers exactly as parsed. */
export function stringifyJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value cannot be serialised as JSON');
  if (text.includes(MARKER_IN_TEXT)) return text.replace(MARKED_NUMBER_IN_TEXT, '$1');
  // A LosslessNumber made elsewhere (without our toJSON): take the slower replacer road.
  if (text.includes('"isLosslessNumber":true')) return stringifyWithReplacer(value);
  return text;
}

function stringifyWithReplacer(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) => (item !== null && typeof item === 'object' && isLosslessNumber(item) ? `${NUMBER_MARKER}${item.value}` : item));
  return (text ?? '').replace(MARKED_NUMBER_IN_TEXT, '$1');
}

/**
 * The numbers our parser keeps exact. `toJSON` lets the native `JSON.stringify` write them
 * without a replacer function (a replacer runs for every value and costs more than the rest
 * of the serialisation).
 */
export class ExactNumber extends LosslessNumber {
  toJSON(): string {
    return `${NUMBER_MARKER}${this.value}`;
  }
}

/** Unguessable per process, so no received string can pass for a marked number. */
const NUMBER_MARKER = `\u0000${randomBytes(6).toString('hex')}:`;
const MARKER_IN_TEXT = `\\u0000${NUMBER_MARKER.slice(1)}`;
const MARKED_NUMBER_IN_TEXT = new RegExp(`"\\\\u0000${NUMBER_MARKER.slice(1)}(-?[0-9][0-9.eE+-]*)"`, 'g');

function markNumbers(text: string, tokens: readonly NumberToken[]): string {
  let result = '';
  let cursor = 0;
  for (const token of tokens) {
    result += `${text.slice(cursor, token.start)}"\\u0000${NUMBER_MARKER.slice(1)}${text.slice(token.start, token.end)}"`;
    cursor = token.end;
  }
  return result + text.slice(cursor);
}

function restoreMarkedNumbers(value: JsonValue): JsonValue {
  if (typeof value === 'string') return value.startsWith(NUMBER_MARKER) ? new ExactNumber(value.slice(NUMBER_MARKER.length)) : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreMarkedNumbers(value[i] as JsonValue);
    return value;
  }
  if (isLosslessNumber(value)) return value;
  for (const key of Object.keys(value)) value[key] = restoreMarkedNumbers(value[key] as JsonValue);
  return value;
}

function keepNumberExact(token: string): number | LosslessNumber {
  return roundTrips(token) ? Number(token) : new ExactNumber(token);
}

function roundTrips(token: string): boolean {
  return String(Number(token)) === token;
}

interface NumberToken {
  start: number;
  end: number;
}

interface JsonScan {
  maxDepth: number;
  inexactNumbers: NumberToken[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;

function isNumberChar(c: number): boolean {
  // digits, '.', 'e', 'E', '+', '-'
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;
}

function scanJson(text: string): JsonScan {
  let depth = 0;
  let maxDepth = 0;
  const inexactNumbers: NumberToken[] = [];
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string; escapes may hide quotes.
      i++;
      while (i < length) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i += 2;
        else if (s === QUOTE) break;
        else i++;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > maxDepth) maxDepth = depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if ((c >= 0x30 && c <= 0x39) || c === MINUS) {
      const start = i;
      while (i + 1 < length && isNumberChar(text.charCodeAt(i + 1))) i++;
      // Short plain integers are always exact; only look closer at the rest.
      if (i + 1 - start > 15 || !isPlainInteger(text, start, i + 1)) {
        const token = text.slice(start, i + 1);
        if (!roundTrips(token)) inexactNumbers.push({ start, end: i + 1 });
      }
    }
  }
  return { maxDepth, inexactNumbers };
}

function isPlainInteger(text: string, start: number, end: number): boolean {
  for (let i = text.charCodeAt(start) === MINUS ? start + 1 : start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function describeParseError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export { isLosslessNumber, LosslessNumber };
