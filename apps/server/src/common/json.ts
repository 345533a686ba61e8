import { LosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { PeregrineError } from './errors';

/** JSON text nested deeper than this is refused: Falco alerts are two or three levels deep. */
export const MAX_JSON_DEPTH = 64;

export type JsonValue = string | number | boolean | null | LosslessNumber | JsonValue[] | { [key: string]: JsonValue };

/**
 * Parses JSON so that every number comes back out digit for digit (Falco's int64 `evt.time`
 * exceeds 2^53). One linear pre-scan checks nesting depth and finds numbers that a double
 * would alter; only bodies that have one take the slower lossless parser, and only those
 * numbers become `LosslessNumber`s, so the common case costs one `JSON.parse`.
 */
export function parseJson(text: string): JsonValue {
  const scan = scanJson(text);
  if (scan.maxDepth > MAX_JSON_DEPTH) {
    throw new PeregrineError('BODY_TOO_DEEP', `JSON nesting deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    if (!scan.hasInexactNumber) return JSON.parse(text) as JsonValue;
    return parseLossless(text, null, keepNumberExact) as JsonValue;
  } catch (error) {
    throw new PeregrineError('BODY_NOT_JSON', `body is not valid JSON: ${describeParseError(error)}`);
  }
}

/** Serialises with numbers exactly as parsed. */
export function stringifyJson(value: unknown): string {
  const text = stringifyLossless(value);
  if (text === undefined) throw new TypeError('value cannot be serialised as JSON');
  return text;
}

function keepNumberExact(token: string): number | LosslessNumber {
  return roundTrips(token) ? Number(token) : new LosslessNumber(token);
}

function roundTrips(token: string): boolean {
  return String(Number(token)) === token;
}

interface JsonScan {
  maxDepth: number;
  hasInexactNumber: boolean;
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
  let hasInexactNumber = false;
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
    } else if (!hasInexactNumber && ((c >= 0x30 && c <= 0x39) || c === MINUS)) {
      const start = i;
      while (i + 1 < length && isNumberChar(text.charCodeAt(i + 1))) i++;
      const token = text.slice(start, i + 1);
      // Short plain integers are always exact; only look closer at the rest.
      if (token.length > 15 || !/^-?\d+$/.test(token)) hasInexactNumber = !roundTrips(token);
    }
  }
  return { maxDepth, hasInexactNumber };
}

function describeParseError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export { LosslessNumber };
