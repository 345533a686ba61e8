/**
 * A linear-time regular-expression matcher for Falco's `regex` operator.
 *
 * libsinsp compiles `regex` operands with RE2 in POSIX mode and requires the whole value to match
 * (ANCHOR_BOTH). Rule text is untrusted input, so a backtracking engine (JavaScript's RegExp) is
 * not acceptable: `(a+)+$` must not stall the event loop. This module parses the POSIX-egrep
 * dialect RE2 accepts in that mode and runs it as a Thompson NFA (a set of states advanced one
 * character at a time), which is O(pattern × value) whatever the pattern.
 *
 * Supported: literals, `.`, `[...]` with ranges, negation and `[:class:]` names, `|`, `( )`,
 * `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (n, m ≤ 1000 as in RE2, and as RE2's RepetitionWalker
 * the product of nested counts ≤ 1000: `(.{1,1000}){24}` is "bad repetition operator"), `^`, `$`
 * (line anchors, as RE2 with posix_syntax and without one_line), and escapes of punctuation plus
 * `\n \t \r \f \v`. Like RE2 in POSIX mode, Perl classes (`\d`, `\w`, ...), non-greedy operators
 * and `(?...)` groups are rejected.
 *
 * Bounded, because rule text is untrusted: the program (counted repetition expanded) has at most
 * `maxPatternSize` instructions, and one match at most `maxMatchSteps` steps (a step is one live
 * state on one character), beyond which it throws MATCH_LIMIT_EVALUATION_ERROR instead of
 * holding the event loop: O(pattern × value) is linear, but 48 000 states × 10 000 characters
 * is still seconds.
 */
import { MATCH_LIMIT_EVALUATION_ERROR } from '../condition/eval-state';
import { DEFAULT_MATCH_LIMITS, type MatchLimits } from '../operators/operator';


type CharTest = (codePoint: number) => boolean;

type Instruction =
  | { op: 'char'; test: CharTest }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; to: number }
  | { op: 'lineStart' }
  | { op: 'lineEnd' }
  | { op: 'match' };

/** A program fragment built by the parser: instructions with relative jump targets. */
type Fragment = Instruction[];

const MAX_REPEAT = 1000;
const BOUNDS = /\{(\d{1,7})(,(\d{0,7}))?\}/y;
const MAX_GROUP_DEPTH = 500;

export class RegexSyntaxError extends Error {}

/** The pattern is valid but compiles to more than `maxPatternSize` instructions (PATTERN_LIMIT). */
export class RegexLimitError extends RegexSyntaxError {}

const POSIX_CLASSES: Readonly<Record<string, CharTest>> = {
  alnum: (c) => isIn(c, 48, 57) || isIn(c, 65, 90) || isIn(c, 97, 122),
  alpha: (c) => isIn(c, 65, 90) || isIn(c, 97, 122),
  ascii: (c) => c <= 0x7f,
  blank: (c) => c === 32 || c === 9,
  cntrl: (c) => c < 32 || c === 127,
  digit: (c) => isIn(c, 48, 57),
  graph: (c) => isIn(c, 33, 126),
  lower: (c) => isIn(c, 97, 122),
  print: (c) => isIn(c, 32, 126),
  punct: (c) => isIn(c, 33, 47) || isIn(c, 58, 64) || isIn(c, 91, 96) || isIn(c, 123, 126),
  space: (c) => c === 32 || isIn(c, 9, 13),
  upper: (c) => isIn(c, 65, 90),
  word: (c) => isIn(c, 48, 57) || isIn(c, 65, 90) || isIn(c, 97, 122) || c === 95,
  xdigit: (c) => isIn(c, 48, 57) || isIn(c, 65, 70) || isIn(c, 97, 102),
};

function isIn(c: number, low: number, high: number): boolean {
  return c >= low && c <= high;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };

