/**
 * From an offset inside a condition or output back to a line and column of the rules file.
 * A YAML scalar's value is not its source text (folded `>` blocks join lines, quotes and escapes
 * disappear), so the value is aligned with the source greedily; this is linear and only runs
 * when a problem is reported.
 */
import { LineCounter, type Scalar } from 'yaml';

export class SourceFile {
  readonly lines = new LineCounter();

  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  /** 1-based line and column of a character offset of the file. */
  position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line, column: col };
  }
}

/** Where a piece of text came from: a scalar node (mappable) or just a node's start. */
export interface Location {
  file: SourceFile;
  /** Character offset of the node in the file. */
  offset: number;
  /** Present when the text is exactly this scalar's value: offsets inside it can be mapped. */
  scalar?: Scalar;
}

export function locationPosition(location: Location, offsetInValue?: number): { line: number; column: number } {
  if (offsetInValue === undefined || location.scalar === undefined) return location.file.position(location.offset);
  return location.file.position(scalarOffset(location.file.text, location.scalar, offsetInValue));
}

/** File offset of character `target` of a scalar's value. */
function scalarOffset(fileText: string, scalar: Scalar, target: number): number {
  const range = scalar.range;
  if (!range) return 0;
  const [start, valueEnd] = range;
  const value = typeof scalar.value === 'string' ? scalar.value : String(scalar.value);
  let j = start;
  if (scalar.type === 'BLOCK_FOLDED' || scalar.type === 'BLOCK_LITERAL') {
    const newline = fileText.indexOf('\n', start);
    j = newline < 0 || newline > valueEnd ? start : newline + 1;
  } else if (scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE') j = start + 1;
  let i = 0;
  while (i < target && i < value.length && j < valueEnd) {
    const c = value.charCodeAt(i);
    const s = fileText.charCodeAt(j);
    if (c === s) {
      i++;
      j++;
    } else if (isSpace(c) && isSpace(s)) {
      // A folded line break (plus indentation) in the source became one space or newline.
      while (j < valueEnd && isSpace(fileText.charCodeAt(j))) j++;
      i++;
    } else j++; // indentation, an escape's backslash, a quote: source-only characters
  }
  while (j < valueEnd && isSpace(fileText.charCodeAt(j)) && !isSpace(value.charCodeAt(i))) j++;
  return j;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** A run of a composed text and where it came from (absent for glue such as ` and not `). */
interface Segment {
  start: number;
  length: number;
  location?: Location;
}

/**
 * Text assembled from pieces (an appended macro is its first definition, a space, then the
 * appended condition; a rule with exceptions wraps its condition), remembering where each
 * piece came from. Joining keeps the pieces and maps positions only when a problem is located:
 * a macro appended to 5 000 times would otherwise copy its growing piece list at every append
 * (quadratic: seconds of a blocked event loop for a 250 KB file).
 */
export class ComposedText {
  private constructor(
    readonly text: string,
    private flat: Segment[] | undefined,
    private readonly parts: ReadonlyArray<ComposedText | string>,
  ) {}

  static of(text: string, location?: Location): ComposedText {
    return new ComposedText(text, [{ start: 0, length: text.length, ...(location ? { location } : {}) }], []);
  }

  static join(parts: ReadonlyArray<ComposedText | string>): ComposedText {
    let text = '';
    for (const part of parts) text += typeof part === 'string' ? part : part.text;
    return new ComposedText(text, undefined, [...parts]);
  }

  /** Appends with a separating space, as Falco concatenates appended conditions and outputs. */
  append(other: ComposedText): ComposedText {
    return ComposedText.join([this, ' ', other]);
  }

  /** The pieces as runs of this text, computed once, with an explicit stack (appends nest deep). */
  private segments(): Segment[] {
    if (this.flat !== undefined) return this.flat;
    const out: Segment[] = [];
    let offset = 0;
    const stack: Array<ComposedText | string> = [...this.parts].reverse();
    while (stack.length > 0) {
      const piece = stack.pop() as ComposedText | string;
      if (typeof piece === 'string') {
        out.push({ start: offset, length: piece.length });
        offset += piece.length;
      } else if (piece.flat !== undefined) {
        for (const segment of piece.flat) out.push({ ...segment, start: segment.start + offset });
        offset += piece.text.length;
      } else for (let k = piece.parts.length - 1; k >= 0; k--) stack.push(piece.parts[k] as ComposedText | string);
    }
    this.flat = out;
    return out;
  }

  /**
   * The file position of `[start, end)`: the piece it falls in (or the nearest piece with a
   * location), the line/column there, and offset/length relative to that piece's own text.
   */
  locate(start: number, end: number): { file: string; line: number; column: number; offset?: number; length?: number } | undefined {
    let best: Segment | undefined;
    for (const segment of this.segments()) {
      if (segment.location === undefined) continue;
      if (start >= segment.start && start <= segment.start + segment.length) {
        best = segment;
        break;
      }
      if (best === undefined || Math.abs(segment.start - start) < Math.abs(best.start - start)) best = segment;
    }
    if (best?.location === undefined) return undefined;
    const inside = start >= best.start && start <= best.start + best.length;
    const offset = inside ? start - best.start : undefined;
    const { line, column } = locationPosition(best.location, offset);
    const result: { file: string; line: number; column: number; offset?: number; length?: number } = { file: best.location.file.name, line, column };
    if (offset !== undefined && best.location.scalar !== undefined) {
      result.offset = offset;
      result.length = Math.max(0, Math.min(end, best.start + best.length) - start);
    }
    return result;
  }
}
