import { isLosslessNumber } from 'lossless-json';

/**
 * A JSON writer that produces the same bytes as Go's `encoding/json` (what falcosidekick uses),
 * so our payloads are byte-compatible with its requests:
 *
 * - Go maps are written with their keys sorted (byte order of UTF-8); Go structs keep their
 *   declaration order. Here a plain object is a map (sorted) and a {@link GoStruct} is a struct.
 * - Strings are HTML-safe: `<`, `>`, `&`, U+2028 and U+2029 become `\u003c`, `\u003e`, `\u0026`,
 *   `\u2028`, `\u2029`; control characters use `\b \f \n \r \t` or `\u00XX` (Go ≥ 1.22); a lone
 *   surrogate (invalid UTF-8 in Go) becomes `\ufffd`.
 * - Numbers decoded losslessly (`LosslessNumber`, as Go's `json.Number`) are written verbatim,
 *   so int64 values such as `evt.time` above 2^53 survive.
 *
 * `undefined` struct fields are omitted (that is how callers express Go's `omitempty`).
 */
export class GoStruct {
  readonly fields: ReadonlyArray<readonly [string, unknown]>;
  constructor(fields: Record<string, unknown>) {
    this.fields = Object.entries(fields).filter(([, v]) => v !== undefined);
  }
}

/** Marks an ordered object (a Go struct). Fields whose value is `undefined` are omitted. */
export function goStruct(fields: Record<string, unknown>): GoStruct {
  return new GoStruct(fields);
}

/** Go's `json.Marshal`: no trailing newline. */
export function goMarshal(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

/** Go's `json.NewEncoder(w).Encode(v)`: the same bytes followed by a newline. */
export function goEncode(value: unknown): string {
  return `${goMarshal(value)}\n`;
}

const utf8 = new TextEncoder();

/**
 * Go sorts map keys with `<` on strings, i.e. by UTF-8 bytes: code point order. UTF-16 code
 * units follow it until a surrogate is involved (a code point above U+FFFF sorts below
 * U+E000–U+FFFF in UTF-16), so the first differing unit decides, and only a difference at a
 * surrogate is settled on the UTF-8 bytes (a lone one encodes as U+FFFD, as Go reads it).
 * Encoding every pair cost most of a webhook body's time.
 */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) return Buffer.compare(Buffer.from(utf8.encode(a)), Buffer.from(utf8.encode(b)));
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Go's `sort.Strings`, returning a sorted copy. */
export function goSortStrings(values: readonly string[]): string[] {
  return [...values].sort(compareGoStrings);
}

function write(value: unknown, out: string[]): void {
  if (value === null || value === undefined) {
    out.push('null');
  } else if (typeof value === 'string') {
    out.push(quoteGoString(value));
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (typeof value === 'number') {
    out.push(formatGoFloat(value));
  } else if (typeof value === 'bigint') {
    out.push(value.toString());
  } else if (isLosslessNumber(value)) {
    out.push(value.value);
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, out);
    });
    out.push(']');
  } else if (value instanceof GoStruct) {
    writeObject(value.fields, out);
  } else if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      // A map entry holding `undefined` does not exist in Go.
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareGoStrings(a, b));
    writeObject(entries, out);
  } else {
    // Functions and symbols have no JSON form; Go would refuse to marshal them.
    out.push('null');
  }
}

function writeObject(entries: ReadonlyArray<readonly [string, unknown]>, out: string[]): void {
  out.push('{');
  entries.forEach(([key, v], i) => {
    if (i > 0) out.push(',');
    out.push(quoteGoString(key), ':');
    write(v, out);
  });
  out.push('}');
}

/**
 * Go's encoding/json writes a float64 in `%f` form for 1e-6 ≤ |n| < 1e21 and in shortest `%e`
 * form otherwise, then rewrites `e-07` to `e-7`. That is exactly what JS `String(n)` produces,
 * except for negative zero, which Go keeps as `-0`.
 */
function formatGoFloat(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

const hex = '0123456789abcdef';
const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

export function quoteGoString(s: string): string {
  let result = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let replacement: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c) {
      replacement = SHORT_ESCAPES[c] ?? `\\u00${hex[c >> 4]}${hex[c & 0xf]}`;
    } else if (c === 0x3c || c === 0x3e || c === 0x26) {
      replacement = `\\u00${hex[c >> 4]}${hex[c & 0xf]}`;
    } else if (c === 0x2028 || c === 0x2029) {
      replacement = `\\u${c.toString(16)}`;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair: written as is
        continue;
      }
      replacement = '\\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      replacement = '\\ufffd';
    }
    if (replacement !== undefined) {
      result += s.slice(start, i) + replacement;
      start = i + 1;
    }
  }
  return `${result}${s.slice(start)}"`;
}