class RegexParser {
  private i = 0;
  private depth = 0;
  /** The largest product of nested repetition counts seen in the atom being read (RE2's RepetitionWalker). */
  private nestedRepeat = 1;
  constructor(
    private readonly source: string,
    private readonly maxProgram: number,
  ) {}

  parse(): Fragment {
    const fragment = this.parseAlternation();
    if (this.i < this.source.length) throw new RegexSyntaxError(`unexpected ')' at offset ${this.i}`);
    return fragment;
  }

  private parseAlternation(): Fragment {
    const branches = [this.parseConcatenation()];
    let size = branches[0]?.length ?? 0;
    while (this.source[this.i] === '|') {
      this.i++;
      const branch = this.parseConcatenation();
      branches.push(branch);
      size += branch.length + 2;
      if (size > this.maxProgram) this.tooLarge();
    }
    if (branches.length === 1) return branches[0] ?? [];
    // split L1, next ; L1: b1 ; jmp end ; next: split L2, next2 ; ... ; bn ; end:
    // Built once from precomputed suffix sizes: linear in the number of alternatives.
    const suffix = new Array<number>(branches.length).fill(0);
    for (let k = branches.length - 1; k >= 0; k--) {
      const length = branches[k]?.length ?? 0;
      suffix[k] = k === branches.length - 1 ? length : length + 2 + (suffix[k + 1] ?? 0);
    }
    const out: Instruction[] = [];
    for (let k = 0; k < branches.length; k++) {
      const branch = branches[k] ?? [];
      if (k === branches.length - 1) {
        for (const ins of branch) out.push(ins);
        break;
      }
      out.push({ op: 'split', x: 1, y: branch.length + 2 });
      for (const ins of branch) out.push(ins);
      out.push({ op: 'jmp', to: (suffix[k + 1] ?? 0) + 1 });
    }
    return out;
  }

  private parseConcatenation(): Fragment {
    const parts: Instruction[] = [];
    while (this.i < this.source.length && this.source[this.i] !== '|' && this.source[this.i] !== ')') {
      for (const ins of this.parseRepetition()) parts.push(ins);
      this.checkSize(parts);
    }
    return parts;
  }

  private parseRepetition(): Fragment {
    const enclosing = this.nestedRepeat;
    this.nestedRepeat = 1;
    let atom = this.parseAtom();
    // Repetitions inside the atom (a group) left their largest product here.
    let product = this.nestedRepeat;
    for (;;) {
      const c = this.source[this.i];
      if (c === '*') {
        this.i++;
        atom = star(atom);
      } else if (c === '+') {
        this.i++;
        atom = [...atom, ...star(atom)];
      } else if (c === '?') {
        this.i++;
        atom = optional(atom);
      } else if (c === '{' && this.readBounds() !== undefined) {
        const bounds = this.readBounds();
        if (bounds === undefined) break;
        this.i += bounds.length;
        const { min, max } = bounds;
        const written = this.source.slice(this.i - bounds.length, this.i);
        if (min > MAX_REPEAT || (max !== Infinity && (max > MAX_REPEAT || max < min))) throw new RegexSyntaxError(`bad repetition operator ${written}`);
        // RE2 divides 1000 by each nested count (max, or min when unbounded) and refuses when nothing is left.
        const count = max === Infinity ? min : max;
        if (count > 0) product *= count;
        if (product > MAX_REPEAT) throw new RegexSyntaxError(`bad repetition operator ${written}: nested counts multiply to more than ${MAX_REPEAT}`);
        atom = repeat(atom, min, max, this.maxProgram);
      } else break;
      if (this.source[this.i] === '?') throw new RegexSyntaxError('non-greedy repetition is not POSIX syntax');
      this.checkSize(atom);
    }
    this.nestedRepeat = Math.max(enclosing, product);
    return atom;
  }

