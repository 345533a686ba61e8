import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

/*
 * What the fuzz suites (`*.fuzz.spec.ts`, `*.fuzz.int.spec.ts`) share: how many inputs to try,
 * a recorder of unhandled rejections, requests with a deadline, the contract every answer
 * keeps, a tally for long runs, and generators of hostile values.
 */

/**
 * Inputs per property: its default, sized so every fuzz suite together costs about a minute of
 * `npm test`, or `FUZZ_RUNS` for a long run (e.g. `FUZZ_RUNS=20000 npx vitest run …fuzz`).
 */
export function fuzzRuns(defaultRuns: number): number {
  const text = process.env['FUZZ_RUNS'];
  if (text === undefined || text === '') return defaultRuns;
  const runs = Number(text);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a whole number from 1, not "${text}"`);
  return runs;
}

/** fast-check's parameters: the run count, `FUZZ_SEED` to replay a failure it printed, and a report that stays readable. */
export function fuzzParameters(defaultRuns: number): { numRuns: number; seed?: number; plugins: Array<fc.Plugin<unknown>> } {
  const seed = process.env['FUZZ_SEED'];
  return { numRuns: fuzzRuns(defaultRuns), ...(seed ? { seed: Number(seed) } : {}), plugins: [shortReport] };
}

/** The default report, with each line cut: a counterexample may hold a 4 MiB string. */
const shortReport: fc.Plugin<unknown> = () => ({
  onAllRunsComplete: (details) => {
    if (!details.failed) return;
    const cause = 'errorInstance' in details && details.errorInstance instanceof Error ? details.errorInstance.message : '';
    const lines = [...(fc.defaultReportMessage(details)?.split('\n') ?? []), `Cause: ${cause}`];
    throw new Error(lines.map((line) => (line.length > 2000 ? `${line.slice(0, 2000)}… (${line.length} characters)` : line)).join('\n'));
  },
});

/** A test's own timeout: the default runs fit vitest's default, a long run gets what it needs. */
export function fuzzTimeoutMs(defaultRuns: number, msPerRun: number): number {
  return Math.max(30_000, fuzzRuns(defaultRuns) * msPerRun);
}

/**
 * Records every unhandled rejection (and uncaught exception) while a suite runs: the server
 * runs in this process, so one of its promises rejecting with nobody waiting shows up here.
 */
export class RejectionRecorder {
  readonly seen: string[] = [];
  private readonly onRejection = (reason: unknown): void => {
    this.seen.push(`unhandledRejection: ${describe(reason)}`);
  };
  private readonly onException = (error: unknown): void => {
    this.seen.push(`uncaughtException: ${describe(error)}`);
  };

  install(): void {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtExceptionMonitor', this.onException);
  }

  uninstall(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtExceptionMonitor', this.onException);
  }
}

function describe(value: unknown): string {
  return value instanceof Error ? (value.stack ?? value.message) : String(value);
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** Every request of a fuzz run has this long to be answered: past it, the run counts as a hang. */
export const REQUEST_DEADLINE_MS = 15_000;

/** One request that must be answered within the deadline (a hang fails the property). */
export async function request(url: string, init: RequestInit = {}, deadlineMs = REQUEST_DEADLINE_MS): Promise<Answer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(deadlineMs) });
    text = await response.text();
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new Error(`no answer within ${deadlineMs} ms: ${init.method ?? 'GET'} ${url.slice(0, 300)}`);
    throw error;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
}

/**
 * Why an answer breaks the contract, or undefined: never a 5xx, and a refusal (4xx) says why
 * with a stable code, as JSON `{code, message}` or as text carrying a `CODE: reason` line
 * (the falcosidekick-compatible port's form).
 */
export function contractBreach(answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.text.slice(0, 500)}`;
  // Node's HTTP parser refuses a request line or headers beyond 16 KiB before any route runs: no code, but a reason.
  if (answer.status === 431) return answer.text.includes('Header') ? undefined : `answered 431 without a reason: ${answer.text.slice(0, 200)}`;
  if (answer.status < 200 || (answer.status >= 300 && answer.status < 400)) return `answered ${answer.status}`;
  if (answer.status < 400) return undefined;
  if (answer.contentType.includes('json')) {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return `answered ${answer.status} with JSON that does not parse: ${answer.text.slice(0, 200)}`;
    }
    const { code, message } = (body ?? {}) as { code?: unknown; message?: unknown };
    if (typeof code !== 'string' || !/^[A-Z][A-Z_]+$/.test(code) || typeof message !== 'string' || message === '') return `answered ${answer.status} without a code and a reason: ${answer.text.slice(0, 200)}`;
    return undefined;
  }
  if (!/^[A-Z][A-Z_]+: \S/m.test(answer.text)) return `answered ${answer.status} without a coded reason: ${answer.text.slice(0, 200)}`;
  return undefined;
}

