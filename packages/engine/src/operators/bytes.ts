import type { Operator, ScalarTest } from './operator';
import { stringOnly } from './operator';

/**
 * `bcontains` and `bstartswith` take their operand as hexadecimal bytes (`bcontains 2f6574`) and
 * compare it with the UTF-8 bytes of the value.
 */
function parseHex(text: string): Uint8Array | undefined {
  const hex = text.replace(/\s+/g, '');
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

const encoder = new TextEncoder();

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, anchored: boolean): boolean {
  const last = anchored ? 0 : haystack.length - needle.length;
  outer: for (let start = 0; start <= last; start++) {
    for (let i = 0; i < needle.length; i++) if (haystack[start + i] !== needle[i]) continue outer;
    return true;
  }
  return false;
}

function bytesOperator(name: 'bcontains' | 'bstartswith', anchored: boolean): Operator {
  return {
    name,
    arity: 'binary',
    description: anchored ? 'the value bytes start with the hex bytes' : 'the value bytes contain the hex bytes',
    supports: stringOnly,
    compile: ([operand]): ScalarTest | { error: string } => {
      const needle = parseHex(String(operand));
      if (needle === undefined) return { error: `'${String(operand)}' is not an even-length hexadecimal byte string` };
      return (value) => typeof value === 'string' && value.length * 3 >= needle.length && indexOfBytes(encoder.encode(value), needle, anchored);
    },
  };
}

export const bcontainsOperator = bytesOperator('bcontains', false);
export const bstartswithOperator = bytesOperator('bstartswith', true);