  /** `{n}`, `{n,}` or `{n,m}` at the cursor, read with a sticky RegExp (no slicing: linear). */
  private readBounds(): { min: number; max: number; length: number } | undefined {
    BOUNDS.lastIndex = this.i;
    const match = BOUNDS.exec(this.source);
    if (match === null) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' || match[3] === undefined ? Infinity : Number(match[3]);
    return { min, max, length: match[0].length };
  }

  private parseAtom(): Fragment {
    const c = this.source[this.i];
    if (c === undefined) throw new RegexSyntaxError('unexpected end of pattern');
    if (c === '(') {
      if (++this.depth > MAX_GROUP_DEPTH) throw new RegexSyntaxError('groups nest too deeply');
      this.i++;
      if (this.source[this.i] === '?') throw new RegexSyntaxError('(? groups are not POSIX syntax');
      const inner = this.parseAlternation();
      if (this.source[this.i] !== ')') throw new RegexSyntaxError('missing )');
      this.i++;
      this.depth--;
      return inner;
    }
    if (c === '*' || c === '+' || c === '?') throw new RegexSyntaxError(`missing argument to repetition operator '${c}'`);
    this.i++;
    if (c === '.') return [{ op: 'char', test: (cp) => cp !== 10 }];
    if (c === '^') return [{ op: 'lineStart' }];
    if (c === '$') return [{ op: 'lineEnd' }];
    if (c === '[') return [{ op: 'char', test: this.parseClass() }];
    if (c === '\\') {
      const cp = this.parseEscape();
      return [{ op: 'char', test: (x) => x === cp }];
    }
    const cp = this.source.codePointAt(this.i - 1) ?? 0;
    if (cp > 0xffff) this.i++;
    return [{ op: 'char', test: (x) => x === cp }];
  }

  private parseEscape(): number {
    const e = this.source[this.i];
    if (e === undefined) throw new RegexSyntaxError('trailing backslash');
    this.i++;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) return simple;
    if (/[0-9A-Za-z]/.test(e)) throw new RegexSyntaxError(`invalid escape sequence \\${e}`);
    return e.codePointAt(0) ?? 0;
  }

  private parseClass(): CharTest {
    let negated = false;
    if (this.source[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = this.source[this.i];
      if (c === undefined) throw new RegexSyntaxError('missing ]');
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && this.source[this.i + 1] === ':') {
        const close = this.source.indexOf(':]', this.i + 2);
        const name = close < 0 ? '' : this.source.slice(this.i + 2, close);
        const test = POSIX_CLASSES[name];
        if (test === undefined) throw new RegexSyntaxError(`invalid character class [:${name}:]`);
        tests.push(test);
        this.i = close + 2;
        continue;
      }
      const low = this.classChar();
      if (this.source[this.i] === '-' && this.source[this.i + 1] !== ']' && this.source[this.i + 1] !== undefined) {
        this.i++;
        const high = this.classChar();
        if (high < low) throw new RegexSyntaxError('invalid character class range');
        tests.push((cp) => cp >= low && cp <= high);
      } else tests.push((cp) => cp === low);
    }
    return (cp) => tests.some((t) => t(cp)) !== negated && (!negated || cp !== 10);
  }

  private classChar(): number {
    const c = this.source[this.i];
    if (c === '\\') {
      this.i++;
      return this.parseEscape();
    }
    const cp = this.source.codePointAt(this.i) ?? 0;
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private checkSize(fragment: Fragment): void {
    if (fragment.length > this.maxProgram) this.tooLarge();
  }

  private tooLarge(): never {
    throw new RegexLimitError(`the pattern compiles to more than ${this.maxProgram} instructions (maxPatternSize)`);
  }
}

