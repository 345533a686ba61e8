/**
 * JSON access as the Go plugins do it with fastjson: `get` walks object keys and, on arrays,
 * numeric indexes; `asString` renders strings as they are and anything else as compact JSON.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function child(value: unknown, key: string): unknown {
  if (Array.isArray(value)) {
    if (!/^(0|[1-9]\d*)$/.test(key)) return undefined;
    return value[Number(key)];
  }
  if (isObject(value)) return Object.hasOwn(value, key) ? value[key] : undefined;
  return undefined;
}

export function get(value: unknown, keys: readonly string[]): unknown {
  let current = value;
  for (const key of keys) {
    current = child(current, key);
    if (current === undefined) return undefined;
  }
  return current;
}

/** undefined stays undefined (not available); strings as is; everything else compact JSON. */
export function asString(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  // Same text as JSON for numbers and booleans, without the serializer's setup cost.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return toJson(value);
}

/**
 * A number kept exactly by an int64-safe parser (lossless-json's LosslessNumber: an object
 * with `isLosslessNumber: true` and the digits in `value`).
 */
function exactNumberText(value: object): string | undefined {
  const candidate = value as { isLosslessNumber?: unknown; value?: unknown };
  return candidate.isLosslessNumber === true && typeof candidate.value === 'string' ? candidate.value : undefined;
}

/**
 * JSON text of a parsed value. Plain JSON.parse output goes through JSON.stringify; values from
 * an int64-safe parser (bigint, LosslessNumber) are written with their exact digits, never as
 * objects or errors.
 */
export function toJson(value: unknown, indent = ''): string {
  try {
    if (!hasExactNumbers(value, 0)) return JSON.stringify(value, null, indent) ?? 'null';
  } catch {
    // A bigint or something else JSON.stringify refuses: the careful path below.
  }
  return writeJson(value, indent, '');
}

function hasExactNumbers(value: unknown, depth: number): boolean {
  if (typeof value === 'bigint') return true;
  if (typeof value !== 'object' || value === null || depth > 64) return false;
  if (exactNumberText(value) !== undefined) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) if (hasExactNumbers(child, depth + 1)) return true;
  return false;
}

function writeJson(value: unknown, indent: string, current: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object': {
      if (value === null) return 'null';
      const exact = exactNumberText(value);
      if (exact !== undefined) return exact;
      const inner = current + indent;
      const open = indent === '' ? '' : `\n${inner}`;
      const close = indent === '' ? '' : `\n${current}`;
      const separator = indent === '' ? ',' : `,\n${inner}`;
      if (Array.isArray(value)) {
        if (value.length === 0) return '[]';
        return `[${open}${value.map((item) => (item === undefined ? 'null' : writeJson(item, indent, inner))).join(separator)}${close}]`;
      }
      const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
      if (entries.length === 0) return '{}';
      const colon = indent === '' ? ':' : ': ';
      return `{${open}${entries.map(([k, v]) => `${JSON.stringify(k)}${colon}${writeJson(v, indent, inner)}`).join(separator)}${close}}`;
    }
    default:
      return 'null';
  }
}

/** An array's elements as strings (missing elements skipped); undefined when not an array. */
export function asStringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (const item of value) {
    const text = asString(item);
    if (text !== undefined) out.push(text);
  }
  return out;
}

/**
 * RFC 6901 JSON pointer, as the json plugin reads it: an optional leading `/`, then keys split
 * on `/` with `~1` → `/` and `~0` → `~`.
 */
export function parsePointer(pointer: string): string[] {
  const body = pointer.startsWith('/') ? pointer.slice(1) : pointer;
  return body.split('/').map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
}