/** The stable code of a refusal, from its JSON body or its `CODE: reason` line. */
export function codeOf(answer: Answer): string | undefined {
  if (answer.contentType.includes('json')) {
    try {
      const code = (JSON.parse(answer.text) as { code?: unknown }).code;
      return typeof code === 'string' ? code : undefined;
    } catch {
      return undefined;
    }
  }
  return /^([A-Z][A-Z_]+): \S/m.exec(answer.text)?.[1];
}

/**
 * Inputs tried and answers seen, per target. With `FUZZ_REPORT` set to a file, each suite
 * appends one JSON line per target there when it ends (how a long run is reported).
 */
export class FuzzTally {
  private readonly targets = new Map<string, { tried: number; byStatus: Record<string, number> }>();

  /** Counts one answer under its status and, for a refusal, its code (`400 BODY_NOT_JSON`). */
  record(target: string, answer: Answer | string): void {
    const outcome = typeof answer === 'string' ? answer : `${answer.status}${answer.status >= 400 ? ` ${codeOf(answer) ?? ''}` : ''}`.trim();
    const entry = this.targets.get(target) ?? { tried: 0, byStatus: {} };
    entry.tried++;
    entry.byStatus[outcome] = (entry.byStatus[outcome] ?? 0) + 1;
    this.targets.set(target, entry);
  }

  tried(target: string): number {
    return this.targets.get(target)?.tried ?? 0;
  }

  write(): void {
    const file = process.env['FUZZ_REPORT'];
    if (!file) return;
    for (const [target, entry] of this.targets) appendFileSync(file, `${JSON.stringify({ target, ...entry })}\n`);
  }
}

/** Any string as a URL component (lone surrogates become U+FFFD's bytes, as a client would send them). */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');
}

/* ---------------------------------------------------------------- generators */

/** Strings that have broken parsers, databases, templates and logs elsewhere. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFF\uDFFFy',
  '\uFEFF',
  '\u202E\u2066',
  '\r\n',
  'null',
  'undefined',
  'NaN',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '%s%d%n',
  '%proc.name',
  '${jndi:ldap://x}',
  '{{ .Foo }}',
  "'; DROP TABLE alerts; --",
  '" OR 1=1 --',
  '\\',
  '%',
  '_',
  '../../../etc/passwd',
  '=cmd|"/c calc"!A1',
  '<script>alert(1)</script>',
  '🦅🏳️‍🌈👩‍👩‍👧',
  'a\u0301\u0302\u0303',
  'Ω≈ç√∫˜µ≤≥÷',
  '日本語のテキスト',
  'ﷺ',
  '\u0085\u2028\u2029',
  '9007199254740993',
  '-0',
  '1e400',
  '2026-02-30T25:61:61Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999999Z',
  '2262-04-11T23:47:16.854775808Z',
] as const;

/** Any string: short ones of every code point (lone surrogates too), graphemes, nasty classics, and now and then a huge one. */
export function oddString(options: { maxHuge?: number } = {}): fc.Arbitrary<string> {
  const maxHuge = options.maxHuge ?? 70_000;
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: Math.min(1000, maxHuge), max: maxHuge }), fc.constantFrom('a', 'é', '日', '🦅', '\\', '"', '%', '\u0000')).map(([length, unit]) => unit.repeat(length)) },
  );
}