/** x* : L: split body, end ; body ; jmp L ; end: */
function star(body: Fragment): Fragment {
  return [{ op: 'split', x: 1, y: body.length + 2 }, ...body, { op: 'jmp', to: -(body.length + 1) }];
}
function optional(body: Fragment): Fragment {
  return [{ op: 'split', x: 1, y: body.length + 1 }, ...body];
}
function repeat(body: Fragment, min: number, max: number, maxProgram: number): Fragment {
  const copies = min + (max === Infinity ? 1 : max - min);
  // Checked before building: a large count must fail fast, not allocate the copies first.
  if (copies * (body.length + 2) > maxProgram) throw new RegexLimitError(`the pattern compiles to more than ${maxProgram} instructions (maxPatternSize)`);
  const out: Instruction[] = [];
  const append = (fragment: Fragment): void => {
    for (const ins of fragment) out.push(ins);
  };
  for (let k = 0; k < min; k++) append(body);
  if (max === Infinity) append(star(body));
  else for (let k = min; k < max; k++) append(optional(body));
  return out;
}

/** Resolves relative jump offsets of a fragment into absolute instruction indexes. */
function link(fragment: Fragment): Instruction[] {
  const program: Instruction[] = fragment.map((ins, pc) => {
    if (ins.op === 'split') return { op: 'split', x: pc + ins.x, y: pc + ins.y };
    if (ins.op === 'jmp') return { op: 'jmp', to: pc + ins.to };
    return ins;
  });
  program.push({ op: 'match' });
  return program;
}

/**
 * Compiles `pattern`; the returned function tells whether the whole `value` matches, and throws
 * MATCH_LIMIT_EVALUATION_ERROR past `limits.maxMatchSteps`. Throws RegexSyntaxError on an
 * invalid pattern, RegexLimitError on one too large (callers turn them into coded load errors).
 */
export function compileLinearRegex(pattern: string, limits: MatchLimits = DEFAULT_MATCH_LIMITS): (value: string) => boolean {
  const program = link(new RegexParser(pattern, limits.maxPatternSize).parse());
  const maxSteps = limits.maxMatchSteps;
  const size = program.length;
  // Two generations of state sets, reused across calls; `mark` avoids clearing between steps.
  let current = new Int32Array(size);
  let next = new Int32Array(size);
  const seen = new Int32Array(size);
  let generation = 0;

  const addState = (list: Int32Array, count: number, pc: number, text: string, at: number): number => {
    // Iterative epsilon closure with an explicit stack (no recursion on long programs).
    const stack: number[] = [pc];
    while (stack.length > 0) {
      const state = stack.pop() ?? 0;
      if (seen[state] === generation) continue;
      seen[state] = generation;
      const ins = program[state];
      if (ins === undefined) continue;
      switch (ins.op) {
        case 'jmp':
          stack.push(ins.to);
          break;
        case 'split':
          stack.push(ins.y, ins.x);
          break;
        case 'lineStart':
          if (at === 0 || text.charCodeAt(at - 1) === 10) stack.push(state + 1);
          break;
        case 'lineEnd':
          if (at === text.length || text.charCodeAt(at) === 10) stack.push(state + 1);
          break;
        default:
          list[count++] = state;
      }
    }
    return count;
  };

  return (text: string): boolean => {
    generation++;
    let count = addState(current, 0, 0, text, 0);
    let at = 0;
    let steps = 0;
    while (at < text.length && count > 0) {
      steps += count + 1;
      if (steps > maxSteps) throw MATCH_LIMIT_EVALUATION_ERROR;
      const cp = text.codePointAt(at) ?? 0;
      const width = cp > 0xffff ? 2 : 1;
      generation++;
      let nextCount = 0;
      for (let k = 0; k < count; k++) {
        const state = current[k] ?? 0;
        const ins = program[state];
        if (ins?.op === 'char' && ins.test(cp)) nextCount = addState(next, nextCount, state + 1, text, at + width);
      }
      [current, next] = [next, current];
      count = nextCount;
      at += width;
    }
    if (at < text.length) return false;
    for (let k = 0; k < count; k++) if (program[current[k] ?? 0]?.op === 'match') return true;
    return false;
  };
}
