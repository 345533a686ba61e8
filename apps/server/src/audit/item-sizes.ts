const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const ITEMS_KEY = Buffer.from('"items"');

/**
 * Byte sizes of the events in a JSON body already known to be valid: the elements of the
 * top-level `items` array of an object (an EventList; the last `items` wins, as in JSON.parse),
 * or of a top-level array; a lone object is one element. One pass over the bytes, no
 * allocation per event: re-serialising every event to measure it cost as much as parsing.
 */
export function itemSizes(body: Uint8Array): number[] {
  let start = 0;
  while (start < body.length && isBlank(body[start] as number)) start++;
  const first = body[start];
  if (first === OPEN_ARRAY) return elementSizes(body, start).sizes;
  if (first !== OPEN_OBJECT) return [];
  let sizes: number[] | undefined;
  let depth = 0;
  let lastKeyIsItems = false;
  for (let i = start; i < body.length; i++) {
    const byte = body[i] as number;
    if (byte === QUOTE) {
      const end = stringEnd(body, i);
      if (depth === 1) lastKeyIsItems = end - i + 1 === ITEMS_KEY.length && ITEMS_KEY.equals(body.subarray(i, end + 1));
      i = end;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (depth === 1 && byte === OPEN_ARRAY && lastKeyIsItems) {
        const elements = elementSizes(body, i);
        sizes = elements.sizes;
        i = elements.end;
        continue;
      }
      depth++;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
  return sizes ?? [body.length - start];
}

/** Sizes of the elements of the array opening at `open`, and the index of its closing bracket. */
function elementSizes(body: Uint8Array, open: number): { sizes: number[]; end: number } {
  const sizes: number[] = [];
  let depth = 0;
  let elementStart = -1;
  let lastNonBlank = -1;
  for (let i = open + 1; i < body.length; i++) {
    const byte = body[i] as number;
    if (isBlank(byte)) continue;
    if (depth === 0 && (byte === COMMA || byte === CLOSE_ARRAY)) {
      if (elementStart >= 0) sizes.push(lastNonBlank - elementStart + 1);
      elementStart = -1;
      if (byte === CLOSE_ARRAY) return { sizes, end: i };
      continue;
    }
    if (elementStart < 0) elementStart = i;
    if (byte === QUOTE) i = stringEnd(body, i);
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
    else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth--;
    lastNonBlank = i;
  }
  return { sizes, end: body.length - 1 };
}

/** Index of the quote closing the string that opens at `open` (a native search: most bytes are in strings). */
function stringEnd(body: Uint8Array, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = body.indexOf(QUOTE, from);
    if (quote < 0) return body.length - 1;
    let backslashes = 0;
    while (body[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