/** A JSON number token as text, beyond what a double holds exactly too. */
export const numberToken: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.constantFrom('9007199254740993', '-9007199254740993', '18446744073709551615', '1795442727146981532', '1e400', '-1e400', '1E-400', '-0', '0.1e1', '123456789012345678901234567890.5', '1e+21'),
);

/** JSON text of any shape (odd keys, duplicate keys, big numbers), as a sender could write it. */
export function jsonText(options: { maxDepth?: number; string?: fc.Arbitrary<string> } = {}): fc.Arbitrary<string> {
  const string = options.string ?? oddString({ maxHuge: 5_000 });
  const key = fc.oneof(string, fc.constantFrom('__proto__', 'constructor', 'kind', 'items', 'rule', 'priority', 'output_fields', 'time'));
  const { value } = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: options.maxDepth ?? 4 },
      string.map((s) => JSON.stringify(s)),
      numberToken,
      fc.constantFrom('true', 'false', 'null'),
      fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
      fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    ),
  }));
  return value;
}

/** `value` inside `levels` arrays or objects: deep nesting, around every limit the server has. */
export function nested(value: string, levels: number, shape: 'array' | 'object'): string {
  return shape === 'array' ? `${'['.repeat(levels)}${value}${']'.repeat(levels)}` : `${'{"a":'.repeat(levels)}${value}${'}'.repeat(levels)}`;
}

export const nestingLevels: fc.Arbitrary<number> = fc.oneof(fc.integer({ min: 30, max: 130 }), fc.constantFrom(63, 64, 65, 99, 100, 101, 1000, 20_000));

/** An RFC 3339 time with 0-12 fraction digits and any offset, years 0000-9999: mostly valid dates, some not (Feb 30, 23:59:60). */
export const rfc3339: fc.Arbitrary<string> = fc
  .record({
    // Mostly now-ish; often the edges of what 64-bit nanoseconds hold (1677, 2262) and of the format (0000, 9999).
    year: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1970, max: 2100 }) }, { weight: 2, arbitrary: fc.constantFrom(0, 1, 1677, 1678, 1969, 2262, 2263, 9999) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 9999 }) }),
    // The first and last moments of a year, where an offset carries the instant into the next or previous one.
    month: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(1, 12)),
    day: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 28 }) }, { weight: 2, arbitrary: fc.constantFrom(1, 31) }, { weight: 1, arbitrary: fc.integer({ min: 29, max: 31 }) }),
    hour: fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 23)),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: fc.constant(60) }),
    fraction: fc.stringMatching(/^(\.\d{1,12})?$/),
    offset: fc.oneof(fc.constant('Z'), fc.constant('z'), fc.constantFrom('+23:59', '-23:59', '+00:00', '-00:00'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([sign, h, m]) => `${sign}${pad(h)}:${pad(m)}`)),
  })
  .map((t) => `${String(t.year).padStart(4, '0')}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}${t.fraction}${t.offset}`);

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Bytes that are not UTF-8 (or not text at all). */
export const rawBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.constantFrom(Uint8Array.from([0xff, 0xfe]), Uint8Array.from([0xc3]), Uint8Array.from([0xed, 0xa0, 0x80]), Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])),
);

/** Text with one invalid UTF-8 sequence spliced into it (inside a string or between tokens). */
export function withInvalidUtf8(text: string, at: number): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  const cut = Math.min(bytes.length, Math.max(0, at));
  return Buffer.concat([bytes.subarray(0, cut), Buffer.from([0xc0, 0xaf, 0xff]), bytes.subarray(cut)]);
}
